package store_test

import (
	"context"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
)

// TestDeliveries is the shared behaviour of delivery storage: endpoints,
// the (order, request) key, tenant scoping, usage counters, overdue
// listing and destruction marks.
func TestDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		staff := storetest.Staff(context.Background(), auth.RoleOperator)
		sup, dem, other := newMember(9101), newMember(9102), newMember(9103)
		today := calendar.DateOf(time.Now())
		o := market.NewOrder(auth.NewID("ord_"), market.Terms{Demander: dem.ID, Supplier: sup.ID,
			Term: market.Term{Start: today, End: today.AddDays(30)}, Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 1}}, time.Now())
		err := db.Transact(staff, func(tx *store.Tx) error {
			if err := tx.CreateMember(staff, sup); err != nil {
				return err
			}
			if err := tx.CreateMember(staff, dem); err != nil {
				return err
			}
			if err := tx.CreateMember(staff, other); err != nil {
				return err
			}
			return tx.SaveOrder(staff, o, true)
		})
		if err != nil {
			t.Fatal(err)
		}
		supCtx, demCtx, otherCtx := storetest.AsMember(context.Background(), sup.ID), storetest.AsMember(context.Background(), dem.ID), storetest.AsMember(context.Background(), other.ID)

		// Endpoints: a member sets its own; anyone's is read for the relay.
		err = db.Transact(supCtx, func(tx *store.Tx) error {
			if err := tx.SetNodeEndpoint(supCtx, &store.NodeEndpoint{Member: dem.ID, URL: "http://x"}); !errs.Is(err, errs.NotFound) {
				t.Errorf("setting another member's endpoint: %v", err)
			}
			if err := tx.SetNodeEndpoint(supCtx, &store.NodeEndpoint{Member: sup.ID, URL: "http://a"}); err != nil {
				return err
			}
			return tx.SetNodeEndpoint(supCtx, &store.NodeEndpoint{Member: sup.ID, URL: "https://b:8443/n"})
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Read(demCtx, func(tx *store.Tx) error {
			if e, err := tx.NodeEndpoint(demCtx, sup.ID); err != nil || e.URL != "https://b:8443/n" {
				t.Errorf("endpoint %+v %v", e, err)
			}
			if _, err := tx.NodeEndpoint(demCtx, dem.ID); !errs.Is(err, errs.NotFound) {
				t.Errorf("unregistered endpoint: %v", err)
			}
			return nil
		})

		mk := func(req string, at time.Time, retain string) *store.Delivery {
			return &store.Delivery{OrderID: o.ID, RequestID: req, Demander: dem.ID, Supplier: sup.ID, Queried: 10, Matched: 4, ChargeFen: 4,
				Commitment: "c", TokensDigest: "t", SupplierSig: []byte{1, 2}, DeliveredAt: at, RetainUntil: retain, Seq: 7, Receipt: "r"}
		}
		past := today.AddDays(-1).String()
		err = db.Transact(demCtx, func(tx *store.Tx) error {
			for _, d := range []*store.Delivery{mk("a", tx.Now(), past), mk("b", tx.Now().Add(time.Second), today.String()), mk("c", tx.Now().Add(2*time.Second), past)} {
				if err := tx.InsertDelivery(demCtx, d); err != nil {
					return err
				}
			}
			u := store.DeliveryUsage{Queried: 10, Matched: 4, Requests: 1, ChargeFen: 4}
			for range 3 {
				if err := tx.AddDeliveryUsage(demCtx, o.ID, u, store.MonthPeriod("2026-12"), store.DayPeriod("2026-12-01")); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A repeated request (its own transaction: the violation aborts it
		// on PostgreSQL).
		err = db.Transact(demCtx, func(tx *store.Tx) error { return tx.InsertDelivery(demCtx, mk("a", tx.Now(), past)) })
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("a repeated request: %v", err)
		}
		err = db.Transact(otherCtx, func(tx *store.Tx) error {
			if err := tx.InsertDelivery(otherCtx, mk("x", tx.Now(), past)); !errs.Is(err, errs.NotFound) {
				t.Errorf("a stranger inserting: %v", err)
			}
			if _, err := tx.Delivery(otherCtx, o.ID, "a"); !errs.Is(err, errs.NotFound) {
				t.Errorf("a stranger reading: %v", err)
			}
			if ds, err := tx.Deliveries(otherCtx, store.DeliveryQuery{}); err != nil || len(ds) != 0 {
				t.Errorf("a stranger listing: %d %v", len(ds), err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Read(supCtx, func(tx *store.Tx) error {
			d, err := tx.Delivery(supCtx, o.ID, "a")
			if err != nil || d.Queried != 10 || d.Matched != 4 || string(d.SupplierSig) != "\x01\x02" || d.DestroySeq != 0 || !d.DestroyedAt.IsZero() {
				t.Errorf("delivery %+v %v", d, err)
			}
			if ds, err := tx.Deliveries(supCtx, store.DeliveryQuery{OrderID: o.ID}); err != nil || len(ds) != 3 || ds[0].RequestID != "c" {
				t.Errorf("supplier's list: %d %v", len(ds), err)
			}
			if u, err := tx.DeliveryUsage(supCtx, o.ID, store.MonthPeriod("2026-12")); err != nil || u != (store.DeliveryUsage{Queried: 30, Matched: 12, Requests: 3, ChargeFen: 12}) {
				t.Errorf("usage %+v %v", u, err)
			}
			if u, _ := tx.DeliveryUsage(supCtx, o.ID, store.DayPeriod("2026-12-02")); u != (store.DeliveryUsage{}) {
				t.Errorf("usage of an unused day %+v", u)
			}
			if n, err := tx.RecentDeliveries(supCtx, o.ID, tx.Now().Add(-time.Minute)); err != nil || n != 3 {
				t.Errorf("recent %d %v", n, err)
			}
			return nil
		})
		overdue := func() []string {
			var ids []string
			db.Read(staff, func(tx *store.Tx) error {
				ds, err := tx.Deliveries(staff, store.DeliveryQuery{Overdue: true, Today: today.String()})
				for _, d := range ds {
					ids = append(ids, d.RequestID)
				}
				return err
			})
			return ids
		}
		if got := overdue(); len(got) != 2 {
			t.Errorf("overdue %v, want a and c", got)
		}
		err = db.Transact(demCtx, func(tx *store.Tx) error {
			if ok, err := tx.MarkDestroyed(demCtx, o.ID, "a", tx.Now(), "deadline", 42); err != nil || !ok {
				t.Errorf("mark: %v %v", ok, err)
			}
			if ok, err := tx.MarkDestroyed(demCtx, o.ID, "a", tx.Now(), "request", 43); err != nil || ok {
				t.Errorf("mark again: %v %v", ok, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := overdue(); len(got) != 1 || got[0] != "c" {
			t.Errorf("overdue after destruction %v", got)
		}
		db.Read(demCtx, func(tx *store.Tx) error {
			if d, err := tx.Delivery(demCtx, o.ID, "a"); err != nil || d.DestroySeq != 42 || d.DestroyReason != "deadline" || d.DestroyedAt.IsZero() {
				t.Errorf("destroyed delivery %+v %v", d, err)
			}
			return nil
		})
	})
}
