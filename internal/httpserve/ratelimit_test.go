package httpserve

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"hulian/internal/errs"

	"golang.org/x/time/rate"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(rate.Every(time.Minute/5), 5)
	for i := 0; i < 5; i++ {
		if !l.Allow("a", now) {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if l.Allow("a", now) {
		t.Error("6th attempt in a minute allowed")
	}
	if !l.Allow("b", now) {
		t.Error("another key is limited by the first")
	}
	if !l.Allow("a", now.Add(12*time.Second)) {
		t.Error("no token back after 12 s")
	}
	// Idle buckets are forgotten, so the map does not grow without bound.
	l.Allow("c", now.Add(10*time.Minute))
	if len(l.buckets) != 1 {
		t.Errorf("%d buckets after the sweep, want 1", len(l.buckets))
	}
}

// BenchmarkLimiter is the cost the rate limit adds to a login attempt.
func BenchmarkLimiter(b *testing.B) {
	l := NewLimiter(rate.Every(time.Minute/5), 5)
	now := time.Now()
	keys := []string{"alice", "bob", "carol", "dave"}
	i := 0
	for b.Loop() {
		l.Allow(keys[i%len(keys)], now)
		i++
	}
}

func from(ip string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.RemoteAddr = ip + ":40000"
	return r
}

// TestLoginGuardNoLockout: guessing a login from one address is limited
// for that address only, so the owner's right password from another
// address goes in; guessing it from many addresses makes every attempt on
// it wait longer, up to MaxDelay, and a success forgets the failures.
func TestLoginGuardNoLockout(t *testing.T) {
	t.Parallel()
	g := NewLoginGuard()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	wrong := errs.New(errs.Unauthenticated, "login", "错", "wrong")
	for i := range LoginAttemptsPerLogin {
		if !g.Allow(from("203.0.113.7"), "alice", now) {
			t.Fatalf("attempt %d refused", i+1)
		}
		g.Check(context.Background(), "alice", now, func() error { return wrong })
	}
	if g.Allow(from("203.0.113.7"), "alice", now) {
		t.Error("the guesser's address is not limited")
	}
	if !g.Allow(from("198.51.100.2"), "alice", now) {
		t.Error("the owner, from another address, is locked out")
	}
	if d := g.Delay("alice", now); d != 0 {
		t.Errorf("delay %v after %d failures, want none yet", d, FreeFailures)
	}
	// A distributed guess: failures from many addresses.
	for i := range 20 {
		g.Failed("alice", now.Add(time.Duration(i)*time.Second))
	}
	if d := g.Delay("alice", now.Add(time.Minute)); d != MaxDelay {
		t.Errorf("delay %v after 25 failures, want %v", d, MaxDelay)
	}
	g.Failed("bob", now)
	for range FreeFailures {
		g.Failed("bob", now)
	}
	if d := g.Delay("bob", now); d != firstDelay {
		t.Errorf("first delay %v, want %v", d, firstDelay)
	}
	if d := g.Delay("alice", now.Add(FailureMemory+2*time.Minute)); d != 0 {
		t.Errorf("delay %v long after the failures", d)
	}
	if err := g.Check(context.Background(), "alice", now.Add(FailureMemory+time.Hour), func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if d := g.Delay("alice", now.Add(time.Minute)); d != 0 {
		t.Errorf("delay %v after a success", d)
	}
}
