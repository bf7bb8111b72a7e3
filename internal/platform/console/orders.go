package console

import (
	"net/http"

	"hulian/internal/market"
	"hulian/internal/platform/store"
)

type ordersData struct {
	Orders []*market.Order
	Status market.Status
}

// orderStatuses are the filters of the order list.
var orderStatuses = []market.Status{market.Pending, market.Active, market.Suspended, market.Expired, market.Terminated}

// orders lists the orders the actor may see: a member's own, or all for
// staff.
func (c *console) orders(w http.ResponseWriter, r *http.Request) error {
	status := market.Status(r.URL.Query().Get("status"))
	if status != "" && !contains(orderStatuses, status) {
		status = ""
	}
	os, err := c.x.Market.Orders(r.Context(), store.OrderQuery{Status: status, Limit: 200})
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "orders.html", &view{Title: "mk.orders.title", Data: ordersData{Orders: os, Status: status}})
	return nil
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
