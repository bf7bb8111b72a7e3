// Package netguard keeps the platform's calls to addresses members give it
// (their nodes' answer endpoints, their webhooks) on the public internet.
// A member could otherwise point the platform at its own loopback
// services, the machine's metadata endpoint (169.254.169.254) or the
// operator's private network. The check runs when the connection is made,
// on the address the name resolved to, so a name that resolves elsewhere
// the second time (DNS rebinding) gains nothing; redirects are not
// followed, and no proxy from the environment is used.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Loopback is the allow-list for tests and the demonstration, where nodes
// listen on the platform's own machine.
var Loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// Policy says which addresses outbound calls may reach: public unicast
// addresses, and those in Allow.
type Policy struct {
	Allow []netip.Prefix
}

// ErrRefused is the error of a connection the policy refused; its message
// names the address and why.
var ErrRefused = errors.New("netguard: address refused")

// blocked are the special-purpose ranges besides those netip classifies
// (IANA IPv4 and IPv6 Special-Purpose Address Registries): this network,
// shared address space (carrier NAT), IETF protocol assignments,
// documentation, benchmarking, reserved and broadcast, NAT64, discard-only,
// documentation (IPv6).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Check reports why ip may not be reached, or nil.
func (p Policy) Check(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, a := range p.Allow {
		if a.Contains(ip) {
			return nil
		}
	}
	var why string
	switch {
	case !ip.IsValid():
		why = "invalid"
	case ip.IsUnspecified():
		why = "unspecified"
	case ip.IsLoopback():
		why = "loopback"
	case ip.IsPrivate():
		why = "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		why = "link-local"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		why = "multicast"
	}
	for _, b := range blocked {
		if why == "" && b.Contains(ip) {
			why = "special-purpose (" + b.String() + ")"
		}
	}
	if why == "" {
		return nil
	}
	return fmt.Errorf("%w: %s is a %s address", ErrRefused, ip, why)
}

// control checks the address a connection is about to be made to.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRefused, address, err)
	}
	return p.Check(ap.Addr())
}

// DialContext dials like net.Dialer, refusing what the policy refuses.
func (p Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: p.control}
	return d.DialContext(ctx, network, addr)
}

// Client is an HTTP client whose connections the policy checks, which
// follows no redirect and uses no proxy.
func (p Policy) Client(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = p.DialContext
	return &http.Client{Transport: t, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// PlainHTTPAllowed reports whether an http:// URL (no TLS) to host is
// acceptable without the operator saying so: only on the machine itself
// (localhost, a loopback address), where nothing is in between, or to an
// address on a private network, which the platform calls only when its
// operator allowed that network. Anything on the internet must be https.
func PlainHTTPAllowed(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate()
}
