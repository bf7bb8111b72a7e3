package console

import (
	"net/http"
	"slices"

	"hulian/internal/calendar"
	"hulian/internal/node/nodestore"
)

// deliveryRow is one delivery as the console shows it.
type deliveryRow struct {
	*nodestore.Delivery
	DaysLeft int  // until the end of retain_until, in Asia/Shanghai days
	Overdue  bool // past its deadline and not destroyed
}

type deliveriesData struct {
	Today      string
	Rows       []deliveryRow
	Live       int
	Unattested int
	Names      map[string]string // member ID → name, from the orders
	// Sent are the notices of corrections and deletions this node made as
	// a supplier; Applied those it applied as a demander (X-P4, O-4).
	Sent    []*nodestore.RectificationOut
	Applied []*nodestore.RectificationIn
}

// deliveries lists the deliveries the node received with their retention
// deadlines and destruction state (X-P12).
func (c *console) deliveries(w http.ResponseWriter, r *http.Request, v *view) error {
	ds, err := c.Demand.Deliveries(r.Context(), "", 500)
	if err != nil {
		return err
	}
	today := calendar.DateOf(c.Node.Now())
	d := deliveriesData{Today: today.String(), Names: map[string]string{}}
	// Suppliers are named from the member's orders; if the platform cannot
	// be asked, their IDs stand in.
	ctx, cancel := timeout(r.Context())
	defer cancel()
	if os, err := c.Node.Orders(ctx); err == nil {
		for _, o := range os {
			d.Names[o.Peer] = o.PeerName
		}
	}
	for _, dl := range ds {
		row := deliveryRow{Delivery: dl}
		if until, err := calendar.ParseDate(dl.RetainUntil); err == nil {
			row.DaysLeft = today.DaysUntil(until)
			row.Overdue = dl.DestroyedAt == nil && row.DaysLeft < 0
		}
		if dl.DestroyedAt == nil {
			d.Live++
		} else if dl.AttestedAt == nil {
			d.Unattested++
		}
		d.Rows = append(d.Rows, row)
	}
	if err := c.Node.DB.Read(r.Context(), func(tx *nodestore.Tx) (err error) {
		if d.Sent, err = tx.RectificationsOut(r.Context(), "", false); err != nil {
			return err
		}
		d.Applied, err = tx.RectificationsIn(r.Context(), "")
		return err
	}); err != nil {
		return err
	}
	// The latest first, at most 200 of each.
	slices.Reverse(d.Sent)
	d.Sent, d.Applied = d.Sent[:min(len(d.Sent), 200)], d.Applied[:min(len(d.Applied), 200)]
	v.Title, v.Data = "deliveries", d
	c.render(w, http.StatusOK, "deliveries.html", v)
	return nil
}
