package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/market"
	"hulian/internal/member"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/rpc"
)

// marketFixture is a third member C, active, with a published listing:
// the supplier member A's demands are answered by, so that member B stays
// a stranger to every market object of A.
type marketFixture struct {
	C       *tenant
	Listing *catalog.Listing
}

var markets sync.Map // *fixture → *marketFixture

// market returns the fixture's market, making it on first use. Members A
// and B are made active: B must get as far as the permission checks.
func (f *fixture) market(t *testing.T) *marketFixture {
	t.Helper()
	f.setStage(t, f.A, member.StageActive)
	f.setStage(t, f.B, member.StageActive)
	if m, ok := markets.Load(f); ok {
		return m.(*marketFixture)
	}
	c := f.newTenant(t)
	f.setStage(t, c, member.StageActive)
	m := &marketFixture{C: c, Listing: f.publish(t, c, catalogtest.Dataset())}
	markets.Store(f, m)
	return m
}

// publish takes a listing of tn through the gate report, review and
// publication.
func (f *fixture) publish(t *testing.T, tn *tenant, l *catalog.Listing) *catalog.Listing {
	t.Helper()
	p := f.M.Exchange
	ctx := auth.WithActor(context.Background(), tn.actor())
	op := auth.WithActor(context.Background(), f.Operator.Actor())
	l, err := p.Listings.CreateListing(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = p.Listings.SubmitListing(ctx, l.ID, catalogtest.Report(l, tn.Node, 5000)); err != nil {
		t.Fatal(err)
	}
	if _, err = p.Listings.StartReview(op, l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = p.Listings.DecideListing(op, l.ID, true, "ok"); err != nil {
		t.Fatal(err)
	}
	if l, err = p.Listings.PublishListing(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	return l
}

func newDemand() *market.Demand {
	today := calendar.DateOf(time.Now())
	return &market.Demand{Title: "消费分层", Purpose: "营销人群筛选", Scope: "上海地区存量客户", Method: market.Realtime, Scenario: "精准营销",
		Term:       market.Term{Start: today, End: today.AddDays(89)},
		Categories: []string{"behaviour"}, Tags: []string{"car_owner"}, EnterpriseNature: "private",
		MonthlyVolume: 100_000, HitRateBP: 6000, BudgetFen: 1_000_000}
}

// jsonDemand is a valid demand as a curl user would send it.
func jsonDemand() string {
	today := calendar.DateOf(time.Now())
	return fmt.Sprintf(`{"title":"消费分层","purpose":"营销人群筛选","scope":"上海地区存量客户","method":"realtime","scenario":"精准营销",
		"term":{"start":%q,"end":%q},"categories":["behaviour"],"tags":["car_owner"],"enterprise_nature":"private",
		"monthly_volume":100000,"hit_rate_bp":6000,"budget_fen":1000000}`, today.String(), today.AddDays(89).String())
}

// demandOfA publishes a demand of member A.
func (f *fixture) demandOfA(t *testing.T) *market.Demand {
	t.Helper()
	f.market(t)
	d, err := f.M.Market.PublishDemand(auth.WithActor(context.Background(), f.A.actor()), newDemand())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// offerOnA is member C's offer on a new demand of member A.
func (f *fixture) offerOnA(t *testing.T) *market.Offer {
	t.Helper()
	m := f.market(t)
	d := f.demandOfA(t)
	o, err := f.M.Market.MakeOffer(auth.WithActor(context.Background(), m.C.actor()), d.ID, &market.Offer{ListingID: m.Listing.ID})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// orderOfA is a new order between demander A and supplier C, signed by
// both sides if active is set.
func (f *fixture) orderOfA(t *testing.T, active bool) *market.Order {
	t.Helper()
	m := f.market(t)
	p := f.M.Exchange
	a := auth.WithActor(context.Background(), f.A.actor())
	o, err := p.Market.SelectOffer(a, f.offerOnA(t).ID)
	if err != nil {
		t.Fatal(err)
	}
	if !active {
		return o
	}
	if _, err := p.Market.SignConfirmation(a, o.ID, market.DemandSide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if o, err = p.Market.SignConfirmation(auth.WithActor(context.Background(), m.C.actor()), o.ID, market.SupplySide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if o.Status != market.Active {
		t.Fatalf("order %s after both signatures", o.Status)
	}
	return o
}

// TestMarketAPI walks the market through the API on both engines: demand,
// matching with explanations, competing offers compared with the server's
// cost, selection and both confirmations, the operator's suspension; a
// price sent by the client is ignored, and an unadmitted demander, a
// suspended or expired order and bad input get clear errors.
func TestMarketAPI(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			mf := f.market(t)
			ctx := context.Background()
			dem := rpc.NewMarketClient(f.URL, rpc.WithToken(f.A.Token))
			sup := rpc.NewMarketClient(f.URL, rpc.WithToken(mf.C.Token), rpc.WithJSON())
			other := rpc.NewMarketClient(f.URL, rpc.WithNodeKey(f.B.ID, f.B.Node))
			op := rpc.NewMarketClient(f.URL, rpc.WithToken(f.OpToken))

			// B's listing admits real estate only: member A (I64) is not.
			closed := catalogtest.Dataset()
			closed.Limit.Industries = []string{"K"}
			lb := f.publish(t, f.B, closed)

			req := &hulianv1.PublishDemandRequest{Demand: &hulianv1.Demand{Title: "消费分层", Purpose: "营销人群筛选", Scope: "上海地区存量客户",
				Method: "realtime", Scenario: "精准营销", Term: &hulianv1.DateRange{Start: "2020-01-01", End: "2020-02-01"},
				Categories: []string{"behaviour"}, MonthlyVolume: 100_000, HitRateBp: 6000, BudgetFen: 1_000_000,
				Id: "dem_forged", MemberId: f.B.ID, Industry: "K", Status: "ordered"}}
			_, err := dem.PublishDemand(ctx, connect.NewRequest(req))
			wantField(t, "a term in the past", err, connect.CodeInvalidArgument, "demand.term.start")
			today := calendar.DateOf(time.Now())
			req.Demand.Term = &hulianv1.DateRange{Start: today.String(), End: "next week"}
			_, err = dem.PublishDemand(ctx, connect.NewRequest(req))
			wantField(t, "a malformed date", err, connect.CodeInvalidArgument, "demand.term.end")
			req.Demand.Term.End = today.AddDays(89).String()
			req.Demand.Method = "fax"
			_, err = dem.PublishDemand(ctx, connect.NewRequest(req))
			wantField(t, "an unknown method", err, connect.CodeInvalidArgument, "demand.method")
			req.Demand.Method = "realtime"
			pd, err := dem.PublishDemand(ctx, connect.NewRequest(req))
			if err != nil {
				t.Fatal(err)
			}
			d := pd.Msg.Demand
			if d.Id == "dem_forged" || d.MemberId != f.A.ID || d.Industry != "I64" || d.Status != "open" {
				t.Errorf("server-set fields taken from the request: %+v", d)
			}

			mr, err := dem.Match(ctx, connect.NewRequest(&hulianv1.MatchRequest{DemandId: d.Id}))
			if err != nil {
				t.Fatal(err)
			}
			if len(mr.Msg.Ranked) != 1 || mr.Msg.Ranked[0].Listing.Id != mf.Listing.ID || mr.Msg.Ranked[0].ExplanationZh == "" || len(mr.Msg.Ranked[0].Parts) != 7 {
				t.Errorf("ranking: %+v", mr.Msg.Ranked)
			}
			excluded := false
			for _, e := range mr.Msg.Excluded {
				if e.ListingId == lb.ID && e.ReasonEn != "" && e.ReasonZh != "" {
					excluded = true
				}
			}
			if !excluded {
				t.Errorf("the listing not admitting the demander is not excluded with a reason: %+v", mr.Msg.Excluded)
			}
			if _, err := other.Match(ctx, connect.NewRequest(&hulianv1.MatchRequest{DemandId: d.Id})); connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Errorf("another member's matching: %v", err)
			}

			// The unadmitted supplier cannot answer; C offers below its
			// listed price (5 fen per hit).
			_, err = other.MakeOffer(ctx, connect.NewRequest(&hulianv1.MakeOfferRequest{DemandId: d.Id, ListingId: lb.ID}))
			if connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Errorf("an offer to an unadmitted demander: %v", err)
			}
			_, err = sup.MakeOffer(ctx, connect.NewRequest(&hulianv1.MakeOfferRequest{DemandId: d.Id, ListingId: mf.Listing.ID,
				Price: &hulianv1.ListingPrice{Mode: "per_call", Basis: "hit", UnitPrice: 6}}))
			wantField(t, "an offer above the listing", err, connect.CodeInvalidArgument, "price")
			mo, err := sup.MakeOffer(ctx, connect.NewRequest(&hulianv1.MakeOfferRequest{DemandId: d.Id, ListingId: mf.Listing.ID,
				Price: &hulianv1.ListingPrice{Mode: "per_call", Basis: "hit", UnitPrice: 3}}))
			if err != nil {
				t.Fatal(err)
			}
			offers, err := dem.ListOffers(ctx, connect.NewRequest(&hulianv1.ListOffersRequest{DemandId: d.Id}))
			if err != nil {
				t.Fatal(err)
			}
			if len(offers.Msg.Offers) != 1 || offers.Msg.Offers[0].Estimate.TotalFen != 3*60_000 {
				t.Fatalf("offers: %+v", offers.Msg.Offers)
			}

			// The demander's client claims a price of 1 fen: ignored.
			so, err := dem.SelectOffer(ctx, connect.NewRequest(&hulianv1.SelectOfferRequest{OfferId: mo.Msg.Offer.Id,
				Price: &hulianv1.ListingPrice{Mode: "per_call", Basis: "hit", UnitPrice: 1}, ExpectedMonthlyFen: 1}))
			if err != nil {
				t.Fatal(err)
			}
			o := so.Msg.Order
			if o.Terms.Price.UnitPrice != 3 || o.Status != "pending_signatures" || o.Terms.Purpose != "营销人群筛选" {
				t.Errorf("order terms: %+v", o.Terms)
			}
			_, err = dem.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.Id, Side: "both", TermsHash: o.TermsHash}))
			wantField(t, "an unknown side", err, connect.CodeInvalidArgument, "side")
			_, err = dem.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.Id, Side: "demand", TermsHash: market.Terms{}.Hash()}))
			wantField(t, "other terms' hash", err, connect.CodeFailedPrecondition, "terms_hash")
			_, err = sup.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.Id, Side: "demand", TermsHash: o.TermsHash}))
			if connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Errorf("the supplier signing the demand confirmation: %v", err)
			}
			// A price on the client is ignored: the hash binds the stored one.
			if _, err := dem.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.Id, Side: "demand", TermsHash: o.TermsHash,
				Price: &hulianv1.ListingPrice{Mode: "per_call", Basis: "hit", UnitPrice: 1}})); err != nil {
				t.Fatal(err)
			}
			signed, err := sup.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.Id, Side: "supply", TermsHash: o.TermsHash}))
			if err != nil {
				t.Fatal(err)
			}
			if s := signed.Msg.Order; s.Status != "active" || s.DemandSignature == nil || s.SupplySignature == nil || s.Terms.Price.UnitPrice != 3 {
				t.Errorf("after both signatures: %+v", s)
			}
			got, err := dem.GetOrder(ctx, connect.NewRequest(&hulianv1.GetOrderRequest{Id: o.Id}))
			if err != nil {
				t.Fatal(err)
			}
			if got.Msg.Preview.TotalFen != 3*60_000 || len(got.Msg.Preview.Lines) == 0 {
				t.Errorf("cost preview: %+v", got.Msg.Preview)
			}
			// The parties and the listing come with the names people know
			// them by, for consoles (the nodes') that hold no copy.
			if g := got.Msg.Order; g.DemanderName == "" || g.SupplierName == "" || g.ListingTitle == "" {
				t.Errorf("order names: demander %q, supplier %q, listing %q", g.DemanderName, g.SupplierName, g.ListingTitle)
			}
			if _, err := other.GetOrder(ctx, connect.NewRequest(&hulianv1.GetOrderRequest{Id: o.Id})); connect.CodeOf(err) != connect.CodeNotFound {
				t.Errorf("a third member reading the order: %v", err)
			}

			// The operator suspends; the gate refuses delivery with a reason.
			if _, err := op.SuspendOrder(ctx, connect.NewRequest(&hulianv1.SuspendOrderRequest{Id: o.Id})); connect.CodeOf(err) != connect.CodeInvalidArgument {
				t.Errorf("a suspension without a reason: %v", err)
			}
			if _, err := op.SuspendOrder(ctx, connect.NewRequest(&hulianv1.SuspendOrderRequest{Id: o.Id, Reason: "投诉核查"})); err != nil {
				t.Fatal(err)
			}
			_, err = dem.SignConfirmation(ctx, connect.NewRequest(&hulianv1.SignConfirmationRequest{OrderId: o.Id, Side: "demand", TermsHash: o.TermsHash}))
			wantField(t, "signing a suspended order", err, connect.CodeFailedPrecondition, "order")
			list, err := dem.ListOrders(ctx, connect.NewRequest(&hulianv1.ListOrdersRequest{Status: "suspended"}))
			if err != nil || len(list.Msg.Orders) != 1 || list.Msg.Orders[0].Reason != "投诉核查" || list.Msg.Orders[0].ListingTitle == "" {
				t.Errorf("suspended orders: %v %+v", err, list)
			}
			if _, err := op.ResumeOrder(ctx, connect.NewRequest(&hulianv1.ResumeOrderRequest{Id: o.Id})); err != nil {
				t.Fatal(err)
			}
			_, err = dem.ListOrders(ctx, connect.NewRequest(&hulianv1.ListOrdersRequest{Status: "lost"}))
			wantField(t, "an unknown status", err, connect.CodeInvalidArgument, "status")
			_, err = dem.GetOrder(ctx, connect.NewRequest(&hulianv1.GetOrderRequest{Id: "dem_" + o.Id[4:]}))
			wantField(t, "a demand ID for an order", err, connect.CodeInvalidArgument, "id")
		})
	}
}

