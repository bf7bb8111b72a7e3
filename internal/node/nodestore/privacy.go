package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"hulian/internal/errs"
)

// SettingPrivacyLinkKey is the key, hex, of the signed links by which a
// member's app sends its customers to the privacy centre.
const SettingPrivacyLinkKey = "privacy_link_key"

// SubjectRequest is a data subject's request from the privacy centre.
type SubjectRequest struct {
	ID          string
	ExID        []byte
	Kind        string // copy, correct, delete, complain
	Details     string
	Filed       time.Time
	DueOn       string // YYYY-MM-DD, Beijing
	Provisional bool
	Status      string // open, done, refused
	Outcome     string
	ClosedBy    string
	Closed      time.Time
	// A complaint handed over to the exchange operator: the platform's
	// complaint and the code its status is followed with.
	EscalatedID   string
	EscalatedCode string
	Escalated     time.Time
	// Decision is the automated decision an explanation or a review is
	// asked of.
	Decision string
}

const subjectRequestColumns = `id, exid, kind, details, filed_at, due_on, provisional, status, outcome, closed_by, closed_at,
	escalated_id, escalated_code, escalated_at, decision_id`

// InsertSubjectRequest records a request.
func (tx *Tx) InsertSubjectRequest(ctx context.Context, r *SubjectRequest) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_subject_requests (id, exid, kind, details, filed_at, due_on, provisional, status, decision_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		r.ID, r.ExID, r.Kind, r.Details, r.Filed, r.DueOn, r.Provisional, r.Status, r.Decision)
	return err
}

// CloseSubjectRequest records a request's outcome; one closed already is a
// Conflict.
func (tx *Tx) CloseSubjectRequest(ctx context.Context, r *SubjectRequest) error {
	res, err := tx.Exec(ctx, `UPDATE node_subject_requests SET status = $2, outcome = $3, closed_by = $4, closed_at = $5 WHERE id = $1 AND status = 'open'`,
		r.ID, r.Status, r.Outcome, r.ClosedBy, r.Closed)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.Conflict, "request", "该请求已办结", "the request is closed already")
		}
		return err
	}
	return nil
}

// EscalateSubjectRequest records that a complaint was handed over to the
// exchange operator; one handed over already is a Conflict.
func (tx *Tx) EscalateSubjectRequest(ctx context.Context, r *SubjectRequest) error {
	res, err := tx.Exec(ctx, `UPDATE node_subject_requests SET escalated_id = $2, escalated_code = $3, escalated_at = $4 WHERE id = $1 AND escalated_id = ''`,
		r.ID, r.EscalatedID, r.EscalatedCode, r.Escalated)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.Conflict, "request", "该投诉已转交平台运营方", "the complaint has been handed over already")
		}
		return err
	}
	return nil
}

func scanSubjectRequest(sc interface{ Scan(...any) error }) (*SubjectRequest, error) {
	r := &SubjectRequest{}
	var closed, escalated sql.NullTime
	if err := sc.Scan(&r.ID, &r.ExID, &r.Kind, &r.Details, &r.Filed, &r.DueOn, &r.Provisional, &r.Status, &r.Outcome, &r.ClosedBy, &closed,
		&r.EscalatedID, &r.EscalatedCode, &escalated, &r.Decision); err != nil {
		return nil, err
	}
	if closed.Valid {
		r.Closed = closed.Time
	}
	if escalated.Valid {
		r.Escalated = escalated.Time
	}
	return r, nil
}

// SubjectRequest returns one request.
func (tx *Tx) SubjectRequest(ctx context.Context, id string) (*SubjectRequest, error) {
	r, err := scanSubjectRequest(tx.QueryRow(ctx, `SELECT `+subjectRequestColumns+` FROM node_subject_requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "request", "找不到该请求", "no such request")
	}
	return r, err
}

// SubjectRequests lists requests, open ones first by due date, then the
// newest: one subject's (exid set) or everyone's.
func (tx *Tx) SubjectRequests(ctx context.Context, exid []byte, limit int) ([]*SubjectRequest, error) {
	q, args := `SELECT `+subjectRequestColumns+` FROM node_subject_requests`, []any{}
	if exid != nil {
		q, args = q+` WHERE exid = $1`, append(args, exid)
	}
	args = append(args, limit)
	rows, err := tx.Query(ctx, q+` ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, due_on, filed_at DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*SubjectRequest
	for rows.Next() {
		r, err := scanSubjectRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
