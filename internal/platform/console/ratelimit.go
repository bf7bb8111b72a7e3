package console

import (
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per key (a login name or a client
// address). Buckets idle long enough to have refilled are dropped, so the
// map stays as small as the set of recently active keys.
type limiter struct {
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

func newLimiter(every rate.Limit, burst int) *limiter {
	return &limiter{
		every:   every,
		burst:   burst,
		idle:    time.Duration(float64(burst) / float64(every) * float64(time.Second)),
		buckets: map[string]*bucket{},
	}
}

// allow takes one token from key's bucket at now.
func (l *limiter) allow(key string, now time.Time) bool {
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

// clientIP is the address the connection comes from. Forwarding headers
// are not trusted: anyone can send them. Behind a proxy every client shares
// the proxy's address, which the per-address limit's headroom allows for.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
