package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/market"
)

// Tenant rules of the market: a demander sees its own demands, and every
// logged-in member sees open demands (that is the market suppliers answer);
// an offer is seen by its supplier and by the demander it answers; an order
// by its two parties. Staff see everything. Another tenant's object is
// reported as absent.

func demandNotFound() error {
	return errs.New(errs.NotFound, "demand", "找不到该需求", "no such demand")
}
func offerNotFound() error {
	return errs.New(errs.NotFound, "offer", "找不到该报价", "no such offer")
}
func orderNotFound() error {
	return errs.New(errs.NotFound, "order", "找不到该订单", "no such order")
}

func marketBody[T any](row interface{ Scan(...any) error }) (*T, error) {
	var body []byte
	if err := row.Scan(&body); err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, err
	}
	return v, nil
}

func marketBodies[T any](rows *sql.Rows, err error) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := marketBody[T](rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// oneRow turns an UPDATE that matched nothing into notFound.
func oneRow(notFound func() error) func(sql.Result, error) error {
	return func(res sql.Result, err error) error {
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound()
		}
		return nil
	}
}

// SaveDemand inserts or replaces a demand; only its member (or staff) may.
func (tx *Tx) SaveDemand(ctx context.Context, d *market.Demand, insert bool) error {
	if err := partyTo(ctx, demandNotFound, d.MemberID); err != nil {
		return err
	}
	d.Updated = tx.Now()
	if insert {
		d.Created = tx.Now()
	}
	body, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(ctx, `INSERT INTO demands (id, member_id, status, body, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6)`,
			d.ID, d.MemberID, string(d.Status), body, d.Created, d.Updated)
		return err
	}
	return oneRow(demandNotFound)(tx.exec(ctx, `UPDATE demands SET status=$3, body=$4, updated_at=$5 WHERE id=$1 AND member_id=$2`,
		d.ID, d.MemberID, string(d.Status), body, d.Updated))
}

// Demand returns a demand the actor may see; forUpdate locks it.
func (tx *Tx) Demand(ctx context.Context, id string, forUpdate bool) (*market.Demand, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT body FROM demands WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	d, err := marketBody[market.Demand](tx.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "demand", "找不到该需求", "no such demand")
	}
	if !all && d.MemberID != own && d.Status != market.DemandOpen {
		return nil, demandNotFound()
	}
	return d, nil
}

// DemandQuery narrows Demands.
type DemandQuery struct {
	Mine   bool                // only the actor's member's own demands
	Status market.DemandStatus // "" for any the actor may see
	Limit  int
}

// Demands lists the demands the actor may see, newest first.
func (tx *Tx) Demands(ctx context.Context, q DemandQuery) ([]*market.Demand, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	switch {
	case q.Mine:
		where = append(where, "member_id = "+arg(own))
	case !all:
		where = append(where, "(member_id = "+arg(own)+" OR status = "+arg(string(market.DemandOpen))+")")
	}
	if q.Status != "" {
		where = append(where, "status = "+arg(string(q.Status)))
	}
	return marketBodies[market.Demand](tx.query(ctx, marketList("demands", where, q.Limit, arg), args...))
}

func marketList(table string, where []string, limit int, arg func(any) string) string {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	s := `SELECT body FROM ` + table
	if len(where) > 0 {
		s += " WHERE " + strings.Join(where, " AND ")
	}
	return s + " ORDER BY created_at DESC, id LIMIT " + arg(limit)
}

// SaveOffer inserts or replaces an offer: its supplier makes and changes
// it, the demander's selection changes its status, staff may do either.
func (tx *Tx) SaveOffer(ctx context.Context, o *market.Offer, insert bool) error {
	if err := partyTo(ctx, offerNotFound, o.SupplierID, o.DemanderID); err != nil {
		return err
	}
	o.Updated = tx.Now()
	if insert {
		o.Created = tx.Now()
	}
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(ctx, `INSERT INTO offers (id, demand_id, listing_id, supplier_id, demander_id, status, body, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, o.ID, o.DemandID, o.ListingID, o.SupplierID, o.DemanderID, string(o.Status), body, o.Created, o.Updated)
		if err != nil && tx.Eng.IsUniqueViolation(err) {
			return errs.New(errs.Conflict, "listing", "该挂牌已对此需求报价，请修改原报价", "this listing already has an offer for the demand; change that offer")
		}
		return err
	}
	return oneRow(offerNotFound)(tx.exec(ctx, `UPDATE offers SET status=$2, body=$3, updated_at=$4 WHERE id=$1`,
		o.ID, string(o.Status), body, o.Updated))
}

// Offer returns an offer the actor may see; forUpdate locks it.
func (tx *Tx) Offer(ctx context.Context, id string, forUpdate bool) (*market.Offer, error) {
	if _, _, err := tenant(ctx); err != nil {
		return nil, err
	}
	q := `SELECT body FROM offers WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	o, err := marketBody[market.Offer](tx.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "offer", "找不到该报价", "no such offer")
	}
	if err := partyTo(ctx, offerNotFound, o.SupplierID, o.DemanderID); err != nil {
		return nil, err
	}
	return o, nil
}

