package platform_test

import (
	"fmt"
	"testing"
	"time"

	"hulian/internal/platform/disputes"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/settlement"
)

// TestMarketStats (X-D1): the traded figures of an issued month, per tag
// category of the listing traded: withheld while fewer pairs than the
// threshold traded; otherwise the deliveries, records matched, value and
// average price per record the statement holds — less a correction's
// credit once one is issued.
func TestMarketStats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 9}, topUp: 1_000_000})
		var charged, matched int64
		for i := range 2 {
			id := fmt.Sprintf("m-%d", i)
			res, err := e.r.Deliver(e.demNode, e.order.ID, id, e.tokens(t, e.people), e.auth(e.order.ID, id, e.tokens(t, e.people)), relay.Authorisations{})
			if err != nil {
				t.Fatal(err)
			}
			charged += res.Delivery.ChargeFen
			matched += int64(res.Delivery.Matched)
		}
		s := e.p.Statements
		s.Calendar = testCalendar(t)
		month := settlement.MonthOf(db.Now())
		due, _ := s.IssueAt(month)
		now := func() time.Time { return due.Add(time.Minute) }
		s.Now, e.p.Disputes.Now = now, now
		sts, _, err := s.Run(e.op, month)
		if err != nil || len(sts) != 1 {
			t.Fatal(err, sts)
		}

		ms, err := e.p.Stats.Monthly(e.dem.ctx, 12)
		if err != nil || len(ms) != 1 || ms[0].Month != month || len(ms[0].Figures) == 0 {
			t.Fatalf("months %+v %v", ms, err)
		}
		for _, f := range ms[0].Figures {
			if !f.Withheld || f.ValueFen != 0 || f.Pairs != 0 {
				t.Errorf("one pair's trading published: %+v", f)
			}
		}
		e.p.Stats.MinPairs = 1
		check := func(value int64) {
			t.Helper()
			ms, err := e.p.Stats.Monthly(e.dem.ctx, 12)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range ms[0].Figures {
				wantPrice := (value*2 + matched) / (2 * matched)
				if f.Withheld || f.Pairs != 1 || f.Deliveries != 2 || f.Matched != matched || f.ValueFen != value || f.PriceFen != wantPrice {
					t.Errorf("figure %+v, want value %d, price %d", f, value, wantPrice)
				}
			}
		}
		check(charged)
		dsp, err := e.p.Disputes.Open(e.dem.ctx, sts[0].ID, "", "quality")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.p.Disputes.Answer(e.op, dsp.ID, disputes.Answer{Text: "credited", Credits: []settlement.Adjustment{{Order: e.order.ID, AmountFen: -5, Reason: "x"}}}); err != nil {
			t.Fatal(err)
		}
		check(charged - 5)
	})
}
