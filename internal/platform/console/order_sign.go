package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/market"
)

// orderSign signs the actor's side of an order's confirmation over the
// hash of the terms the page showed; terms changed since are refused.
func (c *console) orderSign(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	o, err := c.x.Market.Order(ctx, id)
	if err != nil {
		return err
	}
	side := o.SideOf(auth.ActorFrom(ctx).MemberID)
	if o, err = c.x.Market.SignConfirmation(ctx, id, side, r.PostFormValue("terms_hash")); err != nil {
		if side == "" {
			return err
		}
		v, verr := c.orderView(ctx, id)
		if verr != nil {
			return verr
		}
		return again("order.html", v, err)
	}
	done := "signed"
	if o.Status == market.Active {
		done = "active"
	}
	http.Redirect(w, r, "/orders/"+id+"?done="+done, http.StatusSeeOther)
	return nil
}
