package console

import (
	"net/http"

	"hulian/internal/errs"
)

// orderAction is the operator's suspension, resumption or termination of
// an order; a step the order cannot take shows the order again with the
// reason.
func (c *console) orderAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, reason := r.PathValue("id"), r.PostFormValue("reason")
	var err error
	var done string
	switch r.PostFormValue("action") {
	case "suspend":
		_, err = c.x.Market.SuspendOrder(ctx, id, reason)
		done = "suspended"
	case "resume":
		_, err = c.x.Market.ResumeOrder(ctx, id)
		done = "resumed"
	case "terminate":
		_, err = c.x.Market.TerminateOrder(ctx, id, reason)
		done = "terminated"
	default:
		err = errs.Invalidf("action", "请选择暂停、恢复或终止", "choose suspend, resume or terminate")
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.PermissionDenied || k == errs.NotFound || k == errs.Unauthenticated {
			return err
		}
		v, verr := c.orderView(ctx, id)
		if verr != nil {
			return verr
		}
		return again("order.html", v, err)
	}
	http.Redirect(w, r, "/orders/"+id+"?done="+done, http.StatusSeeOther)
	return nil
}
