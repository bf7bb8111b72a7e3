// Package tlsfiles turns the certificate files an operator names into the
// TLS settings of hulian's servers and their outbound calls: a server's
// certificate, reloaded when the files change (so a renewal needs no
// restart); the CA whose client certificates a server accepts for mutual
// TLS; and, on the calling side, extra CAs to trust and the client
// certificate to present.
package tlsfiles

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"hulian/internal/errs"
)

// Server names a server's TLS files. ClientCA, when set, turns on mutual
// TLS: clients may present a certificate issued by it, which the server
// verifies; which requests must present one is the server's to decide.
type Server struct {
	Cert, Key string
	ClientCA  string
}

// Enabled reports whether TLS is configured.
func (s Server) Enabled() bool { return s.Cert != "" || s.Key != "" }

// Check reports a half-given configuration, naming the flag.
func (s Server) Check() error {
	switch {
	case s.Cert != "" && s.Key == "":
		return errs.Invalidf("--tls-key", "给出 --tls-cert 时须同时给出 --tls-key", "--tls-cert needs --tls-key")
	case s.Key != "" && s.Cert == "":
		return errs.Invalidf("--tls-cert", "给出 --tls-key 时须同时给出 --tls-cert", "--tls-key needs --tls-cert")
	case s.ClientCA != "" && s.Cert == "":
		return errs.Invalidf("--client-ca", "双向 TLS（--client-ca）须先以 --tls-cert 和 --tls-key 启用 TLS", "mutual TLS (--client-ca) needs TLS on (--tls-cert and --tls-key)")
	}
	return nil
}

// Config is the server's TLS configuration, TLS 1.2 at least. The key pair
// is read now (an error names the file) and again whenever either file
// changes; a pair that fails to load then is logged and the old one kept.
func (s Server) Config(logger *slog.Logger) (*tls.Config, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	kp, err := newKeyPair(s.Cert, s.Key, "--tls-cert", logger)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return kp.get(), nil }}
	if s.ClientCA != "" {
		cas, err := newReloading([]string{s.ClientCA}, "client CA", logger, func() (*x509.CertPool, error) {
			return readPool("--client-ca", s.ClientCA, false)
		})
		if _, named := err.(*errs.Error); err != nil && !named {
			// The file could not be looked at: said as readPool says it.
			err = errs.Invalidf("--client-ca", "无法读取 CA 证书文件："+err.Error(), "cannot read the CA certificate file: "+err.Error())
		}
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs, cfg.ClientAuth = cas.get(), tls.VerifyClientCertIfGiven
		// Each handshake gets the client CAs as the file now says, so that
		// adding or replacing a CA needs no restart either.
		base := cfg.Clone()
		cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
			c := base.Clone()
			c.ClientCAs = cas.get()
			return c, nil
		}
	}
	return cfg, nil
}

// Client names what a caller adds to TLS: CA, a file of CA certificates to
// trust besides the system's (a private PKI between platform and nodes);
// Cert and Key, the client certificate to present for mutual TLS.
type Client struct {
	CA        string
	Cert, Key string
}

// Check reports a half-given configuration, naming the flag.
func (c Client) Check() error {
	switch {
	case c.Cert != "" && c.Key == "":
		return errs.Invalidf("--tls-client-key", "给出 --tls-client-cert 时须同时给出 --tls-client-key", "--tls-client-cert needs --tls-client-key")
	case c.Key != "" && c.Cert == "":
		return errs.Invalidf("--tls-client-cert", "给出 --tls-client-key 时须同时给出 --tls-client-cert", "--tls-client-key needs --tls-client-cert")
	}
	return nil
}

// Config is the caller's TLS configuration, or nil when c adds nothing (the
// system's roots, no client certificate).
func (c Client) Config(logger *slog.Logger) (*tls.Config, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	if c == (Client{}) {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CA != "" {
		pool, err := readPool("--tls-ca", c.CA, true)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if c.Cert != "" {
		kp, err := newKeyPair(c.Cert, c.Key, "--tls-client-cert", logger)
		if err != nil {
			return nil, err
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return kp.get(), nil }
	}
	return cfg, nil
}

// Transport is http.DefaultTransport with cfg (nil: unchanged).
func Transport(cfg *tls.Config) http.RoundTripper {
	if cfg == nil {
		return http.DefaultTransport
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = cfg
	return t
}

// VerifiedName is the common name of the client certificate a request
// came with, when the server verified it against its client CA.
func VerifiedName(r *http.Request) (string, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", false
	}
	return r.TLS.VerifiedChains[0][0].Subject.CommonName, true
}

func readPool(flag, path string, withSystem bool) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.Invalidf(flag, "无法读取 CA 证书文件："+errs.OSReason(err), "cannot read the CA certificate file: "+errs.OSReason(err))
	}
	pool := x509.NewCertPool()
	if withSystem {
		if sys, err := x509.SystemCertPool(); err == nil {
			pool = sys
		}
	}
	if !pool.AppendCertsFromPEM(b) {
		return nil, errs.Invalidf(flag, path+" 中没有 PEM 格式的证书", "no PEM certificate in "+path)
	}
	return pool, nil
}

// reloading is a value read from files (a key pair, a CA pool), read
// again when their sizes or modification times change, checked at most
// once a second. A replacement that fails to load — caught half-written,
// or bad — is logged and the working value kept.
type reloading[T any] struct {
	paths  []string
	what   string // for the log: "TLS certificate", "client CA"
	load   func() (T, error)
	logger *slog.Logger

	mu      sync.Mutex
	current T
	stamp   string
	checked time.Time
}

// newReloading loads the value now; an error is the loader's, or the
// operating system's reason a file cannot be looked at.
func newReloading[T any](paths []string, what string, logger *slog.Logger, load func() (T, error)) (*reloading[T], error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &reloading[T]{paths: paths, what: what, load: load, logger: logger}
	stamp, err := r.stampNow()
	if err != nil {
		return nil, err
	}
	if r.current, err = load(); err != nil {
		return nil, err
	}
	r.stamp = stamp
	return r, nil
}

// stampNow is the files' sizes and modification times.
func (r *reloading[T]) stampNow() (string, error) {
	var stamp string
	for _, p := range r.paths {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("%s", errs.OSReason(err))
		}
		stamp += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return stamp, nil
}

func (r *reloading[T]) get() T {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := time.Now(); now.Sub(r.checked) >= time.Second {
		r.checked = now
		if stamp, err := r.stampNow(); err == nil && stamp != r.stamp {
			if v, err := r.load(); err != nil {
				r.logger.Warn(r.what+" not reloaded; keeping the previous one", "file", r.paths[0], "err", err)
			} else {
				r.current, r.stamp = v, stamp
				r.logger.Info(r.what+" reloaded", "file", r.paths[0])
			}
		}
	}
	return r.current
}

// newKeyPair is a reloading certificate and key; an error names flag.
func newKeyPair(cert, key, flag string, logger *slog.Logger) (*reloading[*tls.Certificate], error) {
	kp, err := newReloading([]string{cert, key}, "TLS certificate", logger, func() (*tls.Certificate, error) {
		c, err := tls.LoadX509KeyPair(cert, key)
		return &c, err
	})
	if err != nil {
		return nil, errs.Invalidf(flag, "无法读取证书或私钥："+err.Error(), "cannot load the certificate or key: "+err.Error())
	}
	return kp, nil
}
