package console

import (
	"net/http"
	"net/url"

	"hulian/internal/auth"
)

// listingNew shows the empty listing wizard.
func (c *console) listingNew(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(r.Context(), auth.PermTrade); err != nil {
		return err
	}
	form := url.Values{"kind": {"dataset"}, "subject": {"person"}, "limit.language": {"zh"}, "limit.processing": {"direct"},
		"price.mode": {"per_call"}, "price.basis": {"hit"}, "term.update_frequency": {"monthly"}}
	c.render(w, r, http.StatusOK, "listing_form.html", c.listingFormView(r, "", form))
	return nil
}

// listingCreate saves the wizard as a draft, or shows it again with one
// more tag section or with the error next to its field.
func (c *console) listingCreate(w http.ResponseWriter, r *http.Request) error {
	form := submitted(r)
	v := c.listingFormView(r, "", form)
	if form.Get("add_tag") != "" {
		c.render(w, r, http.StatusOK, "listing_form.html", v)
		return nil
	}
	l, err := listingFrom(form)
	if err != nil {
		return again("listing_form.html", v, err)
	}
	if l, err = c.x.Listings.CreateListing(r.Context(), l); err != nil {
		return again("listing_form.html", v, err)
	}
	http.Redirect(w, r, "/listings/"+l.ID+"?done=created", http.StatusSeeOther)
	return nil
}
