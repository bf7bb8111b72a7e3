package demand

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/ordertoken"
)

// Retention (数据留存期限, X-P12, DESIGN.md protocol step 6): every
// delivery the node receives is recorded with its deadline; once the
// deadline has passed the node deletes the result files it wrote, marks the
// delivery destroyed and attests the destruction to the platform's log.

// Destruction reasons, as AttestDestruction takes them.
const (
	ReasonDeadline = "deadline"
	ReasonRequest  = "request"
)

// Deliveries lists the deliveries the node received, the latest first;
// orderID "" lists every order's.
func (n *Side) Deliveries(ctx context.Context, orderID string, limit int) ([]*nodestore.Delivery, error) {
	var ds []*nodestore.Delivery
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		ds, err = tx.Deliveries(ctx, nodestore.DeliveryFilter{OrderID: orderID, Limit: limit})
		return err
	})
	return ds, err
}

// Sweep is what one retention sweep did.
type Sweep struct {
	Destroyed    int   // deliveries destroyed now
	FilesDeleted int   // result files deleted
	Attested     int   // deliveries whose destruction the platform recorded now
	Unattested   int   // destroyed deliveries still to attest (the platform was unreachable)
	AttestErr    error // why attesting failed, if it did
}

// SweepDeliveries destroys the deliveries whose retention deadline has
// passed (the Asia/Shanghai date is after retain_until), and attests every
// destruction not yet attested. A platform that cannot be reached is not
// an error: the destruction stands, and the next sweep attests it.
func (n *Side) SweepDeliveries(ctx context.Context) (Sweep, error) {
	today := calendar.DateOf(n.Now()).String()
	var due []*nodestore.Delivery
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		due, err = tx.Deliveries(ctx, nodestore.DeliveryFilter{Live: true, DueBefore: today})
		return err
	})
	if err != nil {
		return Sweep{}, err
	}
	var s Sweep
	if len(due) > 0 {
		s.Destroyed, s.FilesDeleted, err = n.destroy(ctx, due, ReasonDeadline)
		if err != nil {
			return s, err
		}
	}
	s.Attested, s.Unattested, s.AttestErr = n.attest(ctx, "")
	return s, nil
}

// DestroyDeliveries destroys every live delivery of an order at once (on
// the member's request) and attests it; it returns how many it destroyed.
// The destruction stands even if the platform cannot be reached; the
// error then says so and the node's sweep attests it later.
func (n *Side) DestroyDeliveries(ctx context.Context, orderID string) (Sweep, error) {
	if err := ordertoken.CheckOrderID(orderID); err != nil {
		return Sweep{}, err
	}
	var live []*nodestore.Delivery
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		live, err = tx.Deliveries(ctx, nodestore.DeliveryFilter{OrderID: orderID, Live: true})
		return err
	})
	if err != nil {
		return Sweep{}, err
	}
	var s Sweep
	s.Destroyed, s.FilesDeleted, err = n.destroy(ctx, live, ReasonRequest)
	if err != nil {
		return s, err
	}
	s.Attested, s.Unattested, s.AttestErr = n.attest(ctx, orderID)
	return s, nil
}

// destroy deletes the files of ds and marks them destroyed. A file shared
// with deliveries not in ds (the chunks of one batch run write one file)
// takes those deliveries with it: the data is gone for them too.
func (n *Side) destroy(ctx context.Context, ds []*nodestore.Delivery, reason string) (destroyed, deleted int, err error) {
	var live []*nodestore.Delivery
	err = n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		live, err = tx.Deliveries(ctx, nodestore.DeliveryFilter{Live: true})
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	files := map[string]bool{}
	set := map[[2]string]*nodestore.Delivery{}
	for _, d := range ds {
		set[[2]string{d.OrderID, d.RequestID}] = d
		for _, f := range d.Files {
			files[f] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, d := range live {
			if set[[2]string{d.OrderID, d.RequestID}] != nil || !slices.ContainsFunc(d.Files, func(f string) bool { return files[f] }) {
				continue
			}
			set[[2]string{d.OrderID, d.RequestID}] = d
			for _, f := range d.Files {
				files[f] = true
			}
			changed = true
		}
	}
	// Files first: a delivery is marked destroyed only once its data is.
	var names []string
	for f := range files {
		names = append(names, f)
	}
	slices.Sort(names)
	for _, f := range names {
		for _, p := range []string{f, f + queryStateSuffix} {
			switch err := os.Remove(p); {
			case err == nil:
				if p == f {
					deleted++
				}
			case errors.Is(err, fs.ErrNotExist):
			default:
				return 0, deleted, errs.New(errs.FailedPrecondition, "files", "无法删除配送结果文件 "+p+"："+err.Error(), "cannot delete the delivery's result file "+p+": "+err.Error())
			}
		}
	}
	now := n.Now().UTC()
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		destroyed = 0
		orders := map[string]int{}
		for _, d := range set {
			ok, err := tx.MarkDestroyed(ctx, d.OrderID, d.RequestID, reason, now)
			if err != nil {
				return err
			}
			if ok {
				destroyed++
				orders[d.OrderID]++
			}
		}
		for _, o := range sortedKeys(orders) {
			if err := tx.Record(ctx, nodestore.EventDeliveryDestroyed, fmt.Sprintf("order=%s deliveries=%d reason=%s files=%d", o, orders[o], reason, deleted)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && destroyed > 0 {
		n.Logger().Info("destroyed delivered data", "deliveries", destroyed, "files", deleted, "reason", reason)
	}
	return destroyed, deleted, err
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// maxAttest bounds the request IDs of one attestation call.
const maxAttest = 1000

// attest reports destroyed, unattested deliveries (of one order, or all)
// to the platform, grouped by order, reason and time of destruction.
func (n *Side) attest(ctx context.Context, orderID string) (attested, left int, err error) {
	var ds []*nodestore.Delivery
	err = n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		ds, err = tx.Deliveries(ctx, nodestore.DeliveryFilter{OrderID: orderID, Unattested: true})
		return err
	})
	if err != nil || len(ds) == 0 {
		return 0, 0, err
	}
	dp, err := n.Delivery()
	if err != nil {
		return 0, len(ds), err
	}
	type group struct {
		order, reason string
		at            time.Time
		ids           []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, d := range ds {
		key := d.OrderID + "\x00" + d.DestroyReason + "\x00" + d.DestroyedAt.Format(time.RFC3339Nano)
		g := byKey[key]
		if g == nil || len(g.ids) == maxAttest {
			g = &group{order: d.OrderID, reason: d.DestroyReason, at: *d.DestroyedAt}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, d.RequestID)
	}
	left = len(ds)
	for _, g := range groups {
		slices.Sort(g.ids)
		seq, aerr := dp.AttestDestruction(ctx, g.order, g.ids, g.reason, g.at)
		if aerr != nil {
			n.Logger().Warn("could not attest a destruction to the platform; the next sweep retries", "order", g.order, "deliveries", len(g.ids), "err", aerr)
			err = aerr
			continue
		}
		if terr := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			for _, id := range g.ids {
				if err := tx.MarkAttested(ctx, g.order, id, seq); err != nil {
					return err
				}
			}
			return tx.Record(ctx, nodestore.EventDeliveryAttested, fmt.Sprintf("order=%s deliveries=%d reason=%s seq=%d", g.order, len(g.ids), g.reason, seq))
		}); terr != nil {
			return attested, left, terr
		}
		attested += len(g.ids)
		left -= len(g.ids)
	}
	return attested, left, err
}