// TestOrderExpiredAPI: once its term has ended an order reads as expired
// and can neither be signed nor suspended, whatever its stored status.
func TestOrderExpiredAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	o := f.orderOfA(t, true)
	// Move the term into the past in the store, as time would.
	if err := f.M.DB.Transact(staffCtx(), func(tx *store.Tx) error {
		stored, err := tx.Order(staffCtx(), o.ID, true)
		if err != nil {
			return err
		}
		yesterday := calendar.DateOf(time.Now()).AddDays(-1)
		stored.Terms.Term = market.Term{Start: yesterday.AddDays(-30), End: yesterday}
		return tx.SaveOrder(staffCtx(), stored, false)
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	dem := rpc.NewMarketClient(f.URL, rpc.WithToken(f.A.Token))
	got, err := dem.GetOrder(ctx, connect.NewRequest(&hulianv1.GetOrderRequest{Id: o.ID}))
	if err != nil || got.Msg.Order.Status != "expired" {
		t.Fatalf("expired order: %v %+v", err, got)
	}
	op := rpc.NewMarketClient(f.URL, rpc.WithToken(f.OpToken))
	_, err = op.SuspendOrder(ctx, connect.NewRequest(&hulianv1.SuspendOrderRequest{Id: o.ID, Reason: "核查"}))
	wantField(t, "suspending an expired order", err, connect.CodeFailedPrecondition, "order")
	if d := rpc.Detail(err); d == nil || d.ReasonZh == "" || d.ReasonEn == "" {
		t.Errorf("error without reasons: %+v", d)
	}
}

// TestRenewOrderAPI: a party renews an expired order for a later term; the
// renewal is a new order with the same terms awaiting both signatures, and
// a term that overlaps the old one or is malformed is refused by field.
func TestRenewOrderAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	o := f.orderOfA(t, true)
	ctx := context.Background()
	dem := rpc.NewMarketClient(f.URL, rpc.WithToken(f.A.Token))
	end := o.Terms.Term.End
	_, err := dem.RenewOrder(ctx, connect.NewRequest(&hulianv1.RenewOrderRequest{Id: o.ID,
		Term: &hulianv1.DateRange{Start: end.String(), End: end.AddDays(30).String()}}))
	wantField(t, "overlapping term", err, connect.CodeInvalidArgument, "term.start")
	_, err = dem.RenewOrder(ctx, connect.NewRequest(&hulianv1.RenewOrderRequest{Id: o.ID, Term: &hulianv1.DateRange{Start: "2027-02-30", End: "2027-03-01"}}))
	wantField(t, "impossible date", err, connect.CodeInvalidArgument, "term.start")
	_, err = dem.RenewOrder(ctx, connect.NewRequest(&hulianv1.RenewOrderRequest{Id: "nope"}))
	wantField(t, "malformed ID", err, connect.CodeInvalidArgument, "id")
	res, err := dem.RenewOrder(ctx, connect.NewRequest(&hulianv1.RenewOrderRequest{Id: o.ID,
		Term: &hulianv1.DateRange{Start: end.AddDays(1).String(), End: end.AddDays(90).String()}}))
	if err != nil {
		t.Fatal(err)
	}
	n := res.Msg.Order
	if n.Id == o.ID || n.Status != string(market.Pending) || n.Terms.GetRenewalOf() != o.ID || n.Terms.GetTerm().GetStart() != end.AddDays(1).String() {
		t.Fatalf("renewal: %+v", n)
	}
}

