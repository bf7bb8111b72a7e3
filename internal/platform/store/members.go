package store

import (
	"context"
	"database/sql"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/member"
)

const memberColumns = `id, name, uscc, industry, contact_name, contact_phone, contact_email, storage_region,
	is_supplier, is_demander, stage, standing, applied_at, applied_by, qualified_at, qualified_by, reject_reason,
	agreement_version, agreed_at, agreed_by, x25519_public, ed25519_public, opened_at, opened_by,
	integrated_at, integrated_by, created_at, updated_at`

func scanMember(row interface{ Scan(...any) error }) (*member.Member, error) {
	var m member.Member
	var qualified, agreed, opened, integrated sql.NullTime
	err := row.Scan(&m.ID, &m.Name, &m.USCC, &m.Industry, &m.ContactName, &m.ContactPhone, &m.ContactEmail, &m.StorageRegion,
		&m.Supplier, &m.Demander, &m.Stage, &m.Standing, &m.Applied.At, &m.Applied.By, &qualified, &m.Qualified.By, &m.RejectReason,
		&m.Agreement, &agreed, &m.Agreed.By, &m.Keys.X25519, &m.Keys.Signing, &opened, &m.Opened.By,
		&integrated, &m.Integrated.By, &m.Created, &m.Updated)
	if err != nil {
		return nil, err
	}
	m.Applied.At = m.Applied.At.UTC()
	m.Qualified.At, m.Agreed.At, m.Opened.At, m.Integrated.At = fromNull(qualified), fromNull(agreed), fromNull(opened), fromNull(integrated)
	m.Created, m.Updated = m.Created.UTC(), m.Updated.UTC()
	return &m, nil
}

// CreateMember inserts a new member. A duplicate 统一社会信用代码 is a Conflict.
func (tx *Tx) CreateMember(ctx context.Context, m *member.Member) error {
	m.Created, m.Updated = tx.Now(), tx.Now()
	_, err := tx.exec(ctx, `INSERT INTO members (`+memberColumns+`) VALUES
		($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28)`,
		m.ID, m.Name, m.USCC, m.Industry, m.ContactName, m.ContactPhone, m.ContactEmail, m.StorageRegion,
		m.Supplier, m.Demander, m.Stage, m.Standing, m.Applied.At.UTC(), m.Applied.By, nullTime(m.Qualified.At), m.Qualified.By, m.RejectReason,
		m.Agreement, nullTime(m.Agreed.At), m.Agreed.By, m.Keys.X25519, m.Keys.Signing, nullTime(m.Opened.At), m.Opened.By,
		nullTime(m.Integrated.At), m.Integrated.By, m.Created, m.Updated)
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "uscc", "该统一社会信用代码已注册为成员", "a member with this unified social credit code already exists")
	}
	return err
}

// Member returns a member the actor may see. forUpdate locks the row for
// the rest of the transaction (PostgreSQL; SQLite serialises writers anyway).
func (tx *Tx) Member(ctx context.Context, id string, forUpdate bool) (*member.Member, error) {
	if err := canSee(ctx, id); err != nil {
		return nil, err
	}
	q := `SELECT ` + memberColumns + ` FROM members WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	m, err := scanMember(tx.queryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "member", "找不到该成员", "no such member")
	}
	return m, nil
}

// UpdateMember writes back a member read in the same transaction.
func (tx *Tx) UpdateMember(ctx context.Context, m *member.Member) error {
	if err := canSee(ctx, m.ID); err != nil {
		return err
	}
	m.Updated = tx.Now()
	res, err := tx.exec(ctx, `UPDATE members SET name=$2, industry=$3, contact_name=$4, contact_phone=$5, contact_email=$6,
		storage_region=$7, is_supplier=$8, is_demander=$9, stage=$10, standing=$11, applied_at=$12, applied_by=$13,
		qualified_at=$14, qualified_by=$15, reject_reason=$16, agreement_version=$17, agreed_at=$18, agreed_by=$19,
		x25519_public=$20, ed25519_public=$21, opened_at=$22, opened_by=$23, integrated_at=$24, integrated_by=$25, updated_at=$26
		WHERE id=$1`,
		m.ID, m.Name, m.Industry, m.ContactName, m.ContactPhone, m.ContactEmail,
		m.StorageRegion, m.Supplier, m.Demander, m.Stage, m.Standing, m.Applied.At.UTC(), m.Applied.By,
		nullTime(m.Qualified.At), m.Qualified.By, m.RejectReason, m.Agreement, nullTime(m.Agreed.At), m.Agreed.By,
		m.Keys.X25519, m.Keys.Signing, nullTime(m.Opened.At), m.Opened.By, nullTime(m.Integrated.At), m.Integrated.By, m.Updated)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.NotFound, "member", "找不到该成员", "no such member")
	}
	return nil
}

// MemberFilter narrows ListMembers.
type MemberFilter struct {
	Stage member.Stage // "" for all
	Limit int          // default 100, at most 1000
}

// ListMembers returns the members the actor may see, newest first: every
// member for platform staff, only its own for a member.
func (tx *Tx) ListMembers(ctx context.Context, f MemberFilter) ([]*member.Member, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if !all {
		args = append(args, own)
		where = append(where, "id = $1")
	}
	if f.Stage != "" {
		args = append(args, f.Stage)
		where = append(where, "stage = $"+itoa(len(args)))
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q := `SELECT ` + memberColumns + ` FROM members`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	q += " ORDER BY created_at DESC, id LIMIT $" + itoa(len(args))
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*member.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MemberKeys returns a member's registered public keys for verifying its
// node's signatures. It is unscoped: a request is authenticated with it
// before there is an actor.
func (tx *Tx) MemberKeys(ctx context.Context, id string) (*member.Member, error) {
	m, err := scanMember(tx.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "member", "找不到该成员", "no such member")
	}
	return m, nil
}

// ApplicationTaken reports, before any work is spent on an application
// (its password's hash), whether its company or its login already exists:
// a Conflict naming the field, as the inserts would.
func (tx *Tx) ApplicationTaken(ctx context.Context, uscc, login string) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM members WHERE uscc = $1`, uscc).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errs.New(errs.Conflict, "uscc", "该统一社会信用代码已注册为成员", "a member with this unified social credit code already exists")
	}
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE login = $1`, login).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errs.New(errs.Conflict, "login", "该登录名已被使用", "this login name is taken")
	}
	return nil
}
