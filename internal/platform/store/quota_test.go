package store_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// deductors are the three ways to reach the one check-and-deduct rule:
// a transaction each, Batch (savepoints), and the set-based group.
var deductors = []struct {
	name string
	do   func(ctx context.Context, db *store.DB, d store.Debit) (*store.Deduction, error)
}{
	{"transaction", func(ctx context.Context, db *store.DB, d store.Debit) (ded *store.Deduction, err error) {
		var short error
		err = db.Transact(ctx, func(tx *store.Tx) error {
			ded, _, short = tx.Deduct(ctx, d)
			if errs.Is(short, errs.ResourceExhausted) {
				return nil // commit the suspension
			}
			return short
		})
		if err == nil {
			err = short
		}
		return ded, err
	}},
	{"batch", func(ctx context.Context, db *store.DB, d store.Debit) (ded *store.Deduction, err error) {
		var short error
		err = db.Batch(ctx, func(tx *store.Tx) error {
			ded, _, short = tx.Deduct(ctx, d)
			if errs.Is(short, errs.ResourceExhausted) {
				return nil
			}
			return short
		})
		if err == nil {
			err = short
		}
		return ded, err
	}},
	{"group", func(ctx context.Context, db *store.DB, d store.Debit) (*store.Deduction, error) {
		ded, _, err := db.DeductGrouped(ctx, d)
		return ded, err
	}},
}

// fund creates a member with balance fen of quota and returns its context.
func fund(t testing.TB, db *store.DB, n int, balance int64) (context.Context, string) {
	t.Helper()
	staff := storetest.Staff(context.Background(), auth.RoleOperator)
	m := newMember(n)
	err := db.Transact(staff, func(tx *store.Tx) error {
		if err := tx.CreateMember(staff, m); err != nil {
			return err
		}
		a, err := tx.QuotaAccount(staff, m.ID, true)
		if err != nil {
			return err
		}
		a.BalanceFen, a.ToppedUpFen = balance, balance
		return tx.SaveQuotaAccount(staff, a)
	})
	if err != nil {
		t.Fatal(err)
	}
	return storetest.AsMember(context.Background(), m.ID), m.ID
}

func account(t testing.TB, db *store.DB, ctx context.Context, member string) *store.QuotaAccount {
	t.Helper()
	var a *store.QuotaAccount
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { a, err = tx.QuotaAccount(ctx, member, false); return err }); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDeductConcurrent: 64 callers on one balance, through each path, on
// each engine. The balance never goes negative, the total deducted is
// exact, a request ID repeated by many callers charges once, and once the
// quota cannot cover a request the exchange is suspended.
func TestDeductConcurrent(t *testing.T) {
	for _, how := range deductors {
		t.Run(how.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				const callers, each, price = 64, 12, 7
				const shared = 5 // request IDs every caller repeats
				// Enough for most but not all of the 64×7 + 5 distinct requests of 7 fen.
				const balance = 3000
				ctx, member := fund(t, db, 1, balance)
				var charged, short, replayed atomic.Int64
				var wg sync.WaitGroup
				for g := range callers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := range each {
							id := fmt.Sprintf("r-%d-%d", g, i)
							if i < shared {
								id = fmt.Sprintf("shared-%d", i)
							}
							ded, err := how.do(ctx, db, store.Debit{Member: member, RequestID: id, AmountFen: price, Reason: "test"})
							switch {
							case errs.Is(err, errs.ResourceExhausted):
								short.Add(1)
							case err != nil:
								t.Error(err)
							case ded.AvailableFen < 0:
								t.Errorf("available went negative: %d", ded.AvailableFen)
							case ded.Replayed:
								replayed.Add(1)
							default:
								charged.Add(1)
							}
						}
					}()
				}
				wg.Wait()
				a := account(t, db, ctx, member)
				if a.BalanceFen < 0 || a.BalanceFen != balance-price*charged.Load() || a.DeductedFen != price*charged.Load() {
					t.Errorf("balance %d, deducted %d, charged %d times", a.BalanceFen, a.DeductedFen, charged.Load())
				}
				if short.Load() == 0 || !a.IsSuspended() || a.BalanceFen >= price {
					t.Errorf("short %d, suspended %v, balance %d: the quota should have run out", short.Load(), a.IsSuspended(), a.BalanceFen)
				}
				var moves []store.Movement
				db.Read(ctx, func(tx *store.Tx) (err error) {
					moves, err = tx.Movements(ctx, member, a.Updated.AddDate(-1, 0, 0), 10000)
					return err
				})
				var sum int64
				for _, m := range moves {
					sum += m.AmountFen
				}
				if sum != a.DeductedFen || int64(len(moves)) != charged.Load() {
					t.Errorf("movements: %d summing %d; deducted %d in %d charges", len(moves), sum, a.DeductedFen, charged.Load())
				}
				if replayed.Load()+charged.Load()+short.Load() != callers*each {
					t.Errorf("outcomes do not add up: %d + %d + %d", charged.Load(), replayed.Load(), short.Load())
				}
				verifyLog(t, db, logSize(t, db))
			})
		})
	}
}

