package store

import (
	"context"
	"database/sql"
	"time"

	"hulian/internal/errs"
)

// Sanction is a measure taken against a member (X-V1, X-G2).
type Sanction struct {
	ID           string
	Member       string
	Kind         string // warning, correction, suspension, termination
	Public       bool   // a warning published on the announcements page
	Basis        string // rules (a violation of the rules) or authority (a penalty by an authority)
	Reason       string
	AuthorityRef string // the authority's decision, for basis authority
	CorrectBy    string // YYYY-MM-DD, for an order to correct
	ImposedBy    string
	Imposed      time.Time
	LiftedBy     string
	Lifted       time.Time
}

// InsertSanction records a sanction (staff).
func (tx *Tx) InsertSanction(ctx context.Context, s *Sanction) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO sanctions (id, member_id, kind, public, basis, reason, authority_ref, correct_by, imposed_by, imposed_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, s.ID, s.Member, s.Kind, s.Public, s.Basis, s.Reason, s.AuthorityRef, s.CorrectBy, s.ImposedBy, s.Imposed)
	return err
}

// LiftSanction lifts a sanction in force; one lifted already is a Conflict.
func (tx *Tx) LiftSanction(ctx context.Context, s *Sanction) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE sanctions SET lifted_by = $2, lifted_at = $3 WHERE id = $1 AND lifted_at IS NULL`, s.ID, s.LiftedBy, s.Lifted)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.Conflict, "sanction", "该措施已解除", "the sanction was lifted already")
		}
		return err
	}
	return nil
}

// SanctionFilter selects sanctions.
type SanctionFilter struct {
	ID         string
	Member     string
	PublicOnly bool // the published warnings: anyone may read them
	Limit      int
}

// Sanctions lists sanctions, newest first. Staff see all; a member its
// own; anyone the published warnings.
func (tx *Tx) Sanctions(ctx context.Context, f SanctionFilter) ([]*Sanction, error) {
	if !f.PublicOnly {
		own, all, err := tenant(ctx)
		if err != nil {
			return nil, err
		}
		if !all {
			if f.Member != "" && f.Member != own {
				return nil, errs.New(errs.NotFound, "member", "找不到该成员", "no such member")
			}
			f.Member = own
		}
	}
	q := `SELECT id, member_id, kind, public, basis, reason, authority_ref, correct_by, imposed_by, imposed_at, lifted_by, lifted_at FROM sanctions WHERE 1=1`
	var args []any
	for _, c := range []struct{ col, v string }{{"id", f.ID}, {"member_id", f.Member}} {
		if c.v != "" {
			args = append(args, c.v)
			q += " AND " + c.col + " = $" + itoa(len(args))
		}
	}
	if f.PublicOnly {
		q += " AND public"
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	rows, err := tx.query(ctx, q+" ORDER BY imposed_at DESC, id LIMIT "+itoa(f.Limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Sanction
	for rows.Next() {
		var s Sanction
		var lifted sql.NullTime
		if err := rows.Scan(&s.ID, &s.Member, &s.Kind, &s.Public, &s.Basis, &s.Reason, &s.AuthorityRef, &s.CorrectBy, &s.ImposedBy, &s.Imposed, &s.LiftedBy, &lifted); err != nil {
			return nil, err
		}
		s.Imposed, s.Lifted = s.Imposed.UTC(), fromNull(lifted)
		out = append(out, &s)
	}
	return out, rows.Err()
}
