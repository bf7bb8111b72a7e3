package httpserve

import (
	"net"
	"net/http"
	"sync"
	"time"

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

// Password attempts allowed per minute, per login name and per client
// address. The per-login limit slows guessing one account's password; the
// looser per-address limit slows one client spraying many accounts while
// leaving room for colleagues behind one NAT.
const (
	LoginAttemptsPerLogin = 5
	LoginAttemptsPerIP    = 20
)

// LoginGuard limits password attempts before any password is hashed, so
// that an anonymous caller costs the server a map lookup, not argon2
// work. One guard serves every door a password comes through (the console's
// login form and the API's Basic authentication), so the budget is shared.
type LoginGuard struct {
	byLogin, byClient *Limiter
}

// NewLoginGuard returns a guard with the limits above.
func NewLoginGuard() *LoginGuard {
	return &LoginGuard{
		byLogin:  NewLimiter(rate.Every(time.Minute/LoginAttemptsPerLogin), LoginAttemptsPerLogin),
		byClient: NewLimiter(rate.Every(time.Minute/LoginAttemptsPerIP), LoginAttemptsPerIP),
	}
}

// Allow reports whether a password attempt for login from r may go ahead.
func (g *LoginGuard) Allow(r *http.Request, login string, now time.Time) bool {
	return g.byClient.Allow(ClientIP(r), now) && g.byLogin.Allow(login, now)
}
