package console

import (
	"net/http"
	"strings"

	"hulian/internal/calendar"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
)

type deliveriesData struct {
	Rows    []deliveryRow
	Overdue bool
	Order   string
	Today   string
}

type deliveryRow struct {
	*store.Delivery
	Charge  Money
	Overdue bool // past its retention deadline without a destruction attestation
}

// deliveries lists metered deliveries (配送记录): staff see all, a member
// those it is party to. ?overdue=1 lists only those past their retention
// deadline without a destruction attestation (X-P12), which is what the
// regulator follows up; ?order= narrows to one order.
func (c *console) deliveries(w http.ResponseWriter, r *http.Request) error {
	q := relay.DeliveryQuery{OverdueOnly: r.URL.Query().Get("overdue") == "1", Limit: 500}
	if o := r.URL.Query().Get("order"); strings.HasPrefix(o, "ord_") && len(o) <= 64 {
		q.OrderID = o
	}
	ds, err := c.relay.Deliveries(r.Context(), q)
	if err != nil {
		return err
	}
	today := calendar.DateOf(c.p.DB.Now()).String()
	d := deliveriesData{Overdue: q.OverdueOnly, Order: q.OrderID, Today: today}
	for _, x := range ds {
		d.Rows = append(d.Rows, deliveryRow{Delivery: x, Charge: Money(x.ChargeFen), Overdue: x.DestroyedAt.IsZero() && x.RetainUntil < today})
	}
	c.render(w, r, http.StatusOK, "deliveries.html", &view{Title: "dl.title", Data: d})
	return nil
}
