package api_test

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/rpc"
	"hulian/internal/tlsfiles"
	"hulian/internal/tlsfiles/tlstest"
)

// TestTLS runs the platform on HTTPS with mutual TLS for nodes: plain
// HTTP is not served; a node's signed call needs, besides its signature, a
// client certificate from the client CA named for its member, and one
// named for another member is refused; token calls need none; console
// cookies are Secure and __Host- prefixed; /metrics is on its own
// listener only.
func TestTLS(t *testing.T) {
	t.Parallel()
	ca, nodes := tlstest.NewCA(t, "platform"), tlstest.NewCA(t, "nodes")
	pair := ca.Server(t)
	m := startConfig(t, server.Config{DB: storetest.DSN(t, "sqlite"), TLS: tlsfiles.Server{Cert: pair.Cert, Key: pair.Key, ClientCA: nodes.File}, MetricsListen: "127.0.0.1:0"})
	f := fixtureOn(t, m)
	if !strings.HasPrefix(f.URL, "https://") {
		t.Fatalf("URL %s", f.URL)
	}
	trust := func(client *tlstest.Pair) *http.Transport {
		return &http.Transport{TLSClientConfig: ca.ClientConfig(t, client)}
	}

	res, err := http.Get("http://" + m.Addr() + "/healthz")
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the TLS listener: %d", res.StatusCode)
		}
	}
	if _, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}).Get(f.URL + "/healthz"); err == nil {
		t.Error("a client that does not trust the platform's CA connected")
	}

	getMember := func(client *tlstest.Pair) error {
		c := rpc.NewClient(f.URL, rpc.WithNodeKey(f.A.ID, f.A.Node), rpc.WithTransport(trust(client)))
		_, err := c.Members.GetMember(context.Background(), connect.NewRequest(&hulianv1.GetMemberRequest{Id: f.A.ID}))
		return rpc.FromConnect(err)
	}
	if err := getMember(nil); !errs.Is(err, errs.Unauthenticated) || !strings.Contains(err.Error(), "client certificate") {
		t.Errorf("a node's call without a client certificate: %v", err)
	}
	other := nodes.Client(t, f.B.ID)
	if err := getMember(&other); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("a node's call with another member's certificate: %v", err)
	}
	own := nodes.Client(t, f.A.ID)
	if err := getMember(&own); err != nil {
		t.Errorf("a node's call with its certificate: %v", err)
	}
	tok := rpc.NewClient(f.URL, rpc.WithToken(f.A.Token), rpc.WithTransport(trust(nil)))
	if _, err := tok.Members.GetMember(context.Background(), connect.NewRequest(&hulianv1.GetMemberRequest{Id: f.A.ID})); err != nil {
		t.Errorf("a token call over TLS: %v", err)
	}

	// The console's session cookie under TLS.
	c := &http.Client{Transport: trust(nil), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = c.PostForm(f.URL+"/login", url.Values{"login": {f.A.Login}, "password": {testPassword}})
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
	if session == nil || session.Name != "__Host-hulian_session" || !session.Secure || session.Path != "/" || session.Domain != "" {
		t.Errorf("session cookie under TLS: %+v (status %d)", session, res.StatusCode)
	}

	// Metrics: not on the public listener, on their own.
	res, err = c.Get(f.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Error("/metrics served on the public listener")
	}
	res, err = http.Get(m.MetricsURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "hulian_http_requests_total") || !strings.Contains(string(b), "hulian_db_errors_total") {
		t.Errorf("metrics listener: %d %.200s", res.StatusCode, b)
	}
}
