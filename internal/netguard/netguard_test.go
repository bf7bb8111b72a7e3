package netguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"hulian/internal/netguard"
)

// TestCheck refuses each class of address that is not the public
// internet's, in IPv4, IPv6 and IPv4-mapped IPv6, and lets the allow-list
// through.
func TestCheck(t *testing.T) {
	t.Parallel()
	var p netguard.Policy
	refused := []string{
		"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1",
		"10.1.2.3", "172.16.0.1", "192.168.1.1", "fd00::1", "::ffff:10.0.0.1",
		"169.254.169.254", "fe80::1", "::ffff:169.254.169.254",
		"224.0.0.1", "ff02::1", "0.0.0.0", "::", "100.64.0.1", "198.18.0.1", "255.255.255.255", "192.0.2.1", "2001:db8::1",
	}
	for _, s := range refused {
		if err := p.Check(netip.MustParseAddr(s)); !errors.Is(err, netguard.ErrRefused) {
			t.Errorf("%s: %v, want refused", s, err)
		}
	}
	for _, s := range []string{"8.8.8.8", "1.2.4.8", "2400:3200::1", "::ffff:114.114.114.114"} {
		if err := p.Check(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	lo := netguard.Policy{Allow: netguard.Loopback}
	if err := lo.Check(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("allowed loopback: %v", err)
	}
	if err := lo.Check(netip.MustParseAddr("10.0.0.1")); err == nil {
		t.Error("the loopback allow-list let a private address through")
	}
}

// TestClient: the client's connections are checked on the resolved
// address ("localhost" is refused like 127.0.0.1), and redirects are not
// followed.
func TestClient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.RedirectHandler("http://8.8.8.8/", http.StatusFound))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, u := range []string{srv.URL, "http://localhost:" + srv.URL[len("http://127.0.0.1:"):]} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if _, err := (netguard.Policy{}).Client(time.Second).Do(req); !errors.Is(err, netguard.ErrRefused) {
			t.Errorf("%s: %v, want refused", u, err)
		}
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	res, err := netguard.Policy{Allow: netguard.Loopback}.Client(time.Second).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Errorf("status %d: the redirect was followed", res.StatusCode)
	}
}
