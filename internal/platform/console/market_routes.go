package console

import "net/http"

// marketRoutes are the market's pages (X-W1, X-W4, X-W6): demands and
// matching, offers and selection, the confirmations and orders, and the
// demander's quota (X-S3), and the deliveries metered under orders with
// their retention (X-P12).
func (c *console) marketRoutes(mux *http.ServeMux) {
	c.handle(mux, "GET /demands", c.demands)
	c.handle(mux, "GET /demands/new", c.demandForm)
	c.handle(mux, "POST /demands/new", c.demandCreate)
	c.handle(mux, "GET /demands/{id}", c.demand)
	c.handle(mux, "POST /demands/{id}/withdraw", c.demandWithdraw)
	c.handle(mux, "POST /demands/{id}/offers", c.offerMake)
	c.handle(mux, "POST /offers/{id}/select", c.offerSelect)
	c.handle(mux, "GET /orders", c.orders)
	c.handle(mux, "GET /orders/{id}", c.order)
	c.handle(mux, "POST /orders/{id}/sign", c.orderSign)
	c.handle(mux, "POST /orders/{id}/action", c.orderAction)
	c.handle(mux, "POST /orders/{id}/renew", c.orderRenew)
	c.handle(mux, "GET /deliveries", c.deliveries)
	c.handle(mux, "GET /quota", c.quota)
	c.handle(mux, "POST /quota/{member}/topup", c.quotaTopUp)
	c.handle(mux, "POST /quota/{member}/credit", c.quotaCredit)
	c.handle(mux, "POST /quota/{member}/alerts", c.quotaAlerts)
}
