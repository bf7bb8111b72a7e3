package console

import (
	"net/http"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
)

var orderStatus = map[string]i18n.Text{
	"pending_signatures": i18n.T("待签署", "awaiting signatures"),
	"active":             i18n.T("生效中", "active"),
	"expired":            i18n.T("已到期", "expired"),
	"suspended":          i18n.T("已暂停", "suspended"),
	"terminated":         i18n.T("已终止", "terminated"),
}

var priceModes = map[string]i18n.Text{
	"per_call":       i18n.T("按次", "per call"),
	"tiered":         i18n.T("阶梯", "tiered"),
	"monthly":        i18n.T("包月", "monthly"),
	"monthly_tiered": i18n.T("包月阶梯", "monthly, tiered"),
}

var priceBases = map[string]i18n.Text{
	"query": i18n.T("查询计费", "charged per query"),
	"hit":   i18n.T("查得计费", "charged per match"),
}

var verifications = map[string]i18n.Text{
	"one_step": i18n.T("须本人签署查询授权", "needs the subject's signed query authorisation"),
	"two_step": i18n.T("须签署授权并经身份验证", "needs a signed authorisation and identity verification"),
}

var methods = map[string]i18n.Text{
	"realtime": i18n.T("实时", "real-time"),
	"batch":    i18n.T("批量", "batch"),
}

// label is a code's label in lang, the code itself if it has none.
func label(m map[string]i18n.Text, code string, lang i18n.Lang) string {
	if l, ok := m[code]; ok {
		return l.In(lang)
	}
	return code
}

type orderRow struct {
	*node.Order
	Buying  bool
	Status  string
	Method  string
	Price   string
	Monthly bool
	Verify  string // what the listing's verification method asks, "" for nothing
}

type ordersData struct {
	Buying, Selling []orderRow
	Unavailable     string // why the platform could not be asked
}

// orders shows the member's orders, those the node uses as a demander and
// those it serves as a supplier, as the platform reports them now.
func (c *console) orders(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx, cancel := timeout(r.Context())
	defer cancel()
	var d ordersData
	os, err := c.Node.Orders(ctx)
	switch {
	case err == nil:
	case errs.KindOf(err) == errs.Internal:
		return err
	default:
		// The platform unreachable or the node not configured: the page
		// says so instead of failing, since the rest of the console works.
		d.Unavailable = statusError(err).In(v.Lang)
	}
	for _, o := range os {
		row := orderRow{Order: o, Buying: o.Side == "demand", Status: label(orderStatus, o.Status, v.Lang), Method: label(methods, o.Method, v.Lang)}
		row.Price = label(priceModes, o.PriceMode, v.Lang) + " · " + label(priceBases, o.PriceBasis, v.Lang)
		row.Monthly = o.PriceMode == "monthly" || o.PriceMode == "monthly_tiered"
		if o.Verification != "" {
			row.Verify = label(verifications, o.Verification, v.Lang)
		}
		if row.Buying {
			d.Buying = append(d.Buying, row)
		} else {
			d.Selling = append(d.Selling, row)
		}
	}
	v.Title, v.Data = "orders", d
	c.render(w, http.StatusOK, "orders.html", v)
	return nil
}
