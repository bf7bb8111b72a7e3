package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"hulian/internal/errs"
)

// OrderDispute is a dispute between the members of an order (X-G4).
type OrderDispute struct {
	ID         string
	Order      string
	Party      string // the member who opened it
	Other      string // the order's other member
	Reason     string
	Suspended  bool // the order was suspended when it was opened
	OpenedBy   string
	Opened     time.Time
	Status     string // open, settled
	Evidence   []byte // the receipts extracted, JSON; nil before
	EvidenceAt time.Time
	Notes      []MediationNote
	Outcome    string
	SettledBy  string
	Settled    time.Time
}

// MediationNote is one note of a mediation.
type MediationNote struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Text string    `json:"text"`
}

// Order dispute states.
const (
	OrderDisputeOpen    = "open"
	OrderDisputeSettled = "settled"
)

const orderDisputeColumns = `id, order_id, party_id, other_id, reason, suspended, opened_by, opened_at, status, evidence, evidence_at, notes, outcome, settled_by, settled_at`

// InsertOrderDispute records a dispute: by one of the order's members.
func (tx *Tx) InsertOrderDispute(ctx context.Context, d *OrderDispute) error {
	if err := canSee(ctx, d.Party); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO order_disputes (id, order_id, party_id, other_id, reason, suspended, opened_by, opened_at, status)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, d.ID, d.Order, d.Party, d.Other, d.Reason, d.Suspended, d.OpenedBy, d.Opened, d.Status)
	return err
}

// UpdateOrderDispute stores the mediation's progress (staff). A settled
// dispute is not changed: Conflict.
func (tx *Tx) UpdateOrderDispute(ctx context.Context, d *OrderDispute) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	notes, err := json.Marshal(d.Notes)
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE order_disputes SET status = $2, evidence = $3, evidence_at = $4, notes = $5, outcome = $6, settled_by = $7, settled_at = $8
		WHERE id = $1 AND status = 'open'`, d.ID, d.Status, string(d.Evidence), nullTime(d.EvidenceAt), string(notes), d.Outcome, d.SettledBy, nullTime(d.Settled))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.Conflict, "dispute", "该纠纷已调解完毕", "the dispute is settled")
		}
		return err
	}
	return nil
}

func scanOrderDispute(sc interface{ Scan(...any) error }) (*OrderDispute, error) {
	d := &OrderDispute{}
	var evidence, notes string
	var evAt, settled sql.NullTime
	if err := sc.Scan(&d.ID, &d.Order, &d.Party, &d.Other, &d.Reason, &d.Suspended, &d.OpenedBy, &d.Opened, &d.Status, &evidence, &evAt,
		&notes, &d.Outcome, &d.SettledBy, &settled); err != nil {
		return nil, err
	}
	if evidence != "" {
		d.Evidence = []byte(evidence)
	}
	if err := json.Unmarshal([]byte(notes), &d.Notes); err != nil {
		return nil, err
	}
	d.EvidenceAt, d.Settled = fromNull(evAt), fromNull(settled)
	return d, nil
}

// OrderDispute returns one dispute: staff any, a member one of its
// order's (another's is NotFound).
func (tx *Tx) OrderDispute(ctx context.Context, id string, forUpdate bool) (*OrderDispute, error) {
	q := `SELECT ` + orderDisputeColumns + ` FROM order_disputes WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	d, err := scanOrderDispute(tx.queryRow(ctx, q, id))
	missing := errs.New(errs.NotFound, "dispute", "找不到该纠纷", "no such dispute")
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	if err := partyTo(ctx, func() error { return missing }, d.Party, d.Other); err != nil {
		return nil, err
	}
	return d, nil
}

// OpenOrderDispute returns the open dispute of an order, NotFound if none.
func (tx *Tx) OpenOrderDispute(ctx context.Context, order string) (*OrderDispute, error) {
	d, err := scanOrderDispute(tx.queryRow(ctx, `SELECT `+orderDisputeColumns+` FROM order_disputes WHERE order_id = $1 AND status = 'open'`, order))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "dispute", "该订单没有进行中的纠纷", "the order has no open dispute")
	}
	return d, err
}

// OrderDisputes lists disputes, open first then newest: staff all, a
// member those of its orders.
func (tx *Tx) OrderDisputes(ctx context.Context, limit int) ([]*OrderDispute, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	q, args := `SELECT `+orderDisputeColumns+` FROM order_disputes`, []any{}
	if !all {
		q, args = q+` WHERE party_id = $1 OR other_id = $1`, append(args, own)
	}
	args = append(args, pageSize(limit))
	rows, err := tx.query(ctx, q+` ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, opened_at DESC LIMIT $`+itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*OrderDispute
	for rows.Next() {
		d, err := scanOrderDispute(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
