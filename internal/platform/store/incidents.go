package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"hulian/internal/errs"
)

// Incident is a member's report of a security incident (X-P6, X-P14,
// C-13) and the steps it took since.
type Incident struct {
	ID              string
	Member          string
	Kind            string // leak, tampering, loss, unauthorised_access, availability, other
	Title           string
	Description     string
	Grade           string // general, significant, major, critical
	Affected        int64  // people affected, as far as known
	AffectsExchange bool
	Orders          []string // orders concerned, the member's own
	Found           time.Time
	ReportedBy      string
	Reported        time.Time
	AuthorityDue    time.Time // zero when the grade needs no authority report
	AuthorityName   string
	AuthorityRef    string
	AuthorityAt     time.Time
	NotifiedCount   int64
	NoticeMethod    string // how the people were told, or why they were not
	NotifiedAt      time.Time
	Remediation     string
	RemediatedAt    time.Time
	// The people's compensation (X-P6): how many, the total, and how — or
	// why none was paid.
	CompensatedCount int64
	CompensationFen  int64
	CompensationNote string
	CompensatedAt    time.Time
	ClosingNote      string
	Closed           time.Time
}

const incidentColumns = `id, member_id, kind, title, description, grade, affected, affects_exchange, orders, found_at, reported_by, reported_at,
	authority_due, authority_name, authority_ref, authority_reported_at, notified_count, notice_method, notified_at,
	remediation, remediated_at, closing_note, closed_at, compensated_count, compensation_fen, compensation_note, compensated_at`

// InsertIncident records a member's incident report: the member's own
// only.
func (tx *Tx) InsertIncident(ctx context.Context, in *Incident) error {
	if err := canSee(ctx, in.Member); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO incidents (`+incidentColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27)`,
		incidentArgs(in)...)
	return err
}

func incidentArgs(in *Incident) []any {
	return []any{in.ID, in.Member, in.Kind, in.Title, in.Description, in.Grade, in.Affected, in.AffectsExchange, strings.Join(in.Orders, ","),
		in.Found, in.ReportedBy, in.Reported, nullTime(in.AuthorityDue), in.AuthorityName, in.AuthorityRef, nullTime(in.AuthorityAt),
		in.NotifiedCount, in.NoticeMethod, nullTime(in.NotifiedAt), in.Remediation, nullTime(in.RemediatedAt), in.ClosingNote, nullTime(in.Closed),
		in.CompensatedCount, in.CompensationFen, in.CompensationNote, nullTime(in.CompensatedAt)}
}

// UpdateIncident stores an incident's steps (its member only). A closed
// incident is not changed: Conflict.
func (tx *Tx) UpdateIncident(ctx context.Context, in *Incident) error {
	if err := canSee(ctx, in.Member); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE incidents SET authority_name = $2, authority_ref = $3, authority_reported_at = $4, notified_count = $5,
		notice_method = $6, notified_at = $7, remediation = $8, remediated_at = $9, closing_note = $10, closed_at = $11,
		compensated_count = $12, compensation_fen = $13, compensation_note = $14, compensated_at = $15
		WHERE id = $1 AND closed_at IS NULL`,
		in.ID, in.AuthorityName, in.AuthorityRef, nullTime(in.AuthorityAt), in.NotifiedCount, in.NoticeMethod, nullTime(in.NotifiedAt),
		in.Remediation, nullTime(in.RemediatedAt), in.ClosingNote, nullTime(in.Closed),
		in.CompensatedCount, in.CompensationFen, in.CompensationNote, nullTime(in.CompensatedAt))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.Conflict, "incident", "该事件已结案", "the incident is closed")
		}
		return err
	}
	return nil
}

// Incident returns one incident: staff any, a member its own (another's
// is NotFound).
func (tx *Tx) Incident(ctx context.Context, id string) (*Incident, error) {
	in, err := scanIncident(tx.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "incident", "找不到该事件", "no such incident")
	}
	if err != nil {
		return nil, err
	}
	if err := canSee(ctx, in.Member); err != nil {
		return nil, errs.New(errs.NotFound, "incident", "找不到该事件", "no such incident")
	}
	return in, nil
}

// Incidents lists incidents, newest first: staff all (or one member's), a
// member its own.
func (tx *Tx) Incidents(ctx context.Context, member string, limit int) ([]*Incident, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		if member != "" && member != own {
			return nil, errs.New(errs.NotFound, "member", "找不到该成员", "no such member")
		}
		member = own
	}
	q, args := `SELECT `+incidentColumns+` FROM incidents`, []any{}
	if member != "" {
		q, args = q+` WHERE member_id = $1`, append(args, member)
	}
	args = append(args, pageSize(limit))
	rows, err := tx.query(ctx, q+` ORDER BY reported_at DESC, id LIMIT $`+itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

func scanIncident(sc interface{ Scan(...any) error }) (*Incident, error) {
	in := &Incident{}
	var orders string
	var due, authAt, notifiedAt, remediatedAt, closed, compensated sql.NullTime
	err := sc.Scan(&in.ID, &in.Member, &in.Kind, &in.Title, &in.Description, &in.Grade, &in.Affected, &in.AffectsExchange, &orders, &in.Found,
		&in.ReportedBy, &in.Reported, &due, &in.AuthorityName, &in.AuthorityRef, &authAt, &in.NotifiedCount, &in.NoticeMethod, &notifiedAt,
		&in.Remediation, &remediatedAt, &in.ClosingNote, &closed, &in.CompensatedCount, &in.CompensationFen, &in.CompensationNote, &compensated)
	if err != nil {
		return nil, err
	}
	if orders != "" {
		in.Orders = strings.Split(orders, ",")
	}
	in.AuthorityDue, in.AuthorityAt, in.NotifiedAt, in.RemediatedAt, in.Closed = fromNull(due), fromNull(authAt), fromNull(notifiedAt), fromNull(remediatedAt), fromNull(closed)
	in.CompensatedAt = fromNull(compensated)
	return in, nil
}
