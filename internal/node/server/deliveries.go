package server

import (
	"bytes"
	"net/http"

	"hulian/internal/calendar"
	"hulian/internal/i18n"
	"hulian/internal/node/nodestore"
)

// deliveryRow is one delivery as the console shows it.
type deliveryRow struct {
	*nodestore.Delivery
	DaysLeft int  // until the end of retain_until, in Asia/Shanghai days
	Overdue  bool // past its deadline and not destroyed
}

type deliveriesPage struct {
	Lang       i18n.Lang
	MemberID   string
	Today      string
	Rows       []deliveryRow
	Live       int
	Unattested int
}

// deliveriesPage lists the deliveries the node received with their
// retention deadlines and destruction state (X-P12).
func (m *Main) deliveriesPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	ds, err := m.Demand.Deliveries(r.Context(), "", 500)
	if err != nil {
		m.logger.Error("console deliveries", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	today := calendar.DateOf(m.nodeNow())
	p := deliveriesPage{Lang: lang, MemberID: m.Node.MemberID(), Today: today.String()}
	for _, d := range ds {
		row := deliveryRow{Delivery: d}
		if until, err := calendar.ParseDate(d.RetainUntil); err == nil {
			row.DaysLeft = today.DaysUntil(until)
			row.Overdue = d.DestroyedAt == nil && row.DaysLeft < 0
		}
		if d.DestroyedAt == nil {
			p.Live++
		} else if d.AttestedAt == nil {
			p.Unattested++
		}
		p.Rows = append(p.Rows, row)
	}
	var buf bytes.Buffer
	if err := templates[lang].ExecuteTemplate(&buf, "deliveries.html", p); err != nil {
		m.logger.Error("render deliveries", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
