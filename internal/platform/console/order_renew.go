package console

import (
	"net/http"
	"strings"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/market"
)

// orderRenew proposes a renewal 续签 of an active or expired order for the
// term entered: a new order with the same terms, which both sides confirm
// again before it takes effect.
func (c *console) orderRenew(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	term, err := renewalTerm(r)
	if err == nil {
		var o *market.Order
		if o, err = c.x.Market.RenewOrder(ctx, id, term); err == nil {
			http.Redirect(w, r, "/orders/"+o.ID+"?done=renewed", http.StatusSeeOther)
			return nil
		}
	}
	v, verr := c.orderView(ctx, id)
	if verr != nil {
		return verr
	}
	v.Form = submitted(r)
	return again("order.html", v, err)
}

func renewalTerm(r *http.Request) (market.Term, error) {
	var t market.Term
	var err error
	if t.Start, err = calendar.ParseDate(strings.TrimSpace(r.PostFormValue("term.start"))); err != nil {
		return t, errs.Invalidf("term.start", "请选择续签的开始日期", "choose the renewal's start date")
	}
	if t.End, err = calendar.ParseDate(strings.TrimSpace(r.PostFormValue("term.end"))); err != nil {
		return t, errs.Invalidf("term.end", "请选择续签的结束日期", "choose the renewal's end date")
	}
	return t, nil
}
