package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/retry"
)

var down = errs.New(errs.Unavailable, "", "平台不可达", "the platform is unreachable")

// TestDo: transient failures are retried with growing waits until the call
// succeeds; other errors, an exhausted deadline and a cancelled context
// stop it with the call's own error.
func TestDo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := retry.Policy{For: 5 * time.Second, First: time.Millisecond, Max: 4 * time.Millisecond}
	var waits []time.Duration
	p.Wait = func(err error, next time.Duration) { waits = append(waits, next) }
	calls := 0
	err := p.Do(ctx, func(context.Context) error {
		calls++
		if calls < 5 {
			return down
		}
		return nil
	})
	if err != nil || calls != 5 || len(waits) != 4 {
		t.Fatalf("err %v after %d calls, waits %v", err, calls, waits)
	}
	for i, w := range waits {
		if w <= 0 || w > 5*time.Millisecond {
			t.Errorf("wait %d: %v", i, w)
		}
	}

	bad := errs.Invalidf("x", "错", "wrong")
	calls = 0
	if err := p.Do(ctx, func(context.Context) error { calls++; return bad }); !errors.Is(err, bad) || calls != 1 {
		t.Errorf("a non-transient error: %v after %d calls", err, calls)
	}

	short := retry.Policy{For: 20 * time.Millisecond, First: 5 * time.Millisecond}
	start := time.Now()
	calls = 0
	if err := short.Do(ctx, func(context.Context) error { calls++; return down }); !errors.Is(err, down) || calls < 2 {
		t.Errorf("past the deadline: %v after %d calls", err, calls)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("gave up after %v", d)
	}

	if err := (retry.Policy{}).Do(ctx, func(context.Context) error { calls++; return down }); !errors.Is(err, down) {
		t.Errorf("no policy: %v", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	p.Wait = func(error, time.Duration) { cancel() }
	calls = 0
	if err := p.Do(cctx, func(context.Context) error { calls++; return down }); !errors.Is(err, down) || calls != 1 {
		t.Errorf("cancelled: %v after %d calls", err, calls)
	}
}
