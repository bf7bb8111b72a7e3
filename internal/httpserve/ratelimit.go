package httpserve

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"hulian/internal/errs"

	"golang.org/x/time/rate"
)

// Limiter keeps one token bucket per key (a login name or a client
// address). Buckets idle long enough to have refilled are dropped, so the
// map stays as small as the set of recently active keys.
type Limiter struct {
	every rate.Limit
	burst int
	idle  time.Duration // after this long unused, a bucket is full again

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// NewLimiter allows burst events per key at once and every per second after.
func NewLimiter(every rate.Limit, burst int) *Limiter {
	return &Limiter{
		every:   every,
		burst:   burst,
		idle:    time.Duration(float64(burst) / float64(every) * float64(time.Second)),
		buckets: map[string]*bucket{},
	}
}

// Allow takes one token from key's bucket at now.
func (l *Limiter) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > l.idle {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{l: rate.NewLimiter(l.every, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.l.AllowN(now, 1)
}

// ClientIP is the address the connection comes from. Forwarding headers
// are not trusted: anyone can send them. Behind a proxy every client shares
// the proxy's address, which the per-address limit's headroom allows for.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Password attempts allowed per minute, per login name from one client
// address and per client address. The first slows one client guessing one
// account's password; the looser second slows one client spraying many
// accounts while leaving room for colleagues behind one NAT. Neither is
// kept per login alone: then a stranger guessing from anywhere would lock
// the account's owner out.
const (
	LoginAttemptsPerLogin = 5
	LoginAttemptsPerIP    = 20
)

// Guessing one login from many addresses is slowed instead: after
// FreeFailures wrong passwords within FailureMemory, each attempt on that
// login waits, twice as long for each further failure, up to MaxDelay. The
// owner's right password still gets in, after at most that wait.
const (
	FreeFailures  = 5
	FailureMemory = 15 * time.Minute
	MaxDelay      = 10 * time.Second
	firstDelay    = 250 * time.Millisecond
	maxTracked    = 1 << 14 // logins with recent failures kept at most
)

// LoginGuard limits password attempts before any password is hashed, so
// that an anonymous caller costs the server a map lookup, not argon2
// work. One guard serves every door a password comes through (the console's
// login form and the API's Basic authentication), so the budget is shared.
type LoginGuard struct {
	byPair, byClient *Limiter

	mu       sync.Mutex
	failures map[string]failures // by login
}

type failures struct {
	n    int
	last time.Time
}

// NewLoginGuard returns a guard with the limits above.
func NewLoginGuard() *LoginGuard {
	return &LoginGuard{
		byPair:   NewLimiter(rate.Every(time.Minute/LoginAttemptsPerLogin), LoginAttemptsPerLogin),
		byClient: NewLimiter(rate.Every(time.Minute/LoginAttemptsPerIP), LoginAttemptsPerIP),
		failures: map[string]failures{},
	}
}

// Allow reports whether a password attempt for login from r may go ahead.
func (g *LoginGuard) Allow(r *http.Request, login string, now time.Time) bool {
	ip := ClientIP(r)
	return g.byClient.Allow(ip, now) && g.byPair.Allow(key(login)+"\x00"+ip, now)
}

// key bounds what an attacker's login strings can cost in memory.
func key(login string) string {
	if len(login) > 128 {
		return login[:128]
	}
	return login
}

// Delay is how long an attempt on login waits at now, given its recent
// failures from any address.
func (g *LoginGuard) Delay(login string, now time.Time) time.Duration {
	g.mu.Lock()
	f := g.failures[key(login)]
	g.mu.Unlock()
	if f.n <= FreeFailures || now.Sub(f.last) > FailureMemory {
		return 0
	}
	d := firstDelay << min(f.n-FreeFailures-1, 16)
	return min(d, MaxDelay)
}

// Wait sleeps for Delay (or until ctx ends).
func (g *LoginGuard) Wait(ctx context.Context, login string, now time.Time) error {
	d := g.Delay(login, now)
	if d == 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Failed records a wrong password for login.
func (g *LoginGuard) Failed(login string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := key(login)
	f := g.failures[k]
	if now.Sub(f.last) > FailureMemory {
		f.n = 0
	}
	f.n++
	f.last = now
	if _, known := g.failures[k]; !known && len(g.failures) >= maxTracked {
		for l, old := range g.failures {
			if now.Sub(old.last) > FailureMemory {
				delete(g.failures, l)
			}
		}
		if len(g.failures) >= maxTracked {
			return // full of recent failures: the per-address limits still hold
		}
	}
	g.failures[k] = f
}

// Succeeded forgets login's failures.
func (g *LoginGuard) Succeeded(login string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.failures, key(login))
}

// Check runs check, the verification of a password for login, under the
// guard: after the login's wait, recording a wrong password (an
// Unauthenticated error) or a right one.
func (g *LoginGuard) Check(ctx context.Context, login string, now time.Time, check func() error) error {
	if err := g.Wait(ctx, login, now); err != nil {
		return err
	}
	err := check()
	switch {
	case err == nil:
		g.Succeeded(login)
	case errs.KindOf(err) == errs.Unauthenticated:
		g.Failed(login, now)
	}
	return err
}