// OfferOn returns the offer of a listing on a demand, if the actor may see it.
func (tx *Tx) OfferOn(ctx context.Context, demandID, listingID string) (*market.Offer, error) {
	var id string
	err := tx.queryRow(ctx, `SELECT id FROM offers WHERE demand_id = $1 AND listing_id = $2`, demandID, listingID).Scan(&id)
	if err != nil {
		return nil, notFound(err, "offer", "找不到该报价", "no such offer")
	}
	return tx.Offer(ctx, id, true)
}

// Offers lists the offers on a demand the actor may see, lowest listed
// price first: all of them for the demander and staff, its own for a
// supplier.
func (tx *Tx) Offers(ctx context.Context, demandID string) ([]*market.Offer, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT body FROM offers WHERE demand_id = $1`
	args := []any{demandID}
	if !all {
		q += ` AND (demander_id = $2 OR supplier_id = $2)`
		args = append(args, own)
	}
	return marketBodies[market.Offer](tx.query(ctx, q+` ORDER BY created_at, id`, args...))
}

// SaveOrder inserts or replaces an order; only its parties (or staff) may.
func (tx *Tx) SaveOrder(ctx context.Context, o *market.Order, insert bool) error {
	if err := partyTo(ctx, orderNotFound, o.Terms.Demander, o.Terms.Supplier); err != nil {
		return err
	}
	o.Updated = tx.Now()
	if insert {
		o.Created = tx.Now()
	}
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.exec(ctx, `INSERT INTO orders (id, demand_id, offer_id, demander_id, supplier_id, status, terms_hash, ends_at, body, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, o.ID, o.Terms.DemandID, o.Terms.OfferID, o.Terms.Demander, o.Terms.Supplier,
			string(o.Status), o.TermsHash, o.Terms.Term.Ends().UTC(), body, o.Created, o.Updated)
		return err
	}
	return oneRow(orderNotFound)(tx.exec(ctx, `UPDATE orders SET status=$2, body=$3, updated_at=$4 WHERE id=$1`,
		o.ID, string(o.Status), body, o.Updated))
}

// Order returns an order the actor may see; forUpdate locks it, which is
// what makes two simultaneous signatures of one order consistent.
func (tx *Tx) Order(ctx context.Context, id string, forUpdate bool) (*market.Order, error) {
	if _, _, err := tenant(ctx); err != nil {
		return nil, err
	}
	q := `SELECT body FROM orders WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	o, err := marketBody[market.Order](tx.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "order", "找不到该订单", "no such order")
	}
	if err := partyTo(ctx, orderNotFound, o.Terms.Demander, o.Terms.Supplier); err != nil {
		return nil, err
	}
	return o, nil
}

// OrderQuery narrows Orders.
type OrderQuery struct {
	Status market.Status // as stored; "" for any
	Limit  int
}

// Orders lists the orders the actor may see, newest first.
func (tx *Tx) Orders(ctx context.Context, q OrderQuery) ([]*market.Order, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + itoa(len(args)) }
	if !all {
		a := arg(own)
		where = append(where, "(demander_id = "+a+" OR supplier_id = "+a+")")
	}
	if q.Status != "" {
		where = append(where, "status = "+arg(string(q.Status)))
	}
	return marketBodies[market.Order](tx.query(ctx, marketList("orders", where, q.Limit, arg), args...))
}

// EndedOrders lists the orders recorded active whose term ended before now
// (staff only: the expiry sweep), locked for the update that records it.
func (tx *Tx) EndedOrders(ctx context.Context, now time.Time, limit int) ([]*market.Order, error) {
	if _, all, err := tenant(ctx); err != nil || !all {
		return nil, errs.New(errs.PermissionDenied, "", "仅平台可执行到期处理", "only the platform runs the expiry sweep")
	}
	return marketBodies[market.Order](tx.query(ctx, `SELECT body FROM orders WHERE status = $1 AND ends_at <= $2 ORDER BY ends_at, id LIMIT $3`+tx.Eng.ForUpdate(),
		string(market.Active), now.UTC(), limit))
}
