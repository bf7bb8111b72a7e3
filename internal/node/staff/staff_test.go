package staff_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/storage/storagetest"
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// TestSessionIdle: a node console login used every 20 minutes lasts; one
// left for 30 minutes ends, as on the platform.
func TestSessionIdle(t *testing.T) {
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			clk := &clock{now: time.Now()}
			db, err := nodestore.Open(context.Background(), storagetest.DSN(t, eng), nodestore.Options{Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			s := staff.New(db)
			ctx := context.Background()
			if _, err := s.Create(ctx, "ops", "运维", "correct horse battery", "test"); err != nil {
				t.Fatal(err)
			}
			secret, _, err := s.Login(ctx, "ops", "correct horse battery")
			if err != nil {
				t.Fatal(err)
			}
			for i := range 4 {
				clk.Add(20 * time.Minute)
				if _, err := s.Session(ctx, secret); err != nil {
					t.Fatalf("used after %d × 20 minutes: %v", i+1, err)
				}
			}
			clk.Add(auth.SessionIdle + time.Second)
			if _, err := s.Session(ctx, secret); !errs.Is(err, errs.NotFound) {
				t.Errorf("after 30 idle minutes: %v", err)
			}
		})
	}
}
