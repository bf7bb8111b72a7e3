package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/node/server"
	"hulian/internal/tlsfiles"
	"hulian/internal/tlsfiles/tlstest"
)

// TestTLS runs a node on HTTPS with its answer endpoint on a listener of
// its own under mutual TLS: the console's listener does not answer for the
// platform; the answer listener refuses a caller without the platform's
// client certificate before looking at the request, and lets the platform
// through to the relay checks; the console's cookie is Secure and
// __Host- prefixed.
func TestTLS(t *testing.T) {
	t.Parallel()
	ca, platforms := tlstest.NewCA(t, "node"), tlstest.NewCA(t, "platform-clients")
	pair := ca.Server(t)
	m := start(t, server.Config{TLS: tlsfiles.Server{Cert: pair.Cert, Key: pair.Key, ClientCA: platforms.File}, AnswerListen: "127.0.0.1:0"})
	if !strings.HasPrefix(m.URL(), "https://") || !strings.HasPrefix(m.AnswerURL(), "https://") || m.AnswerURL() == m.URL() {
		t.Fatalf("console %s, answers %s", m.URL(), m.AnswerURL())
	}
	answer := func(base string, client *tlstest.Pair) (int, string) {
		t.Helper()
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig(t, client)}}
		res, err := c.Post(base+hulianv1connect.AnswerServiceAnswerProcedure, "application/proto", bytes.NewReader([]byte{1, 2, 3}))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	platform := platforms.Client(t, "platform")
	if status, _ := answer(m.URL(), &platform); status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		t.Errorf("the console's listener answered for the platform: %d", status)
	}
	if status, body := answer(m.AnswerURL(), nil); status != http.StatusUnauthorized || !strings.Contains(body, "certificate") {
		t.Errorf("answer without a client certificate: %d %s", status, body)
	}
	if status, body := answer(m.AnswerURL(), &platform); status == http.StatusOK || strings.Contains(body, "certificate") {
		t.Errorf("answer with the platform's certificate stopped at TLS or passed without a relay note: %d %s", status, body)
	}

	if _, err := m.Staff.Create(context.Background(), "ops", "运维", "correct horse battery", "test"); err != nil && !errs.Is(err, errs.Conflict) {
		t.Fatal(err)
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientConfig(t, nil)}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(m.URL()+"/login", url.Values{"login": {"ops"}, "password": {"correct horse battery"}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if strings.Contains(ck.Name, "session") {
			session = ck
		}
	}
	if session == nil || session.Name != "__Host-hulian_node_session" || !session.Secure || session.Path != "/" {
		t.Fatalf("session cookie under TLS: %+v (status %d)", session, res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, m.URL()+"/", nil)
	req.AddCookie(session)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the console with the __Host- session: %d", res.StatusCode)
	}
}
