package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// Decision is one of the member's automated decision scenarios (P-4).
type Decision struct {
	ID          string
	Name        string
	Rules       string
	Significant bool
	OptOut      string // the notice purpose a person refuses to opt out
	Created     time.Time
	CreatedBy   string
	Retired     time.Time
}

// InsertDecision records a scenario; a name in use is a Conflict.
func (tx *Tx) InsertDecision(ctx context.Context, d *Decision) error {
	res, err := tx.Exec(ctx, `INSERT INTO node_decisions (id, name, rules, significant, opt_out, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7)
		ON CONFLICT (name) DO NOTHING`, d.ID, d.Name, d.Rules, d.Significant, d.OptOut, d.Created.UTC(), d.CreatedBy)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.Conflict, "--name", "已有同名的自动化决策场景", "a scenario of that name exists already")
		}
		return err
	}
	return nil
}

// RetireDecision stops showing a scenario from now on.
func (tx *Tx) RetireDecision(ctx context.Context, id string) error {
	res, err := tx.Exec(ctx, `UPDATE node_decisions SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL`, id, tx.Now())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.NotFound, "--id", "找不到该在用的场景", "no such scenario in use")
		}
		return err
	}
	return nil
}

// Decisions lists the scenarios, in use first, by name.
func (tx *Tx) Decisions(ctx context.Context, all bool) ([]*Decision, error) {
	q := `SELECT id, name, rules, significant, opt_out, created_at, created_by, retired_at FROM node_decisions`
	if !all {
		q += ` WHERE retired_at IS NULL`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Decision
	for rows.Next() {
		d := &Decision{}
		var retired sql.NullTime
		if err := rows.Scan(&d.ID, &d.Name, &d.Rules, &d.Significant, &d.OptOut, &d.Created, &d.CreatedBy, &retired); err != nil {
			return nil, err
		}
		if retired.Valid {
			d.Retired = retired.Time
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DecisionByID reads one scenario in use; NotFound otherwise.
func (tx *Tx) DecisionByID(ctx context.Context, id string) (*Decision, error) {
	d := &Decision{ID: id}
	err := tx.QueryRow(ctx, `SELECT name, rules, significant, opt_out, created_at, created_by FROM node_decisions WHERE id = $1 AND retired_at IS NULL`, id).
		Scan(&d.Name, &d.Rules, &d.Significant, &d.OptOut, &d.Created, &d.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "decision", "找不到该自动化决策场景", "no such automated decision")
	}
	return d, err
}
