package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

func logKinds(t *testing.T, db *store.DB, ctx context.Context) map[string]int {
	t.Helper()
	kinds := map[string]int{}
	err := db.Read(ctx, func(tx *store.Tx) error {
		es, err := tx.LogEntries(ctx, store.LogFilter{Limit: 1000})
		for _, e := range es {
			kinds[e.Object]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return kinds
}

func verifyLog(t *testing.T, db *store.DB, want int64) {
	t.Helper()
	rep, err := db.VerifyLog(context.Background(), store.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Entries != want {
		t.Fatalf("log verification: %+v (want %d entries)", rep, want)
	}
}

// TestBatch: concurrent Batch callers share transactions; a failing fn
// rolls back only its own work (its rows and its log entries) and gets its
// own error; the others commit; the log stays a valid tree.
func TestBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Staff(context.Background(), auth.RoleOperator)
		const n = 40
		var wg sync.WaitGroup
		errsOut := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errsOut[i] = db.Batch(ctx, func(tx *store.Tx) error {
					if _, err := tx.Append(ctx, "", "test.batch", fmt.Sprint("obj", i), bizlog.P{"i": i}); err != nil {
						return err
					}
					if i%4 == 0 {
						// A second write, then failure: both must vanish.
						if _, err := tx.Append(ctx, "", "test.batch", fmt.Sprint("obj", i), bizlog.P{"again": true}); err != nil {
							return err
						}
						return errs.Invalidf("i", "测试失败", fmt.Sprint("fail ", i))
					}
					return nil
				})
			}()
		}
		wg.Wait()
		got := logKinds(t, db, ctx)
		ok := 0
		for i := range n {
			obj := fmt.Sprint("obj", i)
			if i%4 == 0 {
				if !errs.Is(errsOut[i], errs.Invalid) || got[obj] != 0 {
					t.Errorf("fn %d: err %v, %d entries left", i, errsOut[i], got[obj])
				}
				continue
			}
			ok++
			if errsOut[i] != nil || got[obj] != 1 {
				t.Errorf("fn %d: err %v, %d entries", i, errsOut[i], got[obj])
			}
		}
		verifyLog(t, db, int64(ok))
	})
}

// TestBatchCancel: a caller whose context ends while its fn is queued
// withdraws it; the fn never runs.
func TestBatchCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Staff(context.Background(), auth.RoleOperator)
		started, release := make(chan struct{}), make(chan struct{})
		first := make(chan error)
		go func() {
			first <- db.Batch(ctx, func(tx *store.Tx) error {
				close(started)
				<-release
				_, err := tx.Append(ctx, "", "test.batch", "first", bizlog.P{})
				return err
			})
		}()
		<-started // the group is busy with the first fn
		cctx, cancel := context.WithCancel(ctx)
		ran := false
		second := make(chan error)
		go func() {
			second <- db.Batch(cctx, func(tx *store.Tx) error { ran = true; return nil })
		}()
		time.Sleep(20 * time.Millisecond) // let it queue
		cancel()
		if err := <-second; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled call: %v", err)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		// A later call proves the group drained past the withdrawn one.
		if err := db.Batch(ctx, func(tx *store.Tx) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if ran {
			t.Error("withdrawn fn ran")
		}
		if err := db.Batch(cctx, func(tx *store.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("call with a cancelled context: %v", err)
		}
		verifyLog(t, db, 1)
	})
}

// TestBatchPanic: a panic in a fn is raised in its caller, not in the
// group, and the others still commit.
func TestBatchPanic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Staff(context.Background(), auth.RoleOperator)
		func() {
			defer func() {
				if recover() == nil {
					t.Error("panic not raised in the caller")
				}
			}()
			db.Batch(ctx, func(tx *store.Tx) error { panic("boom") })
		}()
		if err := db.Batch(ctx, func(tx *store.Tx) error {
			_, err := tx.Append(ctx, "", "test.batch", "after", bizlog.P{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		verifyLog(t, db, 1)
	})
}
