package console

import "net/http"

// catalogRoutes are the catalog's pages: the supplier's listings and
// wizard, the operator's review queue, the members' search and the public
// market quotes.
func (c *console) catalogRoutes(mux *http.ServeMux) {
	c.handle(mux, "GET /listings", c.listings)
	c.handle(mux, "GET /listings/new", c.listingNew)
	c.handle(mux, "POST /listings/new", c.listingCreate)
	c.handle(mux, "GET /listings/{id}", c.listing)
	c.handle(mux, "GET /listings/{id}/edit", c.listingEdit)
	c.handle(mux, "POST /listings/{id}/edit", c.listingUpdate)
	c.handle(mux, "POST /listings/{id}/submit", c.listingSubmit)
	c.handle(mux, "POST /listings/{id}/action", c.listingAction)
	c.handle(mux, "GET /catalog/queue", c.catalogReview)
	c.handle(mux, "GET /catalog", c.catalogSearch)
	c.handle(mux, "GET /quotes", c.quotes)
}
