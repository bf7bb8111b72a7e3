package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/platform/store"
)

type reviewQueueData struct {
	Queue     []*catalog.Listing // submitted and in review, oldest first
	Published []*catalog.Listing // published and suspended, for suspend and resume
	CanReview bool
}

// catalogReview is the operator's review queue of listings (X-W1); the
// regulator sees it read-only.
func (c *console) catalogReview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := auth.ActorFrom(ctx)
	if !a.Role.IsStaff() {
		return auth.Require(ctx, auth.PermCatalogReview)
	}
	d := reviewQueueData{CanReview: auth.Can(a.Role, auth.PermCatalogReview)}
	for _, s := range []catalog.Status{catalog.StatusInReview, catalog.StatusSubmitted, catalog.StatusSuspended, catalog.StatusPublished} {
		ls, err := c.x.Listings.SearchListings(ctx, store.ListingQuery{Status: s, Limit: 500})
		if err != nil {
			return err
		}
		if s == catalog.StatusInReview || s == catalog.StatusSubmitted {
			d.Queue = append(d.Queue, ls...)
		} else {
			d.Published = append(d.Published, ls...)
		}
	}
	c.render(w, r, http.StatusOK, "catalog_review.html", &view{Title: "review.catalog.title", Notice: notice(r), Data: d})
	return nil
}
