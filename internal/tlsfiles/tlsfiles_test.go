package tlsfiles_test

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/tlsfiles"
	"hulian/internal/tlsfiles/tlstest"
)

// TestServerReloads: a server's certificate is replaced on disk and the
// next handshakes get the new one without a restart; a broken replacement
// is ignored and the working one kept. Client certificates from the
// client CA are verified and their names read; others are refused.
func TestServerReloads(t *testing.T) {
	ca := tlstest.NewCA(t, "platform")
	clients := tlstest.NewCA(t, "members")
	first := ca.Server(t)
	live := tlsfiles.Server{Cert: first.Cert + ".live", Key: first.Key + ".live", ClientCA: clients.File + ".live"}
	if b, err := os.ReadFile(clients.File); err != nil || os.WriteFile(live.ClientCA, b, 0o600) != nil {
		t.Fatal(err)
	}
	install := func(p tlstest.Pair) {
		for from, to := range map[string]string{p.Cert: live.Cert, p.Key: live.Key} {
			b, err := os.ReadFile(from)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	install(first)
	cfg, err := live.Config(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := tlsfiles.VerifiedName(r)
		if ok {
			w.Write([]byte("client " + name))
		}
	}), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(tls.NewListener(ln, cfg))
	defer srv.Close()
	url := "https://" + ln.Addr().String()

	get := func(client *tlstest.Pair) (serial string, body string) {
		t.Helper()
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig(t, nil)}}
		if client != nil {
			c.Transport.(*http.Transport).TLSClientConfig = ca.ClientConfig(t, client)
		}
		res, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(strings.Builder)
		buf := make([]byte, 256)
		n, _ := res.Body.Read(buf)
		b.Write(buf[:n])
		return res.TLS.PeerCertificates[0].SerialNumber.String(), b.String()
	}
	if s, _ := get(nil); s != first.Serial.String() {
		t.Fatalf("serial %s, want %s", s, first.Serial)
	}
	second := ca.Server(t)
	time.Sleep(1100 * time.Millisecond)
	install(second)
	if s, _ := get(nil); s != second.Serial.String() {
		t.Errorf("after replacing the files: serial %s, want %s", s, second.Serial)
	}
	// A half-written replacement: the working pair stays.
	time.Sleep(1100 * time.Millisecond)
	os.WriteFile(live.Key, []byte("not a key"), 0o600)
	if s, _ := get(nil); s != second.Serial.String() {
		t.Errorf("after a broken replacement: serial %s, want %s", s, second.Serial)
	}

	// Mutual TLS: a member's certificate is verified and named.
	m := clients.Client(t, "mem_abc")
	if _, body := get(&m); body != "client mem_abc" {
		t.Errorf("client certificate: %q", body)
	}
	// One from another CA is never taken for a member: a client that holds
	// no certificate from the CAs the server names sends none.
	strangers := tlstest.NewCA(t, "stranger")
	stranger := strangers.Client(t, "mem_abc")
	if _, body := get(&stranger); body != "" {
		t.Errorf("a certificate from an unknown CA was verified: %q", body)
	}
	// The client CA file replaced: its CAs are the ones trusted from then
	// on, without a restart.
	time.Sleep(1100 * time.Millisecond)
	b, err := os.ReadFile(strangers.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(live.ClientCA, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, body := get(&stranger); body != "client mem_abc" {
		t.Errorf("after replacing the client CA file, its CA's certificate: %q", body)
	}
	if _, body := get(&m); body != "" {
		t.Errorf("after replacing the client CA file, the old CA's certificate was verified: %q", body)
	}
}

// TestConfigErrors: half-given flags and unreadable files are named.
func TestConfigErrors(t *testing.T) {
	ca := tlstest.NewCA(t, "x")
	p := ca.Server(t)
	for _, c := range []struct {
		s    tlsfiles.Server
		flag string
	}{
		{tlsfiles.Server{Cert: p.Cert}, "--tls-key"},
		{tlsfiles.Server{Key: p.Key}, "--tls-cert"},
		{tlsfiles.Server{ClientCA: ca.File}, "--client-ca"},
		{tlsfiles.Server{Cert: p.Cert, Key: p.Cert}, "--tls-cert"},
		{tlsfiles.Server{Cert: p.Cert, Key: p.Key, ClientCA: p.Key}, "--client-ca"},
		{tlsfiles.Server{Cert: "/nonexistent.pem", Key: p.Key}, "--tls-cert"},
	} {
		_, err := c.s.Config(nil)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%+v: %v, want an error naming %s", c.s, err, c.flag)
		}
	}
	if _, err := (tlsfiles.Client{Cert: p.Cert}).Config(nil); err == nil || !strings.Contains(err.Error(), "--tls-client-key") {
		t.Errorf("client certificate without key: %v", err)
	}
	if cfg, err := (tlsfiles.Client{}).Config(nil); cfg != nil || err != nil {
		t.Errorf("empty client: %v %v", cfg, err)
	}
}
