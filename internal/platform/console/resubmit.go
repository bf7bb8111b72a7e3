package console

import (
	"net/http"

	"hulian/internal/auth"
)

// resubmit sends a rejected application back to review with corrections.
func (c *console) resubmit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, err := c.p.Resubmit(ctx, auth.ActorFrom(ctx).MemberID, applicationFrom(r)); err != nil {
		return c.homeAgain(r, err)
	}
	http.Redirect(w, r, "/home", http.StatusSeeOther)
	return nil
}
