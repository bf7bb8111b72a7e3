package platform_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// clock is a settable clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// TestSessionIdle: a console login used every 20 minutes lasts; one left
// for 30 minutes ends; none outlives SessionTTL however it is used.
func TestSessionIdle(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: time.Now()}
			db := storetest.Open(t, eng, store.Options{Now: clk.Now})
			p := platform.New(db, nil)
			ctx := context.Background()
			if _, err := p.CreateStaff(ctx, auth.RoleOperator, "admin", "管理员", "a long operator password", true); err != nil {
				t.Fatal(err)
			}
			secret, _, err := p.Login(ctx, "admin", "a long operator password")
			if err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				clk.Add(20 * time.Minute)
				if _, err := p.Session(ctx, secret); err != nil {
					t.Fatalf("used after %d × 20 minutes: %v", i+1, err)
				}
			}
			clk.Add(auth.SessionIdle + time.Second)
			if _, err := p.Session(ctx, secret); !errs.Is(err, errs.NotFound) {
				t.Errorf("after 30 idle minutes: %v", err)
			}

			secret, _, err = p.Login(ctx, "admin", "a long operator password")
			if err != nil {
				t.Fatal(err)
			}
			for used := time.Duration(0); used < auth.SessionTTL-20*time.Minute; used += 20 * time.Minute {
				clk.Add(20 * time.Minute)
				if _, err := p.Session(ctx, secret); err != nil {
					t.Fatalf("used at %v: %v", used, err)
				}
			}
			clk.Add(20 * time.Minute)
			if _, err := p.Session(ctx, secret); !errs.Is(err, errs.NotFound) {
				t.Errorf("in use past %v: %v", auth.SessionTTL, err)
			}
		})
	}
}