func logSize(t *testing.T, db *store.DB) int64 {
	t.Helper()
	var n int64
	ctx := storetest.Staff(context.Background(), auth.RoleOperator)
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { n, err = tx.LogSize(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeductExact: when the quota covers everything, every deduction
// lands, the total is exact to the fen, and a repeated request ID returns
// the original outcome or, with another amount, a Conflict.
func TestDeductExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const callers, each, price = 64, 20, 3
		ctx, member := fund(t, db, 2, callers*each*price+1)
		var wg sync.WaitGroup
		for g := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if _, _, err := db.DeductGrouped(ctx, store.Debit{Member: member, RequestID: fmt.Sprintf("%d/%d", g, i), AmountFen: price}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if a := account(t, db, ctx, member); a.BalanceFen != 1 || a.DeductedFen != callers*each*price || a.IsSuspended() {
			t.Errorf("balance %d deducted %d suspended %v", a.BalanceFen, a.DeductedFen, a.IsSuspended())
		}
		first, _, err := db.DeductGrouped(ctx, store.Debit{Member: member, RequestID: "0/0", AmountFen: price})
		if err != nil || !first.Replayed || first.AmountFen != price {
			t.Errorf("replay: %+v %v", first, err)
		}
		if _, _, err := db.DeductGrouped(ctx, store.Debit{Member: member, RequestID: "0/0", AmountFen: price + 1}); !errs.Is(err, errs.Conflict) {
			t.Errorf("replay with another amount: %v", err)
		}
		other, _ := fund(t, db, 3, 100)
		if _, _, err := db.DeductGrouped(other, store.Debit{Member: member, RequestID: "x", AmountFen: 1}); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member's quota: %v", err)
		}
	})
}

// TestDeductLowBalance: crossing the threshold raises one warning.
func TestDeductLowBalance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, member := fund(t, db, 4, 100)
		staff := storetest.Staff(context.Background(), auth.RoleOperator)
		db.Transact(staff, func(tx *store.Tx) error {
			a, _ := tx.QuotaAccount(staff, member, true)
			a.ThresholdFen, a.WebhookURL = 50, "https://example.cn/hook"
			return tx.SaveQuotaAccount(staff, a)
		})
		var notes []store.QuotaNotification
		for i := range 4 {
			_, n, err := db.DeductGrouped(ctx, store.Debit{Member: member, RequestID: fmt.Sprint(i), AmountFen: 20})
			if err != nil {
				t.Fatal(err)
			}
			notes = append(notes, n...)
		}
		if len(notes) != 1 || notes[0].Kind != store.NotificationLow || notes[0].AvailableFen != 40 || notes[0].WebhookURL == "" {
			t.Errorf("notifications: %+v", notes)
		}
		var banner []store.QuotaNotification
		db.Read(ctx, func(tx *store.Tx) (err error) { banner, err = tx.QuotaNotifications(ctx, member, true); return err })
		if len(banner) != 1 {
			t.Errorf("banner: %+v", banner)
		}
	})
}

