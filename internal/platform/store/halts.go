package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// Halt is a technical halt (X-H1) of the platform, a member, a listing or
// a tag category.
type Halt struct {
	ID        string
	Scope     string // platform, member, listing, category
	Target    string // "" for the platform
	Cause     string
	Notice    string
	StartedBy string
	Started   time.Time
	LiftedBy  string
	Lifted    time.Time // zero while in force
}

// InsertHalt records a halt (staff).
func (tx *Tx) InsertHalt(ctx context.Context, h *Halt) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO halts (id, scope, target, cause, notice, started_by, started_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		h.ID, h.Scope, h.Target, h.Cause, h.Notice, h.StartedBy, h.Started)
	return err
}

// LiftHalt lifts a halt in force; one lifted already is a Conflict.
func (tx *Tx) LiftHalt(ctx context.Context, h *Halt) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE halts SET lifted_by = $2, lifted_at = $3 WHERE id = $1 AND lifted_at IS NULL`, h.ID, h.LiftedBy, h.Lifted)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.Conflict, "halt", "该暂停已解除", "the halt was lifted already")
		}
		return err
	}
	return nil
}

// Halts lists halts, newest first: those in force only, or all (at most
// limit). Anyone may read them: halts are public notices.
func (tx *Tx) Halts(ctx context.Context, inForce bool, limit int) ([]*Halt, error) {
	q := `SELECT id, scope, target, cause, notice, started_by, started_at, lifted_by, lifted_at FROM halts`
	if inForce {
		q += ` WHERE lifted_at IS NULL`
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := tx.query(ctx, q+` ORDER BY started_at DESC, id LIMIT `+itoa(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Halt
	for rows.Next() {
		var h Halt
		var lifted sql.NullTime
		if err := rows.Scan(&h.ID, &h.Scope, &h.Target, &h.Cause, &h.Notice, &h.StartedBy, &h.Started, &h.LiftedBy, &lifted); err != nil {
			return nil, err
		}
		h.Started, h.Lifted = h.Started.UTC(), fromNull(lifted)
		out = append(out, &h)
	}
	return out, rows.Err()
}

// Halt returns one halt.
func (tx *Tx) Halt(ctx context.Context, id string) (*Halt, error) {
	var h Halt
	var lifted sql.NullTime
	err := tx.queryRow(ctx, `SELECT id, scope, target, cause, notice, started_by, started_at, lifted_by, lifted_at FROM halts WHERE id = $1`, id).
		Scan(&h.ID, &h.Scope, &h.Target, &h.Cause, &h.Notice, &h.StartedBy, &h.Started, &h.LiftedBy, &lifted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "halt", "找不到该暂停", "no such halt")
	}
	if err != nil {
		return nil, err
	}
	h.Started, h.Lifted = h.Started.UTC(), fromNull(lifted)
	return &h, nil
}

// ListingCategoriesOf are the categories of one listing's tags.
func (tx *Tx) ListingCategoriesOf(ctx context.Context, listing string) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT category FROM listing_tags WHERE listing_id = $1`, listing)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
