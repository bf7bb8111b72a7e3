package throttle_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/platform/throttle"
)

// TestShared: two throttles over one database — two replicas — count
// against one budget per address and per network; the limit holds under
// concurrent hits; nothing stored names an address; windows end.
func TestShared(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			var now atomic.Pointer[time.Time]
			start := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
			now.Store(&start)
			clock := func() time.Time { return *now.Load() }
			dsn := storetest.DSN(t, engine)
			open := func() *store.DB {
				db, err := store.Open(context.Background(), dsn, store.Options{Now: clock})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			db := open()
			replicas := []*throttle.Throttle{throttle.New(db), throttle.New(open())}
			for _, r := range replicas {
				r.SetLimit(throttle.Apply, throttle.Limit{Window: time.Hour, PerAddress: 3, PerNetwork: 5})
			}
			pass := func(i int, addr string) error {
				return replicas[i%2].Pass(throttle.WithClient(context.Background(), addr), throttle.Apply)
			}
			for i, step := range []struct {
				addr string
				ok   bool
			}{
				{"203.0.113.7", true}, {"203.0.113.7", true}, {"203.0.113.7", true},
				{"203.0.113.7", false},       // the address's fourth, on either replica
				{"::ffff:203.0.113.8", true}, // refusals count too: the /24's fifth
				{"203.0.113.9", false},       // the /24's sixth
				{"198.51.100.1", true},       // another network
				{"2001:db8:1:2::1", true}, {"2001:db8:1:3::1", true}, {"2001:db8:1:4::1", true},
				{"2001:db8:1:5::1", true}, {"2001:db8:1:6::1", true},
				{"2001:db8:1:7::1", false}, // the /48's sixth
				{"2001:db8:2::1", true},
			} {
				err := pass(i, step.addr)
				if (err == nil) != step.ok {
					t.Fatalf("step %d (%s): %v, want ok=%v", i, step.addr, err, step.ok)
				}
				if err != nil && (!errs.Is(err, errs.ResourceExhausted) || !strings.Contains(errs.Message(err, "zh-CN"), "一小时后再试")) {
					t.Errorf("step %d: refusal %v", i, err)
				}
			}
			if err := replicas[0].Pass(context.Background(), throttle.Apply); err != nil {
				t.Errorf("a call with no client address (the command line) was counted: %v", err)
			}
			// Concurrent hits from one fresh address: exactly the limit passes.
			var passed atomic.Int64
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if pass(i, "192.0.2.200") == nil {
						passed.Add(1)
					}
				}()
			}
			wg.Wait()
			if passed.Load() != 3 {
				t.Errorf("%d of 20 concurrent hits passed, want 3", passed.Load())
			}
			// Stored are digests, not addresses.
			rows, err := db.Writer().Query(`SELECT key FROM rate_counts`)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var k string
				rows.Scan(&k)
				n++
				for _, a := range []string{"203.0.113", "2001:db8", "192.0.2"} {
					if strings.Contains(k, a) {
						t.Errorf("a counter names an address: %q", k)
					}
				}
			}
			rows.Close()
			if n == 0 {
				t.Fatal("no counters stored")
			}
			// An hour on, the window is new and the old counters go.
			later := start.Add(2 * time.Hour)
			now.Store(&later)
			for i := range 3 {
				if err := pass(i, "203.0.113.7"); err != nil {
					t.Fatalf("in the next window: %v", err)
				}
			}
			var left int
			if err := db.Writer().QueryRow(`SELECT COUNT(*) FROM rate_counts WHERE expires_at < $1`, later).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left >= n {
				t.Errorf("%d ended counters left of %d", left, n)
			}
		})
	}
}

func TestNetworks(t *testing.T) {
	for _, tc := range []struct{ in, addr, net string }{
		{"203.0.113.7", "203.0.113.7", "203.0.113.0/24"},
		{"::ffff:203.0.113.7", "203.0.113.7", "203.0.113.0/24"},
		{"2001:db8:1:2::1", "2001:db8:1:2::1", "2001:db8:1::/48"},
		{"fe80::1%eth0", "fe80::1", "fe80::/48"},
		{"@", "@", "@"},
	} {
		if a, n := throttle.Networks(tc.in); a != tc.addr || n != tc.net {
			t.Errorf("Networks(%q) = %q, %q", tc.in, a, n)
		}
	}
}
