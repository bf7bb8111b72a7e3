package platform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/market"
	"hulian/internal/netguard"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/platform/trading"
	"hulian/internal/platform/webhooks"
	"hulian/internal/pricing"
)

// publish takes a listing through the gate and review to the market.
func publish(t testing.TB, p *exchange.Exchange, opCtx context.Context, sup onboarded, l *catalog.Listing) *catalog.Listing {
	t.Helper()
	l, err := p.Listings.CreateListing(sup.ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error {
			_, err := p.Listings.SubmitListing(sup.ctx, l.ID, catalogtest.Report(l, sup.nodeKey, 5000))
			return err
		},
		func() error { _, err := p.Listings.StartReview(opCtx, l.ID); return err },
		func() error { _, err := p.Listings.DecideListing(opCtx, l.ID, true, "ok"); return err },
		func() error { l, err = p.Listings.PublishListing(sup.ctx, l.ID); return err },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func demand() *market.Demand {
	today := calendar.DateOf(time.Now())
	return &market.Demand{Title: "消费分层", Purpose: "营销人群筛选", Scope: "上海地区存量客户", Method: market.Realtime, Scenario: "精准营销",
		Term:       market.Term{Start: today, End: today.AddDays(89)},
		Categories: []string{"behaviour"}, Tags: []string{"car_owner"}, EnterpriseNature: "private",
		MonthlyVolume: 100_000, HitRateBP: 6000, BudgetFen: 1_000_000}
}

// TestMarketFlow walks demand → matching → competing offers → selection
// → both confirmations → active order (X-W1, X-W4, X-W6, X-P7), with the
// inadmissible listing excluded, a client's price ignored, concurrent
// signatures consistent, and the delivery gate's errors.
func TestMarketFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		opCtx := operator(t, p)
		supA := onboard(t, p, opCtx, 21, true, false)
		supB := onboard(t, p, opCtx, 22, true, false)
		supC := onboard(t, p, opCtx, 23, true, false)
		dem := onboard(t, p, opCtx, 24, false, true)

		la := publish(t, p, opCtx, supA, catalogtest.Dataset())
		cheaper := catalogtest.Dataset()
		cheaper.Price.UnitPrice = 4
		cheaper.Limit.Quality.ThirdParty = 90
		lb := publish(t, p, opCtx, supB, cheaper)
		closed := catalogtest.Dataset()
		closed.Limit.Industries = []string{"K"} // real estate only: the demander is I64
		lc := publish(t, p, opCtx, supC, closed)

		if _, err := p.Market.PublishDemand(supA.ctx, demand()); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("supplier publishing a demand: %v", err)
		}
		d, err := p.Market.PublishDemand(dem.ctx, demand())
		if err != nil {
			t.Fatal(err)
		}
		if d.Industry != "I64" {
			t.Errorf("industry %q not taken from the member", d.Industry)
		}

		ms, err := p.Market.Match(dem.ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms.Ranked) != 2 || ms.Ranked[0].Listing.ID != lb.ID || ms.Ranked[1].Listing.ID != la.ID {
			t.Fatalf("ranking: %+v", ms.Ranked)
		}
		if len(ms.Excluded) != 1 || ms.Excluded[0].ListingID != lc.ID || ms.Excluded[0].Reason.EN == "" {
			t.Errorf("excluded: %+v", ms.Excluded)
		}
		for _, m := range ms.Ranked {
			if m.Explanation.ZH == "" || m.Explanation.EN == "" || len(m.Parts) != 7 {
				t.Errorf("explanation of %s: %+v", m.Listing.ID, m.Explanation)
			}
		}
		if _, err := p.Market.Match(supA.ctx, d.ID); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("supplier seeing the demander's matching: %v", err)
		}

		// Offers: above the listing, a looser retention, and the excluded
		// supplier are refused.
		high := &market.Offer{ListingID: la.ID, Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 6}}
		if _, err := p.Market.MakeOffer(supA.ctx, d.ID, high); !errs.Is(err, errs.Invalid) {
			t.Errorf("offer above the listing: %v", err)
		}
		if _, err := p.Market.MakeOffer(supA.ctx, d.ID, &market.Offer{ListingID: la.ID, RetentionDays: 31}); !errs.Is(err, errs.Invalid) {
			t.Errorf("retention beyond the listing: %v", err)
		}
		if _, err := p.Market.MakeOffer(supC.ctx, d.ID, &market.Offer{ListingID: lc.ID}); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("offer to an unadmitted demander: %v", err)
		}
		oa, err := p.Market.MakeOffer(supA.ctx, d.ID, &market.Offer{ListingID: la.ID, Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 3}})
		if err != nil {
			t.Fatal(err)
		}
		ob, err := p.Market.MakeOffer(supB.ctx, d.ID, &market.Offer{ListingID: lb.ID})
		if err != nil {
			t.Fatal(err)
		}
		views, err := p.Market.Offers(dem.ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(views) != 2 || views[0].Offer.ID != oa.ID || views[0].Estimate.Total != 3*60_000 || views[1].Estimate.Total != 4*60_000 {
			t.Errorf("comparison: %+v", views)
		}
		if own, _ := p.Market.Offers(supB.ctx, d.ID); len(own) != 1 || own[0].Offer.ID != ob.ID {
			t.Errorf("a supplier sees other offers: %d", len(own))
		}

		// The client sends its own idea of the offer: only the ID counts.
		oa.Price.UnitPrice = 1
		o, err := p.Market.SelectOffer(dem.ctx, oa.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.Terms.Price.UnitPrice != 3 || o.Status != market.Pending || o.Terms.Purpose != d.Purpose || o.Terms.RetentionDays != 30 {
			t.Errorf("order terms: %+v", o.Terms)
		}
		if _, err := p.Market.SelectOffer(dem.ctx, ob.ID); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("second selection: %v", err)
		}
		if _, err := p.Market.SignConfirmation(dem.ctx, o.ID, market.DemandSide, market.Terms{}.Hash()); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("signing other terms: %v", err)
		}
		if _, err := p.Market.SignConfirmation(supA.ctx, o.ID, market.DemandSide, o.TermsHash); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("supplier signing the demand confirmation: %v", err)
		}

		// Both sides sign at the same moment.
		var wg sync.WaitGroup
		got := make([]*market.Order, 2)
		errsOut := make([]error, 2)
		for i, s := range []struct {
			ctx  context.Context
			side market.Side
		}{{dem.ctx, market.DemandSide}, {supA.ctx, market.SupplySide}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errsOut[i] = p.Market.SignConfirmation(s.ctx, o.ID, s.side, o.TermsHash)
			}()
		}
		wg.Wait()
		if errsOut[0] != nil || errsOut[1] != nil {
			t.Fatal(errsOut)
		}
		if got[0].Status == got[1].Status {
			t.Errorf("both signatures saw %s: one must see the other's", got[0].Status)
		}
		o, err = p.Market.Order(dem.ctx, o.ID)
		if err != nil || o.Status != market.Active || o.Demand == nil || o.Supply == nil || o.Demand.TermsHash != o.TermsHash {
			t.Fatalf("order after signing: %+v %v", o, err)
		}
		if _, err := p.Market.SignConfirmation(dem.ctx, o.ID, market.DemandSide, o.TermsHash); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("signing an active order: %v", err)
		}
		activations := 0
		entries, _ := p.Log.Entries(opCtx, store.LogFilter{Kind: trading.KindOrderActivated, Limit: 100})
		for _, e := range entries {
			if e.Object == o.ID {
				activations++
			}
		}
		if activations != 2 { // one entry under each party
			t.Errorf("activation logged %d times", activations)
		}
		if _, err := p.Market.Order(supB.ctx, o.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("a third member sees the order: %v", err)
		}

		// The delivery gate.
		check := func(ids int) error {
			return db.Read(dem.ctx, func(tx *store.Tx) error {
				_, err := p.Market.CheckOrderForDelivery(dem.ctx, tx, o.ID, ids)
				return err
			})
		}
		if err := check(1000); err != nil {
			t.Errorf("delivery within limits: %v", err)
		}
		if err := check(1001); !errs.Is(err, errs.ResourceExhausted) {
			t.Errorf("over the per-request limit: %v", err)
		}
		if _, err := p.Market.SuspendOrder(opCtx, o.ID, "投诉核查"); err != nil {
			t.Fatal(err)
		}
		if err := check(1); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("suspended order: %v", err)
		}
		if _, err := p.Market.ResumeOrder(opCtx, o.ID); err != nil {
			t.Fatal(err)
		}
		if err := check(1); err != nil {
			t.Errorf("resumed order: %v", err)
		}
	})
}

