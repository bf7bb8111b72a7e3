package console

import "net/http"

// offerSelect is the demander's choice 择优选定. Only the offer's ID is
// read from the form: the order's terms, its price included, are built by
// the server from the stored demand and offer, whatever else is posted.
func (c *console) offerSelect(w http.ResponseWriter, r *http.Request) error {
	o, err := c.x.Market.SelectOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/orders/"+o.ID+"?done=selected", http.StatusSeeOther)
	return nil
}
