package console

import "net/http"

// demandWithdraw takes the member's open demand off the market.
func (c *console) demandWithdraw(w http.ResponseWriter, r *http.Request) error {
	d, err := c.x.Market.WithdrawDemand(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/demands/"+d.ID+"?done=withdrawn", http.StatusSeeOther)
	return nil
}
