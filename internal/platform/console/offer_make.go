package console

import (
	"net/http"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/market"
)

// offerMake answers a demand with an offer on one of the supplier's
// listings (competitive bidding, X-W4). A unit price, retention period or
// traversal limit left empty is the listing's.
func (c *console) offerMake(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	fail := func(err error) error {
		v, verr := c.demandView(ctx, id, submitted(r))
		if verr != nil {
			return verr
		}
		return again("demand.html", v, err)
	}
	f := r.PostFormValue
	o := &market.Offer{ListingID: f("listing_id"), Note: f("note")}
	unit, err := parseYuan("unit_price", f("unit_price"))
	if err != nil {
		return fail(err)
	}
	if unit > 0 {
		l, err := c.x.Listings.Listing(ctx, o.ListingID)
		if err != nil {
			return fail(withField(err, "listing_id"))
		}
		// Only the per-ID price of a per-call listing is offered here;
		// the other modes are offered at the listed price.
		if l.Price.Mode != "per_call" {
			return fail(errs.Invalidf("unit_price", "该挂牌不是按次计费：请留空，按挂牌价格报价", "the listing is not priced per call: leave this empty to offer the listed price"))
		}
		o.Price = l.Price
		o.Price.UnitPrice = unit
	}
	days, err := parseCount("retention_days", f("retention_days"))
	if err != nil {
		return fail(err)
	}
	o.RetentionDays = int(days)
	var t catalog.Traversal
	for _, x := range []struct {
		field string
		to    func(int64)
	}{
		{"traversal.ids_per_request", func(n int64) { t.IDsPerRequest = int(n) }},
		{"traversal.ids_per_day", func(n int64) { t.IDsPerDay = n }},
		{"traversal.requests_per_minute", func(n int64) { t.RequestsPerMinute = int(n) }},
	} {
		n, err := parseCount(x.field, f(x.field))
		if err != nil {
			return fail(err)
		}
		x.to(n)
	}
	o.Traversal = t
	if _, err := c.x.Market.MakeOffer(ctx, id, o); err != nil {
		return fail(err)
	}
	http.Redirect(w, r, "/demands/"+id+"?done=offered", http.StatusSeeOther)
	return nil
}
