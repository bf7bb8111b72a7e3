// Package throttle limits the platform's anonymous doors — applications
// for membership and password attempts — per client address and per
// network, with counters in the platform's database, so that replicas
// behind one load balancer share a single budget instead of each granting
// its own. The login doors' in-memory guard (httpserve.LoginGuard) stays
// in front and turns a flood of passwords away before it reaches the
// database; an application reaches the count only once it is valid and
// its company and login are free, each a cheap check.
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"time"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
)

// Limit is how many events a door admits in each window from one client
// address and from one network (an IPv4 /24 or an IPv6 /48, the blocks one
// customer is usually given).
type Limit struct {
	Window     time.Duration
	PerAddress int64
	PerNetwork int64
}

// Door is one anonymous entrance and what a refusal tells the caller.
type Door struct {
	Name   string
	Limit  Limit
	reason i18n.Text
}

// The doors and their default limits. Applications are rare — a company
// applies once — so an hour admits a few retries of a form; behind a
// reverse proxy every client shares the proxy's address, which is why the
// limits are not tighter. Password attempts get the headroom of an
// office behind one NAT.
var (
	Apply = Door{Name: "apply", Limit: Limit{Window: time.Hour, PerAddress: 10, PerNetwork: 30},
		reason: i18n.T("来自您所在网络的入会申请过于频繁，请一小时后再试", "too many applications from your network; try again in an hour")}
	// Complaint is the public complaint form (X-G3): a person files one
	// or two; the limit keeps it from being a free store of files.
	Complaint = Door{Name: "complaint", Limit: Limit{Window: time.Hour, PerAddress: 10, PerNetwork: 30},
		reason: i18n.T("来自您所在网络的投诉提交过于频繁，请一小时后再试", "too many complaints from your network; try again in an hour")}
	Login = Door{Name: "login", Limit: Limit{Window: time.Minute, PerAddress: 30, PerNetwork: 120},
		reason: i18n.T("来自您所在网络的登录尝试过于频繁，请一分钟后再试", "too many login attempts from your network; wait a minute and try again")}
)

// Throttle counts the doors' events in db.
type Throttle struct {
	db    *store.DB
	doors map[string]Limit
}

// New returns a throttle with the default limits.
func New(db *store.DB) *Throttle {
	return &Throttle{db: db, doors: map[string]Limit{Apply.Name: Apply.Limit, Login.Name: Login.Limit, Complaint.Name: Complaint.Limit}}
}

// SetLimit replaces a door's limit (for an installation's own figures, and
// for tests). A zero Limit turns the door's counting off.
func (t *Throttle) SetLimit(d Door, l Limit) { t.doors[d.Name] = l }

type clientKey struct{}

// WithClient records the address a request came from, for Pass. The
// servers set it on every request; calls without one (the command line,
// the demo's own set-up) are not counted.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// Client is the address WithClient recorded, "" if none.
func Client(ctx context.Context) string {
	s, _ := ctx.Value(clientKey{}).(string)
	return s
}

// Pass counts one event at door for the request's client and refuses it
// (resource exhausted, with the door's reason) when the address or its
// network is over the limit. A database that cannot count makes it
// unavailable: the door stays shut rather than open uncounted.
func (t *Throttle) Pass(ctx context.Context, d Door) error {
	addr := Client(ctx)
	if t == nil || addr == "" {
		return nil
	}
	l := t.doors[d.Name]
	if l.Window <= 0 {
		return nil
	}
	a, net := Networks(addr)
	counts, err := t.db.HitRates(ctx, l.Window, key(d.Name, "address", a), key(d.Name, "network", net))
	if err != nil {
		return err
	}
	if counts[0] > l.PerAddress || counts[1] > l.PerNetwork {
		return &errs.Error{Kind: errs.ResourceExhausted, Reason: d.reason}
	}
	return nil
}

// Networks is an address in its canonical form and the network it is
// counted in: the /24 of an IPv4 address (IPv4-mapped IPv6 included), the
// /48 of an IPv6 one. Something that is not an address (a Unix socket's
// peer) counts as itself.
func Networks(addr string) (address, network string) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr, addr
	}
	ip = ip.Unmap().WithZone("")
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	p, _ := ip.Prefix(bits)
	return ip.String(), p.String()
}

// key is what is stored for a counter: a digest, not the address.
func key(door, per, v string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "hulian throttle v1\x00%s\x00%s\x00%s", door, per, v))
	return hex.EncodeToString(sum[:16])
}
