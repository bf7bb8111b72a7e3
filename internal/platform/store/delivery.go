package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"hulian/internal/errs"
)

// NodeEndpoint is where a member's node answers relayed delivery requests.
type NodeEndpoint struct {
	Member  string
	URL     string
	Updated time.Time
}

// SetNodeEndpoint records (or replaces) the calling member's node URL.
func (tx *Tx) SetNodeEndpoint(ctx context.Context, e *NodeEndpoint) error {
	if err := canSee(ctx, e.Member); err != nil {
		return err
	}
	e.Updated = tx.Now()
	_, err := tx.exec(ctx, `INSERT INTO node_endpoints (member_id, url, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (member_id) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at`, e.Member, e.URL, e.Updated)
	return err
}

// NodeEndpoint returns a member's registered node URL. It is read for the
// other party of an order (the relay forwards to the supplier's node), so
// it is not tenant-scoped: the URL is operational data, not the member's
// business, and the caller has already checked the order.
func (tx *Tx) NodeEndpoint(ctx context.Context, member string) (*NodeEndpoint, error) {
	e := NodeEndpoint{Member: member}
	err := tx.queryRow(ctx, `SELECT url, updated_at FROM node_endpoints WHERE member_id = $1`, member).Scan(&e.URL, &e.Updated)
	if err != nil {
		return nil, notFound(err, "endpoint", "成员 "+member+" 的节点尚未登记接入地址", "member "+member+"'s node has not registered its endpoint")
	}
	e.Updated = e.Updated.UTC()
	return &e, nil
}

// Delivery is one metered delivery as the platform records it: counts,
// charge and hashes, never tokens, exIDs or values.
type Delivery struct {
	OrderID       string
	RequestID     string
	Demander      string
	Supplier      string
	Queried       int64
	Matched       int64
	ChargeFen     int64
	Commitment    string // the digest of the sealed answer, hex: SHA-256, or SM3 under the 国密 profile
	TokensDigest  string // the digest of the tokens asked, hex, under the same hash
	SupplierSig   []byte // the supplier node's signature of the answer statement
	DeliveredAt   time.Time
	RetainUntil   string // YYYY-MM-DD, Asia/Shanghai
	Seq           int64  // its delivery.completed log entry
	Receipt       string // the platform's signed receipt
	DestroyedAt   time.Time
	DestroyReason string
	DestroySeq    int64 // its delivery.destroyed log entry, 0 if none
	// AuthzDigest is the digest (hex, the same hash) of the request's commitments to
	// its subjects' query authorisations (X-E10) and AuthzLevel the level
	// declared; "" and 0 when the order needed none and none were sent.
	AuthzDigest string
	AuthzLevel  int
}

func deliveryNotFound() error {
	return errs.New(errs.NotFound, "request_id", "找不到该配送记录", "no such delivery")
}

const deliveryColumns = `order_id, request_id, demander_id, supplier_id, queried, matched, charge_fen, commitment, tokens_digest,
	supplier_signature, delivered_at, retain_until, seq, receipt, destroyed_at, destroy_reason, destroy_seq, authz_digest, authz_level`

func scanDelivery(row interface{ Scan(...any) error }) (*Delivery, error) {
	var d Delivery
	var destroyed sql.NullTime
	var destroySeq sql.NullInt64
	err := row.Scan(&d.OrderID, &d.RequestID, &d.Demander, &d.Supplier, &d.Queried, &d.Matched, &d.ChargeFen, &d.Commitment, &d.TokensDigest,
		&d.SupplierSig, &d.DeliveredAt, &d.RetainUntil, &d.Seq, &d.Receipt, &destroyed, &d.DestroyReason, &destroySeq, &d.AuthzDigest, &d.AuthzLevel)
	if err != nil {
		return nil, err
	}
	d.DeliveredAt, d.DestroyedAt, d.DestroySeq = d.DeliveredAt.UTC(), fromNull(destroyed), destroySeq.Int64
	return &d, nil
}

// InsertDelivery records a delivery. A repeated (order, request) is a
// Conflict; the caller looks the first one up before charging.
func (tx *Tx) InsertDelivery(ctx context.Context, d *Delivery) error {
	if err := partyTo(ctx, deliveryNotFound, d.Demander, d.Supplier); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO deliveries (`+deliveryColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)`,
		d.OrderID, d.RequestID, d.Demander, d.Supplier, d.Queried, d.Matched, d.ChargeFen, d.Commitment, d.TokensDigest,
		d.SupplierSig, d.DeliveredAt.UTC(), d.RetainUntil, d.Seq, d.Receipt, nullTime(d.DestroyedAt), d.DestroyReason, nullInt(d.DestroySeq),
		d.AuthzDigest, d.AuthzLevel)
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "request_id", "该订单的请求编号 "+d.RequestID+" 已配送", "request ID "+d.RequestID+" of this order was already delivered")
	}
	return err
}

