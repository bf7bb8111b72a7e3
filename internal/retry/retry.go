// Package retry repeats an idempotent call while the other side is
// unavailable: exponential backoff with jitter, up to a deadline, telling
// the caller each time it waits. It is for the command-line clients, whose
// users would rather wait out a platform restart than start a job again.
package retry

import (
	"context"
	"math/rand/v2"
	"time"

	"hulian/internal/errs"
)

// Policy says how long and how to retry.
type Policy struct {
	// For is how long to keep trying after the first failure; 0 means no
	// retry at all.
	For time.Duration
	// First and Max bound the backoff: First, doubled each time, at most
	// Max, each with up to a fifth of jitter either way. 500 ms and 15 s
	// when zero.
	First, Max time.Duration
	// Transient reports the errors worth retrying; errs.Unavailable when
	// nil.
	Transient func(error) bool
	// Wait, when set, is told of each failure and how long until the next
	// attempt (to show "waiting for the platform").
	Wait func(err error, next time.Duration)
}

// Do calls fn until it succeeds, fails with an error that is not
// transient, ctx ends, or For has passed since the first failure; it
// returns fn's last error.
func (p Policy) Do(ctx context.Context, fn func(context.Context) error) error {
	transient := p.Transient
	if transient == nil {
		transient = func(err error) bool { return errs.KindOf(err) == errs.Unavailable }
	}
	first, max := p.First, p.Max
	if first <= 0 {
		first = 500 * time.Millisecond
	}
	if max <= 0 {
		max = 15 * time.Second
	}
	var deadline time.Time
	backoff := first
	for {
		err := fn(ctx)
		if err == nil || p.For <= 0 || !transient(err) || ctx.Err() != nil {
			return err
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(p.For)
		}
		d := backoff + time.Duration(rand.Int64N(int64(backoff)*2/5+1)) - backoff/5
		if now.Add(d).After(deadline) {
			d = deadline.Sub(now)
			if d <= 0 {
				return err
			}
		}
		if p.Wait != nil {
			p.Wait(err, d)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		backoff = min(backoff*2, max)
	}
}
