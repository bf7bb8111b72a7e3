package platform_test

import (
	"context"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/market"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/platform/trading"
	"hulian/internal/pricing"
)

// TestOrderExpirySweep: an active order whose term has ended is recorded
// expired by the platform's periodic sweep, with its log entry (X-W6).
func TestOrderExpirySweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		opCtx := operator(t, p)
		sup := onboard(t, p, opCtx, 81, true, false)
		dem := onboard(t, p, opCtx, 82, false, true)
		yesterday := calendar.DateOf(time.Now()).AddDays(-1)
		started := yesterday.AddDays(-29)
		o := market.NewOrder(auth.NewID("ord_"), market.Terms{Demander: dem.member.ID, Supplier: sup.member.ID,
			Term: market.Term{Start: started, End: yesterday}, Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 1}}, started.Start())
		o.Demand, o.Supply = &market.Signature{}, &market.Signature{}
		if err := o.Activate(started.Start()); err != nil {
			t.Fatal(err)
		}
		if err := db.Transact(opCtx, func(tx *store.Tx) error { return tx.SaveOrder(opCtx, o, true) }); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { p.Market.RunOrderExpiry(ctx, time.Hour); close(done) }() // the first sweep runs at once
		// Reads report an ended order expired at once; the sweep makes the
		// stored status and the log agree.
		expiries := func() (n int) {
			db.Read(opCtx, func(tx *store.Tx) error {
				es, err := tx.LogEntries(opCtx, store.LogFilter{Kind: trading.KindOrderExpired})
				n = len(es)
				return err
			})
			return n
		}
		deadline := time.Now().Add(10 * time.Second)
		for expiries() == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		<-done
		got, err := p.Market.Order(opCtx, o.ID)
		if err != nil || got.Status != market.Expired {
			t.Fatalf("order after the sweep: %v %v", got, err)
		}
		n := expiries()
		if n != 2 { // one entry for each party, in one transaction
			t.Errorf("%d expiry entries, want 2", n)
		}
	})
}
