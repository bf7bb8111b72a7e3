package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/catalog"
)

type listingData struct {
	L         *catalog.Listing
	Taxonomy  *catalog.Taxonomy
	Own       bool // the actor's member supplies it
	CanReview bool
}

// Category names a tag category in the page's language.
func (d listingData) Category(code string, v *view) string {
	if d.Taxonomy != nil {
		if c, ok := d.Taxonomy.Leaf(code); ok {
			return c.Name(v.Lang)
		}
	}
	return code
}

func (c *console) listingData(r *http.Request, l *catalog.Listing) listingData {
	a := auth.ActorFrom(r.Context())
	return listingData{L: l, Taxonomy: c.p.Taxonomy(), Own: a.MemberID != "" && a.MemberID == l.MemberID,
		CanReview: auth.Can(a.Role, auth.PermCatalogReview)}
}

// listing shows one listing's six elements, its status and the actions
// open to the actor: the supplier's gate report upload, publish and
// withdraw; the operator's review steps.
func (c *console) listing(w http.ResponseWriter, r *http.Request) error {
	l, err := c.x.Listings.Listing(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "listing.html", &view{Title: "listing.title", Notice: notice(r), Data: c.listingData(r, l)})
	return nil
}