// BenchmarkDeduct measures deductions per second by 64 concurrent callers
// on ONE balance, through each path, on each engine, and checks the exact
// total afterwards.
func BenchmarkDeduct(b *testing.B) {
	for _, eng := range storetest.Engines(b) {
		for _, how := range deductors {
			b.Run(eng+"/"+how.name, func(b *testing.B) {
				db := storetest.Open(b, eng, store.Options{})
				const price = 1
				ctx, member := fund(b, db, 9, int64(b.N)*price+1_000_000)
				var seq atomic.Int64
				b.SetParallelism((64 + runtimeProcs() - 1) / runtimeProcs())
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						id := fmt.Sprint(seq.Add(1))
						if _, err := how.do(ctx, db, store.Debit{Member: member, RequestID: id, AmountFen: price}); err != nil {
							b.Error(err)
						}
					}
				})
				b.StopTimer()
				b.ReportMetric(float64(seq.Load())/b.Elapsed().Seconds(), "deductions/s")
				if a := account(b, db, ctx, member); a.DeductedFen != seq.Load()*price || a.BalanceFen < 0 {
					b.Errorf("deducted %d of %d", a.DeductedFen, seq.Load()*price)
				}
			})
		}
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// TestDeductReplayMixed: one group mixing new request IDs with ones used
// before, and a replay while the quota is short, get exactly the outcomes
// of one deduction at a time. The optimistic first pass that skips the
// lookup of request IDs must leave no trace when it finds one used.
func TestDeductReplayMixed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, member := fund(t, db, 5, 100)
		deduct := func(ids ...string) []store.DebitResult {
			t.Helper()
			reqs := make([]store.DebitRequest, len(ids))
			for i, id := range ids {
				reqs[i] = store.DebitRequest{Ctx: ctx, Debit: store.Debit{Member: member, RequestID: id, AmountFen: 30}}
			}
			var out []store.DebitResult
			err := db.Transact(ctx, func(tx *store.Tx) (err error) { out, _, err = tx.DeductAll(ctx, reqs); return err })
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		first := deduct("a", "b")
		mixed := deduct("c", "a", "c", "b")
		if mixed[0].Err != nil || mixed[0].Deduction.BalanceFen != 10 || mixed[0].Deduction.Replayed {
			t.Errorf("new request in a mixed group: %+v", mixed[0])
		}
		for _, k := range []struct{ got, want int }{{1, 0}, {3, 1}} {
			g, w := mixed[k.got].Deduction, first[k.want].Deduction
			if g == nil || !g.Replayed || g.BalanceFen != w.BalanceFen {
				t.Errorf("replay %d: %+v, first %+v", k.got, g, w)
			}
		}
		if !mixed[2].Deduction.Replayed || mixed[2].Deduction.BalanceFen != 10 {
			t.Errorf("repeat within the group: %+v", mixed[2])
		}
		// 10 fen left: a new request is refused and suspends, a replay
		// still returns its first outcome.
		short := deduct("d", "b")
		if !errs.Is(short[0].Err, errs.ResourceExhausted) || short[1].Err != nil || !short[1].Deduction.Replayed {
			t.Errorf("shortfall and replay: %+v %+v", short[0], short[1])
		}
		a := account(t, db, ctx, member)
		var moves []store.Movement
		db.Read(ctx, func(tx *store.Tx) (err error) { moves, err = tx.Movements(ctx, member, time.Time{}, 0); return err })
		if a.BalanceFen != 10 || a.DeductedFen != 90 || len(moves) != 3 || !a.IsSuspended() {
			t.Errorf("balance %d deducted %d movements %d suspended %v", a.BalanceFen, a.DeductedFen, len(moves), a.IsSuspended())
		}
	})
}
