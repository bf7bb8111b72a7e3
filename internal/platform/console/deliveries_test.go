package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/market"
	"hulian/internal/platform/store"
)

// TestDeliveriesConsole: the regulator lists every delivery and the
// overdue ones (past retention, not destroyed); a member sees its own
// only.
func TestDeliveriesConsole(t *testing.T) {
	t.Parallel()
	m := startMarket(t)
	dem, sup, closed, op := m.browsers(t)
	m.staff(t, auth.RoleRegulator, "regulator")
	reg := m.browser(t)
	reg.login("regulator")
	en := func(b *browser) *browser { c := *b; c.lang = "en"; return &c }

	d, err := m.Market.PublishDemand(m.Dem.ctx(), demandOf(calendar.DateOf(m.clock.Now())))
	if err != nil {
		t.Fatal(err)
	}
	of, err := m.Market.MakeOffer(m.Sup.ctx(), d.ID, &market.Offer{ListingID: m.Listing.ID})
	if err != nil {
		t.Fatal(err)
	}
	o, err := m.Market.SelectOffer(m.Dem.ctx(), of.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Two deliveries recorded as the relay records them: one whose
	// retention ends today, one that ended yesterday, and a third already
	// destroyed.
	today := calendar.DateOf(m.clock.Now())
	m.transact(t, func(ctx context.Context, tx *store.Tx) error {
		for i, retain := range []calendar.Date{today, today.AddDays(-1), today.AddDays(-3)} {
			dl := &store.Delivery{OrderID: o.ID, RequestID: []string{"rt-1", "rt-2", "batch-7/0"}[i], Demander: m.Dem.ID, Supplier: m.Sup.ID,
				Queried: 1000, Matched: int64(600 - i*100), ChargeFen: int64(3000 - i*500), Commitment: strings.Repeat("ab", 32), TokensDigest: strings.Repeat("cd", 32),
				SupplierSig: []byte{1}, DeliveredAt: tx.Now().Add(time.Duration(i) * time.Minute), RetainUntil: retain.String(), Seq: int64(40 + i), Receipt: "r"}
			if err := tx.InsertDelivery(ctx, dl); err != nil {
				return err
			}
		}
		_, err := tx.MarkDestroyed(ctx, o.ID, "batch-7/0", tx.Now(), "deadline", 50)
		return err
	})

	for _, s := range []struct {
		name string
		b    *browser
		path string
		rows int
	}{
		{"deliveries_regulator", reg, "/deliveries", 3},
		{"deliveries_overdue_en", en(op), "/deliveries?overdue=1", 1},
		{"", dem, "/deliveries", 3},
		{"", sup, "/deliveries?order=" + o.ID, 3},
		{"", closed, "/deliveries", 0},
	} {
		r := s.b.get(s.path)
		if r.Status != http.StatusOK {
			t.Errorf("%s: status %d", s.path, r.Status)
			continue
		}
		if n := strings.Count(r.Body, "data-overdue="); n != s.rows {
			t.Errorf("%s: %d rows, want %d", s.path, n, s.rows)
		}
		if s.name != "" {
			golden(t, s.name, stable(r.Body))
		}
	}
}
