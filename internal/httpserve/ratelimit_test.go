package httpserve

import (
	"testing"
	"time"

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
