package console_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/market"
	"hulian/internal/member"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// trader is an active member with a login and a node key.
type trader struct {
	*member.Member
	Account *store.Account
	Node    ed25519.PrivateKey
}

func (tr trader) ctx() context.Context {
	return auth.WithActor(context.Background(), tr.Account.Actor())
}

// trader stores a member that has completed onboarding, as supplier and
// demander, with an account that logs in as login.
func (p *platformT) trader(t testing.TB, n int, name, login string) trader {
	t.Helper()
	m := p.apply(t, n, name, login)
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	var acct *store.Account
	p.transact(t, func(ctx context.Context, tx *store.Tx) error {
		got, err := tx.Member(ctx, m.ID, true)
		if err != nil {
			return err
		}
		now, by := tx.Now(), "account:system"
		got.Stage, got.Demander, got.Supplier = member.StageActive, true, true
		got.Qualified, got.Agreed, got.Opened, got.Integrated = member.Step{At: now, By: by}, member.Step{At: now, By: by}, member.Step{At: now, By: by}, member.Step{At: now, By: by}
		got.Agreement = p.Platform.Agreement
		x := make([]byte, 32)
		rand.Read(x)
		got.Keys = member.Keys{X25519: x, Signing: pub}
		m = got
		if err := tx.UpdateMember(ctx, got); err != nil {
			return err
		}
		acct, err = tx.AccountByLogin(ctx, login)
		return err
	})
	return trader{Member: m, Account: acct, Node: key}
}

