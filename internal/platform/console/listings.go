package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
)

type listingsData struct {
	Listings []*catalog.Listing
}

// listings is a supplier's own listings with their review status.
func (c *console) listings(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return err
	}
	a := auth.ActorFrom(ctx)
	if a.MemberID == "" {
		return errs.New(errs.PermissionDenied, "", "只有成员有挂牌", "only members have listings")
	}
	ls, err := c.x.Listings.SearchListings(ctx, store.ListingQuery{Member: a.MemberID, Limit: 500})
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "listings.html", &view{Title: "listings.title", Notice: notice(r), Data: listingsData{Listings: ls}})
	return nil
}

// notices are the confirmations a redirect may ask for with ?done=.
var notices = map[string]string{
	"created": "listing.done.created", "changed": "listing.done.changed", "submitted": "listing.done.submitted",
	"published": "listing.done.published", "withdrawn": "listing.done.withdrawn", "review_started": "listing.done.review_started",
	"approved": "listing.done.approved", "rejected": "listing.done.rejected", "suspended": "listing.done.suspended", "resumed": "listing.done.resumed",
}

func notice(r *http.Request) string { return notices[r.URL.Query().Get("done")] }
