package console

import (
	"net/http"
)

// listingEdit shows the wizard filled with a listing's current version.
func (c *console) listingEdit(w http.ResponseWriter, r *http.Request) error {
	l, err := c.x.Listings.Listing(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := l.Editable(); err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "listing_form.html", c.listingFormView(r, l.ID, listingForm(l)))
	return nil
}

// listingUpdate saves a changed listing as a new version, which must be
// reviewed again.
func (c *console) listingUpdate(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	form := submitted(r)
	v := c.listingFormView(r, id, form)
	if form.Get("add_tag") != "" {
		c.render(w, r, http.StatusOK, "listing_form.html", v)
		return nil
	}
	l, err := listingFrom(form)
	if err != nil {
		return again("listing_form.html", v, err)
	}
	if _, err = c.x.Listings.UpdateListing(r.Context(), id, l); err != nil {
		return again("listing_form.html", v, err)
	}
	http.Redirect(w, r, "/listings/"+id+"?done=changed", http.StatusSeeOther)
	return nil
}
