package market_test

import (
	"testing"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/pricing"
)

func TestNotAbove(t *testing.T) {
	t.Parallel()
	per := func(u int64) pricing.Plan {
		return pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerQuery, UnitPrice: u}
	}
	tiered := func(up, a, b int64) pricing.Plan {
		return pricing.Plan{Mode: pricing.Tiered, Basis: pricing.PerQuery, Tiers: []pricing.Tier{{UpTo: up, UnitPrice: a}, {UnitPrice: b}}}
	}
	bands := func(up, a, b int64) pricing.Plan {
		return pricing.Plan{Mode: pricing.MonthlyTiered, Basis: pricing.PerQuery, Bands: []pricing.Band{{UpTo: up, Fee: a}, {Fee: b}}}
	}
	monthly := func(fee, incl, over int64) pricing.Plan {
		return pricing.Plan{Mode: pricing.Monthly, Basis: pricing.PerQuery, MonthlyFee: fee, Included: incl, OverageUnitPrice: over}
	}
	for _, c := range []struct {
		name  string
		offer pricing.Plan
		list  pricing.Plan
		ok    bool
	}{
		{"per call equal", per(5), per(5), true},
		{"per call cheaper", per(4), per(5), true},
		{"per call dearer", per(6), per(5), false},
		{"tiers cheaper everywhere", tiered(1000, 5, 3), tiered(1000, 5, 4), true},
		{"other bound, dearer tail", tiered(500, 4, 5), tiered(1000, 5, 4), false},
		{"other bound, cheaper throughout", tiered(2000, 5, 3), tiered(1000, 5, 5), true},
		{"bands dearer second band", bands(1000, 100, 300), bands(1000, 100, 200), false},
		{"bands moved bound", bands(2000, 100, 200), bands(1000, 100, 200), true},
		{"monthly less included", monthly(1000, 100, 5), monthly(1000, 200, 5), false},
		{"monthly more included", monthly(1000, 300, 5), monthly(1000, 200, 5), true},
		{"monthly dearer overage", monthly(900, 200, 6), monthly(1000, 200, 5), false},
	} {
		if n, ok := market.NotAbove(c.offer, c.list); ok != c.ok {
			t.Errorf("%s: got %v at %d", c.name, ok, n)
		} else if !ok {
			a, _ := c.offer.MonthTotal(pricing.Usage{Queried: n, Matched: n})
			b, _ := c.list.MonthTotal(pricing.Usage{Queried: n, Matched: n})
			if a <= b {
				t.Errorf("%s: witness %d does not cost more (%d ≤ %d)", c.name, n, a, b)
			}
		}
	}
}

func TestOfferCheck(t *testing.T) {
	t.Parallel()
	l := catalogtest.Dataset()
	for _, c := range []struct {
		name string
		edit func(o *market.Offer)
		ok   bool
	}{
		{"the listing's own terms", func(o *market.Offer) {}, true},
		{"other basis", func(o *market.Offer) { o.Price.Basis = pricing.PerQuery }, false},
		{"stricter traversal", func(o *market.Offer) { o.Traversal.IDsPerRequest = 10 }, true},
		{"looser traversal", func(o *market.Offer) { o.Traversal.RequestsPerMinute = 601 }, false},
		{"traversal dropped", func(o *market.Offer) { o.Traversal.IDsPerDay = 0; o.Traversal.IDsPerRequest = 5 }, false},
		{"longer retention", func(o *market.Offer) { o.RetentionDays = 31 }, false},
	} {
		o := &market.Offer{}
		o.Defaults(l)
		c.edit(o)
		if err := o.Check(l); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestSignAndHash(t *testing.T) {
	t.Parallel()
	today := calendar.DateOf(time.Now())
	terms := market.Terms{Demander: "d", Supplier: "s", Purpose: "p", Term: market.Term{Start: today, End: today.AddDays(1)},
		Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 5}}
	if terms.Hash() != terms.Hash() {
		t.Fatal("hash not deterministic")
	}
	changed := terms
	changed.Price.UnitPrice = 4
	if changed.Hash() == terms.Hash() {
		t.Fatal("price change keeps the hash")
	}
	o := market.NewOrder("o", terms, time.Now())
	if _, err := o.Sign(market.DemandSide, "d", "a", changed.Hash(), time.Now()); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("signing a changed price: %v", err)
	}
	if _, err := o.Sign(market.SupplySide, "d", "a", o.TermsHash, time.Now()); !errs.Is(err, errs.PermissionDenied) {
		t.Errorf("wrong party: %v", err)
	}
	if both, err := o.Sign(market.DemandSide, "d", "a", o.TermsHash, time.Now()); both || err != nil {
		t.Errorf("first signature: %v %v", both, err)
	}
	if _, err := o.Sign(market.DemandSide, "d", "b", o.TermsHash, time.Now()); !errs.Is(err, errs.Conflict) {
		t.Errorf("signing twice: %v", err)
	}
	if both, err := o.Sign(market.SupplySide, "s", "c", o.TermsHash, time.Now()); !both || err != nil {
		t.Errorf("second signature: %v %v", both, err)
	}
}