// publish takes a listing of tr through the gate, review and publication.
func (p *platformT) publish(t testing.TB, tr trader, l *catalog.Listing) *catalog.Listing {
	t.Helper()
	pl := p.Exchange
	op := storetest.Staff(context.Background(), auth.RoleOperator)
	l, err := pl.Listings.CreateListing(tr.ctx(), l)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = pl.Listings.SubmitListing(tr.ctx(), l.ID, catalogtest.Report(l, tr.Node, 5000)); err != nil {
		t.Fatal(err)
	}
	if _, err = pl.Listings.StartReview(op, l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err = pl.Listings.DecideListing(op, l.ID, true, "ok"); err != nil {
		t.Fatal(err)
	}
	if l, err = pl.Listings.PublishListing(tr.ctx(), l.ID); err != nil {
		t.Fatal(err)
	}
	return l
}

// marketT is a market with two suppliers and a demander: supplier 乙's
// listing admits real estate only, so the demander (I64) is not admitted.
type marketT struct {
	*platformT
	Sup, Closed, Dem trader
	Listing, Shut    *catalog.Listing
}

// activeOrder is an order between the demander and the supplier on the
// listing, signed by both.
func (m *marketT) activeOrder(t *testing.T) *market.Order {
	t.Helper()
	d, err := m.Market.PublishDemand(m.Dem.ctx(), demandOf(calendar.DateOf(m.clock.Now())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Market.MakeOffer(m.Sup.ctx(), d.ID, &market.Offer{ListingID: m.Listing.ID}); err != nil {
		t.Fatal(err)
	}
	views, _ := m.Market.Offers(m.Dem.ctx(), d.ID)
	o, err := m.Market.SelectOffer(m.Dem.ctx(), views[0].Offer.ID)
	if err != nil {
		t.Fatal(err)
	}
	m.Market.SignConfirmation(m.Dem.ctx(), o.ID, market.DemandSide, o.TermsHash)
	if _, err := m.Market.SignConfirmation(m.Sup.ctx(), o.ID, market.SupplySide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	return o
}

func startMarket(t testing.TB) *marketT {
	t.Helper()
	p := startPlatform(t, false)
	m := &marketT{platformT: p}
	m.Sup = p.trader(t, 201, "上海甲数据科技有限公司", "jia.data")
	m.Closed = p.trader(t, 202, "北京乙数据服务有限公司", "yi.data")
	m.Dem = p.trader(t, 203, "杭州丙消费金融有限公司", "bing.fin")
	m.Listing = p.publish(t, m.Sup, catalogtest.Dataset())
	shut := catalogtest.Dataset()
	shut.Title = "不动产行业专用标签"
	shut.Limit.Industries = []string{"K"}
	m.Shut = p.publish(t, m.Closed, shut)
	return m
}

// demandForm is a valid demand as the form posts it.
func demandForm() url.Values {
	return url.Values{"title": {"消费分层"}, "purpose": {"营销人群筛选"}, "scope": {"上海地区存量客户"}, "method": {"realtime"},
		"scenario": {"精准营销"}, "term.start": {"2026-03-02"}, "term.end": {"2026-05-30"}, "categories": {"behaviour"},
		"tags": {"car_owner"}, "enterprise_nature": {"private"}, "monthly_volume": {"100000"}, "hit_rate_bp": {"60"}, "budget_fen": {"10000"}}
}

func formWith(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

var idRe = regexp.MustCompile(`/(demands|orders|offers)/((dem|ord|ofr)_[a-z2-7]+)`)

// idIn is the first demand, order or offer ID in a redirect or page.
func idIn(t testing.TB, kind, s string) string {
	t.Helper()
	for _, m := range idRe.FindAllStringSubmatch(s, -1) {
		if m[1] == kind {
			return m[2]
		}
	}
	t.Fatalf("no %s ID in %q", kind, s)
	return ""
}

// stable replaces the market's random IDs and content hashes for golden
// files; golden itself replaces member and account IDs.
func stable(s string) string {
	for _, r := range []struct{ re, with string }{
		{`dem_[a-z2-7]+`, "dem_ID"},
		{`ofr_[a-z2-7]+`, "ofr_ID"},
		{`ord_[a-z2-7]+`, "ord_ID"},
		{`lst_[a-z2-7]+`, "lst_ID"},
		{`qn_[a-z2-7]+`, "qn_ID"},
		{`credit:[a-z2-7]+`, "credit:ID"},
		{`\b[0-9a-f]{64}\b`, "HASH"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	return s
}

// marketBrowsers logs in the three members and an operator.
func (m *marketT) browsers(t testing.TB) (dem, sup, closed, op *browser) {
	m.staff(t, auth.RoleOperator, "operator")
	dem, sup, closed, op = m.browser(t), m.browser(t), m.browser(t), m.browser(t)
	dem.login("bing.fin")
	sup.login("jia.data")
	closed.login("yi.data")
	op.login("operator")
	return
}

// TestMarketConsole walks the market through the console's handlers:
// the demand form with its errors, matching with the unadmitted listing
// left out, an offer within and one beyond its listing, the selection with
// a price posted by the client (ignored), both signatures, the operator's
// suspension, and another member kept out.
func TestMarketConsole(t *testing.T) {
	t.Parallel()
	m := startMarket(t)
	dem, sup, closed, op := m.browsers(t)
	csrf := func(b *browser) string { return b.csrf() }

	// The demand form: a term ending before it starts, then a valid one.
	r := dem.post("/demands/new", formWith(demandForm(), "csrf", csrf(dem), "term.end", "2026-03-01"))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-term.end"`) {
		t.Fatalf("bad term: %d\n%s", r.Status, r.Body)
	}
	r = dem.post("/demands/new", formWith(demandForm(), "csrf", csrf(dem), "hit_rate_bp", "160"))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-hit_rate_bp"`) {
		t.Fatalf("bad hit rate: %d", r.Status)
	}
	r = dem.post("/demands/new", formWith(demandForm(), "csrf", csrf(dem)))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d\n%s", r.Status, r.Body)
	}
	demandID := idIn(t, "demands", r.Location)

	// Matching: the supplier's listing ranked and explained, the listing
	// that does not admit the demander's industry left out with why.
	page := dem.get("/demands/" + demandID)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="match-`+m.Listing.ID+`"`) || !strings.Contains(page.Body, "第 1 名") {
		t.Fatalf("matching page: %d", page.Status)
	}
	if !strings.Contains(page.Body, "不动产行业专用标签") || !strings.Contains(page.Body, `id="excluded"`) {
		t.Error("the unadmitted listing is not shown as left out")
	}

	// The unadmitted supplier cannot answer; the admitted one offers
	// above its listing (refused), then at 3 fen.
	r = closed.post("/demands/"+demandID+"/offers", url.Values{"csrf": {csrf(closed)}, "listing_id": {m.Shut.ID}})
	if r.Status != http.StatusForbidden {
		t.Errorf("an offer to an unadmitted demander: %d", r.Status)
	}
	r = sup.post("/demands/"+demandID+"/offers", url.Values{"csrf": {csrf(sup)}, "listing_id": {m.Listing.ID}, "unit_price": {"0.06"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "不能高于挂牌价格") {
		t.Errorf("an offer above the listing: %d", r.Status)
	}
	r = sup.post("/demands/"+demandID+"/offers", url.Values{"csrf": {csrf(sup)}, "listing_id": {m.Listing.ID}, "unit_price": {"0.03"}, "note": {"季度内价格锁定"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("offer: %d\n%s", r.Status, r.Body)
	}
	page = dem.get("/demands/" + demandID)
	offerID := idIn(t, "offers", page.Body)
	if !strings.Contains(page.Body, `data-total="180000"`) {
		t.Errorf("the comparison lacks the server's estimate (3 fen × 60,000 hits)")
	}

	// The demander's client posts its own price: ignored.
	r = dem.post("/offers/"+offerID+"/select", url.Values{"csrf": {csrf(dem)}, "price": {"0.01"}, "unit_price": {"1"}, "total_fen": {"1"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("select: %d\n%s", r.Status, r.Body)
	}
	orderID := idIn(t, "orders", r.Location)
	o, err := m.Market.Order(m.Dem.ctx(), orderID)
	if err != nil || o.Terms.Price.UnitPrice != 3 {
		t.Fatalf("order price: %+v %v", o, err)
	}

	// Another member does not see the order; a signature over other
	// terms is refused; both sides sign.
	if r := closed.get("/orders/" + orderID); r.Status != http.StatusNotFound {
		t.Errorf("another member's order: %d", r.Status)
	}
	r = dem.post("/orders/"+orderID+"/sign", url.Values{"csrf": {csrf(dem)}, "terms_hash": {market.Terms{}.Hash()}})
	if r.Status != http.StatusPreconditionFailed || !strings.Contains(r.Body, "内容摘要与确认单不一致") {
		t.Errorf("signing other terms: %d", r.Status)
	}
	for _, b := range []*browser{dem, sup} {
		page := b.get("/orders/" + orderID)
		hash := regexp.MustCompile(`name="terms_hash" value="([0-9a-f]{64})"`).FindStringSubmatch(page.Body)
		if hash == nil {
			t.Fatalf("no signing form:\n%s", page.Body)
		}
		if r := b.post("/orders/"+orderID+"/sign", url.Values{"csrf": {csrf(b)}, "terms_hash": {hash[1]}}); r.Status != http.StatusSeeOther {
			t.Fatalf("sign: %d\n%s", r.Status, r.Body)
		}
	}
	if o, _ := m.Market.Order(m.Dem.ctx(), orderID); o.Status != market.Active {
		t.Fatalf("after both signatures: %s", o.Status)
	}

	// A party proposes a renewal from the order page: the form proposes
	// the day after the end; a term overlapping the order is refused by
	// field; the renewal is a new order awaiting both signatures.
	page = dem.get("/orders/" + orderID)
	start := regexp.MustCompile(`name="term.start" type="date" value="([0-9-]{10})"`).FindStringSubmatch(page.Body)
	end := regexp.MustCompile(`name="term.end" type="date" value="([0-9-]{10})"`).FindStringSubmatch(page.Body)
	if start == nil || end == nil {
		t.Fatalf("no renewal form:\n%s", page.Body)
	}
	if page := op.get("/orders/" + orderID); strings.Contains(page.Body, `id="renew-form"`) {
		t.Error("the operator is offered a renewal")
	}
	o, _ = m.Market.Order(m.Dem.ctx(), orderID)
	if r := dem.post("/orders/"+orderID+"/renew", url.Values{"csrf": {csrf(dem)}, "term.start": {o.Terms.Term.End.String()}, "term.end": {end[1]}}); r.Status != http.StatusBadRequest ||
		!strings.Contains(r.Body, "续签期限须在原订单结束之后开始") {
		t.Errorf("overlapping renewal: %d", r.Status)
	}
	r = dem.post("/orders/"+orderID+"/renew", url.Values{"csrf": {csrf(dem)}, "term.start": {start[1]}, "term.end": {end[1]}})
	renewal := strings.TrimPrefix(strings.TrimSuffix(r.Location, "?done=renewed"), "/orders/")
	if r.Status != http.StatusSeeOther || renewal == orderID || renewal == r.Location {
		t.Fatalf("renew: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	if n, err := m.Market.Order(m.Dem.ctx(), renewal); err != nil || n.Status != market.Pending || n.Terms.RenewalOf != orderID {
		t.Fatalf("renewal order: %+v %v", n, err)
	}

	// The operator suspends; a member cannot.
	if r := dem.post("/orders/"+orderID+"/action", url.Values{"csrf": {csrf(dem)}, "action": {"suspend"}, "reason": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("a member suspending: %d", r.Status)
	}
	if r := op.post("/orders/"+orderID+"/action", url.Values{"csrf": {csrf(op)}, "action": {"suspend"}}); r.Status != http.StatusBadRequest {
		t.Errorf("a suspension without a reason: %d", r.Status)
	}
	if r := op.post("/orders/"+orderID+"/action", url.Values{"csrf": {csrf(op)}, "action": {"suspend"}, "reason": {"投诉核查"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("suspend: %d", r.Status)
	}
	if page := dem.get("/orders/" + orderID); !strings.Contains(page.Body, `data-status="suspended"`) || !strings.Contains(page.Body, "投诉核查") {
		t.Error("the suspended order does not say so")
	}
}

// TestQuotaConsole: the operator records a top-up (twice the same
// payment is refused) and a credit, the member sets its threshold and sees
// the banner once a charge crosses it, and a member cannot top itself up.
func TestQuotaConsole(t *testing.T) {
	t.Parallel()
	m := startMarket(t)
	dem, _, closed, op := m.browsers(t)
	id := m.Dem.ID
	r := op.post("/quota/"+id+"/topup", url.Values{"csrf": {op.csrf()}, "amount_fen": {"100"}, "payment_reference": {"BANK-001"}, "note": {"银行转账"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("top-up: %d\n%s", r.Status, r.Body)
	}
	r = op.post("/quota/"+id+"/topup", url.Values{"csrf": {op.csrf()}, "amount_fen": {"100"}, "payment_reference": {"BANK-001"}})
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "已入账") {
		t.Errorf("the same payment twice: %d", r.Status)
	}
	r = op.post("/quota/"+id+"/topup", url.Values{"csrf": {op.csrf()}, "amount_fen": {"1.234"}, "payment_reference": {"BANK-002"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-amount_fen"`) {
		t.Errorf("three decimals: %d", r.Status)
	}
	if r := dem.post("/quota/"+id+"/topup", url.Values{"csrf": {dem.csrf()}, "amount_fen": {"100"}, "payment_reference": {"SELF"}}); r.Status != http.StatusForbidden {
		t.Errorf("a member topping itself up: %d", r.Status)
	}
	if r := closed.post("/quota/"+id+"/alerts", url.Values{"csrf": {closed.csrf()}, "threshold_fen": {"1"}}); r.Status != http.StatusForbidden {
		t.Errorf("another member's alerts: %d", r.Status)
	}
	if r := dem.post("/quota/"+id+"/alerts", url.Values{"csrf": {dem.csrf()}, "threshold_fen": {"50"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("alerts: %d", r.Status)
	}
	if r := op.post("/quota/"+id+"/credit", url.Values{"csrf": {op.csrf()}, "credit_fen": {"20"}, "expires": {"2026-03-31"}, "reason": {"季度结算前临时额度"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("credit: %d", r.Status)
	}
	if _, err := m.Platform.Charge(m.Dem.ctx(), store.Debit{Member: id, RequestID: "req-1", AmountFen: 9000, Reason: "delivery"}); err != nil {
		t.Fatal(err)
	}
	page := dem.get("/quota")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `data-kind="low_balance"`) || !strings.Contains(page.Body, `<svg class="chart"`) ||
		!strings.Contains(page.Body, `id="available">¥30.00<`) {
		t.Errorf("quota page: %d\n%s", page.Status, page.Body)
	}
	if strings.Contains(page.Body, `id="topup-form"`) {
		t.Error("the member sees the operator's top-up form")
	}
}

// TestMarketPagesGolden renders the market's pages at each step and
// compares them with their golden files.
func TestMarketPagesGolden(t *testing.T) {
	t.Parallel()
	m := startMarket(t)
	// Three days of use for the chart, the last one today.
	if _, err := m.Platform.TopUp(storetest.Staff(context.Background(), auth.RoleOperator), m.Dem.ID, 100000, "BANK-001", "银行转账"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Platform.SetQuotaAlerts(m.Dem.ctx(), m.Dem.ID, 50000, ""); err != nil {
		t.Fatal(err)
	}
	for i, fen := range []int64{20000, 15000, 30000} {
		if i > 0 {
			m.clock.Add(24 * time.Hour)
		}
		if _, err := m.Platform.Charge(m.Dem.ctx(), store.Debit{Member: m.Dem.ID, RequestID: fmt.Sprintf("req-%d", i), AmountFen: fen, Reason: "delivery"}); err != nil {
			t.Fatal(err)
		}
	}
	dem, sup, _, op := m.browsers(t)
	en := func(b *browser) *browser { c := *b; c.lang = "en"; return &c }

	d, err := m.Market.PublishDemand(m.Dem.ctx(), demandOf(calendar.DateOf(m.clock.Now())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Market.MakeOffer(m.Sup.ctx(), d.ID, &market.Offer{ListingID: m.Listing.ID, Note: "季度内价格锁定"}); err != nil {
		t.Fatal(err)
	}
	var orderID string
	steps := []struct {
		name  string
		setup func()
		res   func() response
	}{
		{"market_demand_form", nil, func() response { return dem.get("/demands/new") }},
		{"market_demands", nil, func() response { return sup.get("/demands") }},
		{"market_matching", nil, func() response { return dem.get("/demands/" + d.ID) }},
		{"market_offer_en", nil, func() response { return en(sup).get("/demands/" + d.ID) }},
		{"market_order_pending", func() {
			views, _ := m.Market.Offers(m.Dem.ctx(), d.ID)
			o, err := m.Market.SelectOffer(m.Dem.ctx(), views[0].Offer.ID)
			if err != nil {
				t.Fatal(err)
			}
			orderID = o.ID
		}, func() response { return dem.get("/orders/" + orderID) }},
		{"market_order_active_en", func() {
			o, _ := m.Market.Order(m.Dem.ctx(), orderID)
			if _, err := m.Market.SignConfirmation(m.Dem.ctx(), orderID, market.DemandSide, o.TermsHash); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Market.SignConfirmation(m.Sup.ctx(), orderID, market.SupplySide, o.TermsHash); err != nil {
				t.Fatal(err)
			}
		}, func() response { return en(op).get("/orders/" + orderID) }},
		{"market_orders", nil, func() response { return dem.get("/orders") }},
		{"quota_member", nil, func() response { return dem.get("/quota") }},
		{"quota_operator", nil, func() response { return op.get("/quota?member=" + m.Dem.ID) }},
	}
	for _, s := range steps {
		if s.setup != nil {
			s.setup()
		}
		r := s.res()
		if r.Status != http.StatusOK {
			t.Errorf("%s: status %d\n%s", s.name, r.Status, r.Body)
			continue
		}
		golden(t, s.name, stable(r.Body))
	}
}

func demandOf(today calendar.Date) *market.Demand {
	return &market.Demand{Title: "消费分层", Purpose: "营销人群筛选", Scope: "上海地区存量客户", Method: market.Realtime, Scenario: "精准营销",
		Term:       market.Term{Start: today, End: today.AddDays(89)},
		Categories: []string{"behaviour"}, Tags: []string{"car_owner"}, EnterpriseNature: "private",
		MonthlyVolume: 100_000, HitRateBP: 6000, BudgetFen: 1_000_000}
}