// TestOrderExpiry: an order past its term reads as expired, refuses
// delivery, and the sweep records it.
func TestOrderExpiry(t *testing.T) {
	t.Parallel()
	now := time.Now()
	today := calendar.DateOf(now)
	o := market.NewOrder("ord_x", market.Terms{Term: market.Term{Start: today, End: today}, Traversal: catalog.Traversal{IDsPerRequest: 10}}, now)
	o.Demand, o.Supply = &market.Signature{}, &market.Signature{}
	if err := o.Activate(now); err != nil {
		t.Fatal(err)
	}
	later := o.Terms.Term.Ends()
	if o.StatusAt(later) != market.Expired || o.CheckDelivery(later, 1) == nil || !errs.Is(o.CheckDelivery(later, 1), errs.FailedPrecondition) {
		t.Errorf("after the term: %s %v", o.StatusAt(later), o.CheckDelivery(later, 1))
	}
	if err := o.CheckDelivery(now, 1); err != nil {
		t.Errorf("within the term: %v", err)
	}
	if err := o.Expire(later); err != nil || o.Status != market.Expired {
		t.Errorf("expire: %v", err)
	}
	r := o.Renewal(market.Term{Start: today.AddDays(1), End: today.AddDays(30)})
	if r.RenewalOf != o.ID || r.Hash() == o.TermsHash {
		t.Errorf("renewal terms: %+v", r)
	}
}