func TestRankExcludes(t *testing.T) {
	t.Parallel()
	today := calendar.DateOf(time.Now())
	d := &market.Demand{MemberID: "dem", Industry: "I64", EnterpriseNature: "private", Categories: []string{"behaviour"},
		Term: market.Term{Start: today, End: today}, MonthlyVolume: 1000, BudgetFen: 10}
	mk := func(id string, edit func(l *catalog.Listing)) *catalog.Listing {
		l := catalogtest.Dataset()
		l.ID, l.MemberID, l.Status = id, "sup_"+id, catalog.StatusPublished
		edit(l)
		return l
	}
	ls := []*catalog.Listing{
		mk("ok", func(l *catalog.Listing) {}),
		mk("own", func(l *catalog.Listing) { l.MemberID = "dem" }),
		mk("nature", func(l *catalog.Listing) { l.Limit.EnterpriseNatures = []string{"state_owned"} }),
		mk("member", func(l *catalog.Listing) { l.Limit.Members = []string{"other"} }),
		mk("unrelated", func(l *catalog.Listing) { l.Tags = l.Tags[1:] }),
		mk("draft", func(l *catalog.Listing) { l.Status = catalog.StatusDraft }),
	}
	ranked, excl := market.Rank(d, ls)
	if len(ranked) != 1 || ranked[0].Listing.ID != "ok" || len(excl) != 4 {
		t.Fatalf("ranked %d excluded %+v", len(ranked), excl)
	}
	// 1000 IDs at 5 fen = 5000 fen, over the budget of 10: no price points.
	if p := ranked[0].Parts[len(ranked[0].Parts)-1]; p.Name != "price" || p.Points != 0 {
		t.Errorf("price part: %+v", p)
	}
}

// TestCheckDeliveryByMethod: the per-request traversal limit bounds a
// real-time call; a batch order's chunks are bounded by the relay's chunk
// size instead. Status and term apply to both.
func TestCheckDeliveryByMethod(t *testing.T) {
	now := time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)
	today := calendar.DateOf(now)
	mk := func(m market.Method) *market.Order {
		o := market.NewOrder("ord_x", market.Terms{Demander: "d", Supplier: "s", Method: m,
			Term: market.Term{Start: today, End: today.AddDays(30)}, Traversal: catalog.Traversal{IDsPerRequest: 100}}, now)
		o.Demand, o.Supply = &market.Signature{}, &market.Signature{}
		if err := o.Activate(now); err != nil {
			t.Fatal(err)
		}
		return o
	}
	rt, batch := mk(market.Realtime), mk(market.Batch)
	if err := rt.CheckDelivery(now, 100); err != nil {
		t.Errorf("real time at the limit: %v", err)
	}
	if err := rt.CheckDelivery(now, 101); !errs.Is(err, errs.ResourceExhausted) {
		t.Errorf("real time over the limit: %v", err)
	}
	if err := batch.CheckDelivery(now, 1<<20); err != nil {
		t.Errorf("batch chunk over the per-request limit: %v", err)
	}
	if err := batch.CheckDelivery(now, 0); !errs.Is(err, errs.Invalid) {
		t.Errorf("empty batch chunk: %v", err)
	}
	if err := batch.Suspend("complaint", now); err != nil {
		t.Fatal(err)
	}
	if err := batch.CheckDelivery(now, 10); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("suspended batch order: %v", err)
	}
	if err := rt.CheckDelivery(today.AddDays(31).Start(), 10); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("after the term: %v", err)
	}
}