// TestQuotaAPI: top-ups by the operator, the member's own view with the
// banner, movements, alerts and credit, and their bad input.
func TestQuotaAPI(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			f.setStage(t, f.A, member.StageActive)
			ctx := context.Background()
			op := rpc.NewQuotaClient(f.URL, rpc.WithToken(f.OpToken))
			mine := rpc.NewQuotaClient(f.URL, rpc.WithToken(f.A.Token), rpc.WithJSON())
			other := rpc.NewQuotaClient(f.URL, rpc.WithToken(f.B.Token))

			_, err := op.TopUp(ctx, connect.NewRequest(&hulianv1.TopUpRequest{MemberId: f.A.ID, AmountFen: -5, PaymentReference: "p1"}))
			wantField(t, "a negative top-up", err, connect.CodeInvalidArgument, "amount_fen")
			_, err = op.TopUp(ctx, connect.NewRequest(&hulianv1.TopUpRequest{MemberId: f.A.ID, AmountFen: 100}))
			wantField(t, "a top-up without a reference", err, connect.CodeInvalidArgument, "payment_reference")
			if _, err := op.TopUp(ctx, connect.NewRequest(&hulianv1.TopUpRequest{MemberId: f.A.ID, AmountFen: 100, PaymentReference: "p1", Note: "银行转账"})); err != nil {
				t.Fatal(err)
			}
			_, err = op.TopUp(ctx, connect.NewRequest(&hulianv1.TopUpRequest{MemberId: f.A.ID, AmountFen: 100, PaymentReference: "p1"}))
			if connect.CodeOf(err) != connect.CodeAlreadyExists {
				t.Errorf("the same payment twice: %v", err)
			}
			if _, err := mine.SetAlerts(ctx, connect.NewRequest(&hulianv1.SetAlertsRequest{MemberId: f.A.ID, ThresholdFen: 80})); err != nil {
				t.Fatal(err)
			}
			_, err = mine.SetAlerts(ctx, connect.NewRequest(&hulianv1.SetAlertsRequest{MemberId: f.A.ID, WebhookUrl: "ftp://example.cn"}))
			wantField(t, "a webhook that is not http(s)", err, connect.CodeInvalidArgument, "webhook_url")
			// A charge takes the quota below the threshold: a banner.
			if _, err := f.M.Platform.Charge(auth.WithActor(ctx, f.A.actor()), store.Debit{Member: f.A.ID, RequestID: "r1", AmountFen: 30, Reason: "delivery"}); err != nil {
				t.Fatal(err)
			}
			q, err := mine.GetQuota(ctx, connect.NewRequest(&hulianv1.GetQuotaRequest{MemberId: f.A.ID}))
			if err != nil {
				t.Fatal(err)
			}
			if a := q.Msg.Account; a.BalanceFen != 70 || a.AvailableFen != 70 || !a.LowWarned || len(q.Msg.Banner) != 1 || q.Msg.Banner[0].Kind != "low_balance" {
				t.Errorf("quota: %+v banner %+v", a, q.Msg.Banner)
			}
			_, err = op.SetCredit(ctx, connect.NewRequest(&hulianv1.SetCreditRequest{MemberId: f.A.ID, CreditFen: 500, Reason: "临时"}))
			wantField(t, "a credit without an expiry", err, connect.CodeInvalidArgument, "expires")
			cr, err := op.SetCredit(ctx, connect.NewRequest(&hulianv1.SetCreditRequest{MemberId: f.A.ID, CreditFen: 500, Reason: "临时",
				Expires: timestamppb.New(time.Now().Add(time.Hour))}))
			if err != nil || cr.Msg.Account.AvailableFen != 570 {
				t.Errorf("credit: %v %+v", err, cr)
			}
			ms, err := mine.ListMovements(ctx, connect.NewRequest(&hulianv1.ListMovementsRequest{MemberId: f.A.ID}))
			if err != nil || len(ms.Msg.Movements) != 3 {
				t.Errorf("movements: %v %+v", err, ms)
			}
			if _, err := other.GetQuota(ctx, connect.NewRequest(&hulianv1.GetQuotaRequest{MemberId: f.A.ID})); connect.CodeOf(err) != connect.CodeNotFound {
				t.Errorf("another member's quota: %v", err)
			}
			_, err = op.GetQuota(ctx, connect.NewRequest(&hulianv1.GetQuotaRequest{MemberId: "acc_x"}))
			wantField(t, "an account ID for a member", err, connect.CodeInvalidArgument, "member_id")
		})
	}
}