func nullInt(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v != 0} }

// Delivery returns a delivery of an order the actor is party to.
func (tx *Tx) Delivery(ctx context.Context, orderID, requestID string) (*Delivery, error) {
	d, err := scanDelivery(tx.queryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE order_id = $1 AND request_id = $2`, orderID, requestID))
	if err != nil {
		return nil, notFound(err, "request_id", "找不到请求编号为 "+requestID+" 的配送", "no delivery with request ID "+requestID)
	}
	if err := partyTo(ctx, deliveryNotFound, d.Demander, d.Supplier); err != nil {
		return nil, err
	}
	return d, nil
}

// DeliveryQuery narrows Deliveries.
type DeliveryQuery struct {
	OrderID string
	// Overdue lists deliveries whose retention ended before Today and that
	// have no destruction attestation.
	Overdue bool
	Today   string // YYYY-MM-DD, Asia/Shanghai; required with Overdue
	Limit   int
}

// Deliveries lists the deliveries the actor may see, newest first: a
// member those it is party to, staff all.
func (tx *Tx) Deliveries(ctx context.Context, q DeliveryQuery) ([]*Delivery, error) {
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
	if q.OrderID != "" {
		where = append(where, "order_id = "+arg(q.OrderID))
	}
	if q.Overdue {
		where = append(where, "destroyed_at IS NULL", "retain_until < "+arg(q.Today))
	}
	q.Limit = pageSize(q.Limit)
	sqlq := `SELECT ` + deliveryColumns + ` FROM deliveries`
	if len(where) > 0 {
		sqlq += ` WHERE ` + strings.Join(where, " AND ")
	}
	sqlq += ` ORDER BY delivered_at DESC, order_id, request_id LIMIT ` + arg(q.Limit)
	rows, err := tx.query(ctx, sqlq, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkDestroyed records the destruction of a delivery not yet marked so,
// reporting whether it changed anything. The caller has checked that the
// actor is the delivery's demander.
func (tx *Tx) MarkDestroyed(ctx context.Context, orderID, requestID string, at time.Time, reason string, seq int64) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE deliveries SET destroyed_at = $3, destroy_reason = $4, destroy_seq = $5
		WHERE order_id = $1 AND request_id = $2 AND destroyed_at IS NULL`, orderID, requestID, at.UTC(), reason, seq)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeliveryUsage is an order's delivered counts in one period.
type DeliveryUsage struct {
	Queried, Matched, Requests, ChargeFen int64
}

// MonthPeriod is the usage key of a billing month (YYYY-MM).
func MonthPeriod(yyyymm string) string { return "month:" + yyyymm }

// DayPeriod is the usage key of a business day.
func DayPeriod(date string) string { return "day:" + date }

// DeliveryUsage returns an order's counts in a period (zero if none).
func (tx *Tx) DeliveryUsage(ctx context.Context, orderID, period string) (DeliveryUsage, error) {
	if _, _, err := tenant(ctx); err != nil {
		return DeliveryUsage{}, err
	}
	var u DeliveryUsage
	err := tx.queryRow(ctx, `SELECT queried, matched, requests, charge_fen FROM delivery_usage WHERE order_id = $1 AND period = $2`, orderID, period).
		Scan(&u.Queried, &u.Matched, &u.Requests, &u.ChargeFen)
	if err == sql.ErrNoRows {
		return DeliveryUsage{}, nil
	}
	return u, err
}

// AddDeliveryUsage adds a delivery's counts to an order's periods.
func (tx *Tx) AddDeliveryUsage(ctx context.Context, orderID string, d DeliveryUsage, periods ...string) error {
	if _, _, err := tenant(ctx); err != nil {
		return err
	}
	for _, p := range periods {
		_, err := tx.exec(ctx, `INSERT INTO delivery_usage (order_id, period, queried, matched, requests, charge_fen) VALUES ($1,$2,$3,$4,$5,$6)
			ON CONFLICT (order_id, period) DO UPDATE SET queried = delivery_usage.queried + excluded.queried,
			matched = delivery_usage.matched + excluded.matched, requests = delivery_usage.requests + excluded.requests,
			charge_fen = delivery_usage.charge_fen + excluded.charge_fen`, orderID, p, d.Queried, d.Matched, d.Requests, d.ChargeFen)
		if err != nil {
			return err
		}
	}
	return nil
}

// RecentDeliveries counts an order's deliveries at or after since (the
// per-minute traversal limit).
func (tx *Tx) RecentDeliveries(ctx context.Context, orderID string, since time.Time) (int64, error) {
	if _, _, err := tenant(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE order_id = $1 AND delivered_at >= $2`, orderID, since.UTC()).Scan(&n)
	return n, err
}
