package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// Rectification is a supplier's sealed notice of corrections or deletions
// for the demander of an order (X-P4, O-4), and the demander's attestation
// that it applied it.
type Rectification struct {
	NoticeID      string
	OrderID       string
	Supplier      string
	Demander      string
	Action        string // delete, correct
	Subjects      int64
	Sealed        []byte
	Authenticator []byte
	SentSeq       int64
	SentAt        time.Time
	Applied       int64
	Absent        int64
	AppliedSeq    int64
	AppliedAt     time.Time // zero until attested
}

const rectificationColumns = `notice_id, order_id, supplier, demander, action, subjects, sealed, authenticator, sent_seq, sent_at, applied, absent, applied_seq, applied_at`

func noRectification() error {
	return errs.New(errs.NotFound, "notice_id", "找不到该更正或删除通知", "no such correction or deletion notice")
}

// InsertRectification records a notice the supplier sent.
func (tx *Tx) InsertRectification(ctx context.Context, r *Rectification) error {
	if err := partyTo(ctx, noRectification, r.Supplier); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO rectifications (notice_id, order_id, supplier, demander, action, subjects, sealed, authenticator, sent_seq, sent_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, r.NoticeID, r.OrderID, r.Supplier, r.Demander, r.Action, r.Subjects, r.Sealed, r.Authenticator, r.SentSeq, r.SentAt.UTC())
	return err
}

// RectificationByID reads one notice; one the actor is not party to is
// NotFound.
func (tx *Tx) RectificationByID(ctx context.Context, id string, forUpdate bool) (*Rectification, error) {
	if _, _, err := tenant(ctx); err != nil {
		return nil, err
	}
	q := `SELECT ` + rectificationColumns + ` FROM rectifications WHERE notice_id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	r, err := scanRectification(tx.queryRow(ctx, q, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noRectification()
	}
	if err != nil {
		return nil, err
	}
	if err := partyTo(ctx, noRectification, r.Supplier, r.Demander); err != nil {
		return nil, err
	}
	return r, nil
}

// PendingRectifications lists the notices not yet attested that were sent
// to the actor's member, oldest first.
func (tx *Tx) PendingRectifications(ctx context.Context, limit int) ([]*Rectification, error) {
	own, _, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if own == "" {
		// Staff hold no node: nothing is pending for them.
		return nil, nil
	}
	rows, err := tx.query(ctx, `SELECT `+rectificationColumns+` FROM rectifications WHERE demander = $1 AND applied_at IS NULL ORDER BY sent_seq LIMIT $2`, own, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Rectification
	for rows.Next() {
		r, err := scanRectification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AttestRectification records the demander's attestation of a notice the
// caller read for update.
func (tx *Tx) AttestRectification(ctx context.Context, r *Rectification) error {
	if err := partyTo(ctx, noRectification, r.Demander); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE rectifications SET applied = $2, absent = $3, applied_seq = $4, applied_at = $5 WHERE notice_id = $1 AND applied_at IS NULL`,
		r.NoticeID, r.Applied, r.Absent, r.AppliedSeq, r.AppliedAt.UTC())
	return err
}

func scanRectification(s interface{ Scan(...any) error }) (*Rectification, error) {
	var r Rectification
	var seq sql.NullInt64
	var at sql.NullTime
	if err := s.Scan(&r.NoticeID, &r.OrderID, &r.Supplier, &r.Demander, &r.Action, &r.Subjects, &r.Sealed, &r.Authenticator,
		&r.SentSeq, &r.SentAt, &r.Applied, &r.Absent, &seq, &at); err != nil {
		return nil, err
	}
	r.AppliedSeq = seq.Int64
	if at.Valid {
		r.AppliedAt = at.Time.UTC()
	}
	r.SentAt = r.SentAt.UTC()
	return &r, nil
}
