package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/market"
	"hulian/internal/platform/store"
)

type demandsData struct {
	Mine []*market.Demand
	Open []*market.Demand // the market's, which suppliers answer
}

// demands lists the member's own demands and the market's open ones.
func (c *console) demands(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var d demandsData
	var err error
	if auth.ActorFrom(ctx).MemberID != "" {
		if d.Mine, err = c.x.Market.Demands(ctx, store.DemandQuery{Mine: true, Limit: 200}); err != nil {
			return err
		}
	}
	all, err := c.x.Market.Demands(ctx, store.DemandQuery{Status: market.DemandOpen, Limit: 200})
	if err != nil {
		return err
	}
	for _, x := range all {
		if x.MemberID != auth.ActorFrom(ctx).MemberID {
			d.Open = append(d.Open, x)
		}
	}
	c.render(w, r, http.StatusOK, "demands.html", &view{Title: "mk.demands.title", Notice: marketNotice(r), Data: d})
	return nil
}

// marketNotices are the confirmations a redirect may ask for with ?done=.
var marketNotices = map[string]string{
	"published": "mk.done.published", "withdrawn": "mk.done.withdrawn", "offered": "mk.done.offered", "selected": "mk.done.selected",
	"signed": "mk.done.signed", "renewed": "mk.done.renewed", "active": "mk.done.active", "suspended": "mk.done.suspended", "resumed": "mk.done.resumed",
	"terminated": "mk.done.terminated", "topped_up": "mk.done.topped_up", "credit": "mk.done.credit", "alerts": "mk.done.alerts",
}

func marketNotice(r *http.Request) string { return marketNotices[r.URL.Query().Get("done")] }
