package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/market"
	"hulian/internal/platform/store"
)

// matchRow is one ranked listing of the comparison table.
type matchRow struct {
	market.Match
	Monthly Money
	Price   i18n.Text
}

// offerRow is one offer of the side-by-side comparison.
type offerRow struct {
	Offer     *market.Offer
	Listing   *catalog.Listing
	Price     i18n.Text
	Traversal i18n.Text
	Estimate  billView
}

// listingOption is a listing a supplier may offer with.
type listingOption struct {
	ID, Title string
	Price     i18n.Text
}

type demandData struct {
	D         *market.Demand
	Budget    Money
	HitRate   string // the expected hit rate as a percentage
	Own       bool   // the actor is the demander
	Ranked    []matchRow
	Excluded  []market.Excluded
	Offers    []offerRow
	CanSelect bool
	// The supplier's side: its published listings to offer with.
	Listings []listingOption
	CanOffer bool
}

// offerFields are the offer form's inputs.
var offerFields = []string{"listing_id", "price", "price.mode", "unit_price", "retention_days", "traversal.ids_per_request",
	"traversal.ids_per_day", "traversal.requests_per_minute", "note"}

// demand shows a demand: to its demander the matching results as a
// comparison table with each rank explained, and the offers side by side
// with the cost the server computes; to a supplier the form to answer it
// with an offer, and its own offers.
func (c *console) demand(w http.ResponseWriter, r *http.Request) error {
	v, err := c.demandView(r.Context(), r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	v.Notice = marketNotice(r)
	c.render(w, r, http.StatusOK, "demand.html", v)
	return nil
}

func (c *console) demandView(ctx context.Context, id string, form url.Values) (*view, error) {
	d, err := c.x.Market.Demand(ctx, id)
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	data := demandData{D: d, Budget: Money(d.BudgetFen), HitRate: fmt.Sprintf("%d.%02d%%", d.HitRateBP/100, d.HitRateBP%100), Own: a.MemberID == d.MemberID}
	if data.Own || a.Role.IsStaff() {
		ms, err := c.x.Market.Match(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms.Ranked {
			data.Ranked = append(data.Ranked, matchRow{Match: m, Monthly: Money(m.MonthlyFen), Price: planText(m.Listing.Price)})
		}
		data.Excluded = ms.Excluded
	}
	views, err := c.x.Market.Offers(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range views {
		data.Offers = append(data.Offers, offerRow{Offer: o.Offer, Listing: o.Listing, Price: planText(o.Offer.Price),
			Traversal: traversalText(o.Offer.Traversal), Estimate: viewBill(o.Estimate, i18n.From(ctx))})
	}
	data.CanSelect = data.Own && d.Status == market.DemandOpen
	if !data.Own && a.MemberID != "" && d.Status == market.DemandOpen {
		ls, err := c.x.Listings.SearchListings(ctx, store.ListingQuery{Member: a.MemberID, Status: catalog.StatusPublished, Limit: 100})
		if err != nil && !errs.Is(err, errs.PermissionDenied) {
			return nil, err
		}
		for _, l := range ls {
			data.Listings = append(data.Listings, listingOption{ID: l.ID, Title: l.Title, Price: planText(l.Price)})
		}
		data.CanOffer = len(ls) > 0
	}
	if form == nil {
		form = url.Values{}
	}
	return &view{Title: "mk.demand.title", Path: "/demands/" + d.ID, Form: form, fields: offerFields, Data: data}, nil
}
