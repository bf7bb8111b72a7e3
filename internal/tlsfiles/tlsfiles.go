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
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return kp.get() }}
	if s.ClientCA != "" {
		cas, err := newCAFile(s.ClientCA, logger)
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

// caFile is a pool of CA certificates read from a file, read again when
// its size or modification time changes (checked at most once a second);
// a replacement that does not load is logged and the old pool kept.
type caFile struct {
	path   string
	logger *slog.Logger

	mu      sync.Mutex
	pool    *x509.CertPool
	stamp   string
	checked time.Time
}

func newCAFile(path string, logger *slog.Logger) (*caFile, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &caFile{path: path, logger: logger}
	pool, err := readPool("--client-ca", path, false)
	if err != nil {
		return nil, err
	}
	c.pool, c.stamp, c.checked = pool, fileStamp(path), time.Now()
	return c, nil
}

// fileStamp is a file's size and modification time, "" if unreadable.
func fileStamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d/%d", fi.Size(), fi.ModTime().UnixNano())
}

func (c *caFile) get() *x509.CertPool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := time.Now(); now.Sub(c.checked) >= time.Second {
		c.checked = now
		if stamp := fileStamp(c.path); stamp != "" && stamp != c.stamp {
			if pool, err := readPool("--client-ca", c.path, false); err != nil {
				c.logger.Warn("client CA not reloaded; keeping the previous one", "file", c.path, "err", err)
			} else {
				c.pool, c.stamp = pool, stamp
				c.logger.Info("client CA reloaded", "file", c.path)
			}
		}
	}
	return c.pool
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
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return kp.get() }
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

// keyPair is a certificate and key read from files, read again when their
// size or modification time changes (checked at most once a second).
type keyPair struct {
	cert, key, flag string
	logger          *slog.Logger

	mu      sync.Mutex
	current *tls.Certificate
	stamp   string
	checked time.Time
}

func newKeyPair(cert, key, flag string, logger *slog.Logger) (*keyPair, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	kp := &keyPair{cert: cert, key: key, flag: flag, logger: logger}
	stamp, err := kp.stampNow()
	if err == nil {
		err = kp.load(stamp)
	}
	if err != nil {
		return nil, errs.Invalidf(flag, "无法读取证书或私钥："+err.Error(), "cannot load the certificate or key: "+err.Error())
	}
	return kp, nil
}

func (kp *keyPair) stampNow() (string, error) {
	var stamp string
	for _, p := range []string{kp.cert, kp.key} {
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("%s", errs.OSReason(err))
		}
		stamp += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return stamp, nil
}

func (kp *keyPair) load(stamp string) error {
	c, err := tls.LoadX509KeyPair(kp.cert, kp.key)
	if err != nil {
		return err
	}
	kp.current, kp.stamp = &c, stamp
	return nil
}

func (kp *keyPair) get() (*tls.Certificate, error) {
	kp.mu.Lock()
	defer kp.mu.Unlock()
	if now := time.Now(); now.Sub(kp.checked) >= time.Second {
		kp.checked = now
		if stamp, err := kp.stampNow(); err == nil && stamp != kp.stamp {
			if err := kp.load(stamp); err != nil {
				// A renewal caught half-written, or a bad one: keep
				// serving the pair that works, and say so.
				kp.logger.Warn("TLS certificate not reloaded; keeping the previous one", "file", kp.cert, "err", err)
			} else {
				kp.logger.Info("TLS certificate reloaded", "file", kp.cert)
			}
		}
	}
	return kp.current, nil
}
