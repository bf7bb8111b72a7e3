package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// DefaultDisputeDays is how many working days after the statement day a
// party may dispute a statement until the operator sets otherwise.
const DefaultDisputeDays = 10

// SettlementTerms are the operator's settlement terms.
type SettlementTerms struct {
	DisputeDays int
	UpdatedBy   string
	Updated     time.Time
}

// SettlementTerms returns the terms in force; the defaults if never set.
func (tx *Tx) SettlementTerms(ctx context.Context) (*SettlementTerms, error) {
	if _, _, err := tenant(ctx); err != nil {
		return nil, err
	}
	t := &SettlementTerms{}
	err := tx.queryRow(ctx, `SELECT dispute_working_days, updated_by, updated_at FROM settlement_terms WHERE id = 1`).Scan(&t.DisputeDays, &t.UpdatedBy, &t.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return &SettlementTerms{DisputeDays: DefaultDisputeDays}, nil
	}
	t.Updated = t.Updated.UTC()
	return t, err
}

// SaveSettlementTerms replaces the terms (platform staff).
func (tx *Tx) SaveSettlementTerms(ctx context.Context, t *SettlementTerms) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO settlement_terms (id, dispute_working_days, updated_by, updated_at) VALUES (1, $1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET dispute_working_days = excluded.dispute_working_days, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		t.DisputeDays, t.UpdatedBy, t.Updated)
	return err
}

// DisputeStatus is where a dispute stands.
type DisputeStatus string

// Dispute statuses: open until the operator answers it, by rejecting it
// with the evidence or by issuing a correction.
const (
	DisputeOpen      DisputeStatus = "open"
	DisputeRejected  DisputeStatus = "rejected"
	DisputeCorrected DisputeStatus = "corrected"
)

// Dispute is a party's dispute of a statement or one of its lines.
type Dispute struct {
	ID         string
	Statement  string // the statement disputed (the chain's latest then)
	Root       string
	Order      string // the line disputed, "" for the whole statement
	Party      string // the member that disputes
	Reason     string
	OpenedBy   string
	Opened     time.Time
	Seq        int64
	Status     DisputeStatus
	Answer     string
	AnsweredBy string
	Answered   time.Time
	Evidence   string // JSON: the receipts of the entries concerned
	Correction string // the correction issued, if any
	// From the statement: the parties, so that each sees the dispute.
	Demander, Supplier string
}

// InsertDispute records a new dispute.
func (tx *Tx) InsertDispute(ctx context.Context, d *Dispute) error {
	if err := partyTo(ctx, noDispute, d.Demander, d.Supplier); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO statement_disputes (id, statement_id, root_id, order_id, party_id, reason, opened_by, opened_at, seq, status)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, d.ID, d.Statement, d.Root, d.Order, d.Party, d.Reason, d.OpenedBy, d.Opened, d.Seq, string(d.Status))
	return err
}

// AnswerDispute records the operator's answer to an open dispute; one
// answered already is a Conflict.
func (tx *Tx) AnswerDispute(ctx context.Context, d *Dispute) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE statement_disputes SET status = $2, answer = $3, answered_by = $4, answered_at = $5, evidence = $6, correction_id = $7
		WHERE id = $1 AND status = 'open'`, d.ID, string(d.Status), d.Answer, d.AnsweredBy, d.Answered, d.Evidence, d.Correction)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, errs.New(errs.Conflict, "dispute", "该异议已答复", "the dispute was answered already"))
	}
	return nil
}

func noDispute() error {
	return errs.New(errs.NotFound, "dispute", "找不到该异议", "no such dispute")
}

// DisputeFilter selects disputes.
type DisputeFilter struct {
	ID     string
	Root   string        // one statement chain
	Status DisputeStatus // "" for all
	Limit  int           // default and at most 500
}

// Disputes lists disputes, newest first. A member sees those of its
// statements.
func (tx *Tx) Disputes(ctx context.Context, f DisputeFilter) ([]*Dispute, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT d.id, d.statement_id, d.root_id, d.order_id, d.party_id, d.reason, d.opened_by, d.opened_at, d.seq, d.status,
		d.answer, d.answered_by, d.answered_at, d.evidence, d.correction_id, s.demander_id, s.supplier_id
		FROM statement_disputes d JOIN statements s ON s.id = d.statement_id WHERE 1=1`
	var args []any
	if !all {
		args = append(args, own)
		q += " AND (s.demander_id = $1 OR s.supplier_id = $1)"
	}
	for _, c := range []struct{ col, v string }{{"d.id", f.ID}, {"d.root_id", f.Root}, {"d.status", string(f.Status)}} {
		if c.v != "" {
			args = append(args, c.v)
			q += " AND " + c.col + " = $" + itoa(len(args))
		}
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	rows, err := tx.query(ctx, q+" ORDER BY d.opened_at DESC, d.id LIMIT "+itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Dispute
	for rows.Next() {
		var d Dispute
		var status string
		var answered sql.NullTime
		if err := rows.Scan(&d.ID, &d.Statement, &d.Root, &d.Order, &d.Party, &d.Reason, &d.OpenedBy, &d.Opened, &d.Seq, &status,
			&d.Answer, &d.AnsweredBy, &answered, &d.Evidence, &d.Correction, &d.Demander, &d.Supplier); err != nil {
			return nil, err
		}
		d.Status, d.Opened, d.Answered = DisputeStatus(status), d.Opened.UTC(), fromNull(answered)
		out = append(out, &d)
	}
	return out, rows.Err()
}

// Dispute returns one dispute the caller may see.
func (tx *Tx) Dispute(ctx context.Context, id string) (*Dispute, error) {
	ds, err := tx.Disputes(ctx, DisputeFilter{ID: id})
	if err != nil {
		return nil, err
	}
	if len(ds) != 1 {
		return nil, noDispute()
	}
	return ds[0], nil
}