// TestQuota: top-ups with payment references, the low-balance warning with
// its banner and webhook, suspension when the quota cannot cover a charge
// and resumption after a top-up, credit (X-S3).
func TestQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		opCtx := operator(t, p)
		dem := onboard(t, p, opCtx, 31, false, true)
		id := dem.member.ID

		sealer, err := keyring.NewAESGCM(bytes.Repeat([]byte{7}, 32))
		if err != nil {
			t.Fatal(err)
		}
		p.UseSealer(sealer)
		var secret string
		hooks := make(chan map[string]any, 4)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := webhooks.Verify(secret, r.Header, body, time.Now(), time.Minute); err != nil {
				t.Errorf("webhook signature: %v", err)
			}
			var v map[string]any
			json.Unmarshal(body, &v)
			hooks <- v
		}))
		defer srv.Close()
		sender := webhooks.NewSender(db, sealer, netguard.Policy{Allow: netguard.Loopback}, nil)

		if _, err := p.TopUp(dem.ctx, id, 100, "pay-1", ""); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("member topping itself up: %v", err)
		}
		if _, err := p.TopUp(opCtx, id, 100, "pay-1", "银行转账"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.TopUp(opCtx, id, 100, "pay-1", "again"); !errs.Is(err, errs.Conflict) {
			t.Errorf("the same payment twice: %v", err)
		}
		if _, secret, err = p.SetQuotaAlerts(dem.ctx, id, 50, srv.URL); err != nil || !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("setting the webhook: %q %v", secret, err)
		}
		if _, again, err := p.SetQuotaAlerts(dem.ctx, id, 50, srv.URL); err != nil || again != "" {
			t.Errorf("the same webhook again made a new secret: %q %v", again, err)
		}
		charge := func(req string, fen int64) error {
			_, err := p.Charge(dem.ctx, store.Debit{Member: id, RequestID: req, AmountFen: fen, Reason: "delivery"})
			return err
		}
		if err := charge("r1", 30); err != nil {
			t.Fatal(err)
		}
		if err := charge("r2", 30); err != nil { // 40 left: below 50
			t.Fatal(err)
		}
		if n, err := sender.SendDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("sending the outbox: %d %v", n, err)
		}
		select {
		case v := <-hooks:
			data, _ := v["data"].(map[string]any)
			if v["kind"] != "quota.low_balance" || v["member"] != id || data["available_fen"] != float64(40) || !strings.HasPrefix(v["id"].(string), "qn_") {
				t.Errorf("webhook: %v", v)
			}
		default:
			t.Error("no webhook call")
		}
		if err := charge("r3", 41); !errs.Is(err, errs.ResourceExhausted) {
			t.Fatalf("charge beyond the quota: %v", err)
		}
		if err := charge("r4", 1); !errs.Is(err, errs.ResourceExhausted) {
			t.Errorf("charge while suspended: %v", err)
		}
		v, err := p.Quota(dem.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Account.IsSuspended() || v.AvailableFen != 40 || len(v.Banner) != 2 {
			t.Errorf("after the shortfall: suspended %v available %d banner %d", v.Account.IsSuspended(), v.AvailableFen, len(v.Banner))
		}
		if _, err := p.TopUp(opCtx, id, 1000, "pay-2", ""); err != nil {
			t.Fatal(err)
		}
		v, _ = p.Quota(dem.ctx, id)
		if v.Account.IsSuspended() || len(v.Banner) != 0 || v.AvailableFen != 1040 {
			t.Errorf("after the top-up: suspended %v banner %d available %d", v.Account.IsSuspended(), len(v.Banner), v.AvailableFen)
		}
		if err := charge("r3", 41); err != nil {
			t.Errorf("the refused request after the top-up: %v", err)
		}
		if _, err := p.SetCredit(opCtx, id, 5000, time.Now().Add(time.Hour), "季度结算前临时额度"); err != nil {
			t.Fatal(err)
		}
		if err := charge("r5", 5500); err != nil {
			t.Errorf("charge on credit: %v", err)
		}
		if _, err := p.SetCredit(opCtx, id, 100, time.Now().Add(time.Hour), "收回"); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("credit below its use: %v", err)
		}
		moves, _ := p.QuotaMovements(dem.ctx, id, time.Now().Add(-time.Hour))
		if len(moves) != 7 { // 2 top-ups, 4 deductions, 1 credit
			t.Errorf("movements: %d", len(moves))
		}
		kinds := map[string]int{}
		entries, _ := p.Log.Entries(opCtx, store.LogFilter{Member: id, Limit: 1000})
		for _, e := range entries {
			kinds[e.Kind]++
		}
		if kinds[store.KindQuotaDeducted] != 4 || kinds[store.KindQuotaSuspended] != 1 || kinds[store.KindQuotaResumed] != 1 ||
			kinds[store.KindQuotaToppedUp] != 2 || kinds[store.KindQuotaLow] != 1 || kinds[store.KindQuotaCredit] != 1 {
			t.Errorf("log kinds: %v", kinds)
		}
	})
}
