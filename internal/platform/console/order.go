package console

import (
	"context"
	"net/http"
	"net/url"

	"hulian/internal/auth"
	"hulian/internal/i18n"
	"hulian/internal/market"
)

type orderData struct {
	O         *market.Order
	Price     i18n.Text
	Traversal i18n.Text
	Preview   billView
	Side      market.Side // the actor's side, "" for staff and others
	CanSign   bool        // the actor's side is still to sign
	Operator  bool        // may suspend, resume, terminate
	CanRenew  bool        // a party of an active or expired order
}

// order is an order and its confirmation 数据需求确认单 / 数据供应确认单:
// the full terms, the cost preview the server computes at the demand's
// volume, both signatures, and for a party whose side is unsigned the
// signing form, bound to the hash of exactly these terms.
func (c *console) order(w http.ResponseWriter, r *http.Request) error {
	v, err := c.orderView(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Notice = marketNotice(r)
	c.render(w, r, http.StatusOK, "order.html", v)
	return nil
}

func (c *console) orderView(ctx context.Context, id string) (*view, error) {
	o, bill, err := c.x.Market.OrderPreview(ctx, id)
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	d := orderData{O: o, Price: planText(o.Terms.Price), Traversal: traversalText(o.Terms.Traversal), Preview: viewBill(bill, i18n.From(ctx)),
		Side: o.SideOf(a.MemberID), Operator: auth.Can(a.Role, auth.PermMarketAdmin)}
	if a.MemberID == "" {
		d.Side = ""
	}
	switch d.Side {
	case market.DemandSide:
		d.CanSign = o.Status == market.Pending && o.Demand == nil
	case market.SupplySide:
		d.CanSign = o.Status == market.Pending && o.Supply == nil
	}
	switch o.StatusAt(c.p.DB.Now()) {
	case market.Active, market.Expired:
		d.CanRenew = d.Side != ""
	}
	// The renewal form proposes the same length again, from the day after
	// the order ends.
	start := o.Terms.Term.End.AddDays(1)
	form := url.Values{"term.start": {start.String()}, "term.end": {start.AddDays(o.Terms.Term.Start.DaysUntil(o.Terms.Term.End)).String()}}
	return &view{Title: "mk.order.title", Path: "/orders/" + o.ID, Form: form, fields: []string{"reason", "term.start", "term.end"}, Data: d}, nil
}
