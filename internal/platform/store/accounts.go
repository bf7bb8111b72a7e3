package store

import (
	"context"
	"database/sql"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
)

// Account is a login of a person: platform staff or a member's staff.
type Account struct {
	ID           string
	MemberID     string // "" for platform staff
	Role         auth.Role
	Login        string
	DisplayName  string
	PasswordHash string
	Created      time.Time
	CreatedBy    string
	Disabled     time.Time
}

// Actor returns the actor this account acts as.
func (a *Account) Actor() auth.Actor {
	return auth.Actor{AccountID: a.ID, MemberID: a.MemberID, Role: a.Role, Name: a.Login}
}

const accountColumns = `id, member_id, role, login, display_name, password_hash, created_at, created_by, disabled_at`

func scanAccount(row interface{ Scan(...any) error }) (*Account, error) {
	var a Account
	var member sql.NullString
	var disabled sql.NullTime
	if err := row.Scan(&a.ID, &member, &a.Role, &a.Login, &a.DisplayName, &a.PasswordHash, &a.Created, &a.CreatedBy, &disabled); err != nil {
		return nil, err
	}
	a.MemberID, a.Created, a.Disabled = member.String, a.Created.UTC(), fromNull(disabled)
	return &a, nil
}

// CreateAccount inserts an account; a taken login is a Conflict.
func (tx *Tx) CreateAccount(ctx context.Context, a *Account) error {
	a.Created = tx.Now()
	var member sql.NullString
	if a.MemberID != "" {
		member = sql.NullString{String: a.MemberID, Valid: true}
	}
	_, err := tx.exec(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		a.ID, member, a.Role, a.Login, a.DisplayName, a.PasswordHash, a.Created, a.CreatedBy, nullTime(a.Disabled))
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "login", "该登录名已被使用", "this login name is taken")
	}
	return err
}

// AccountByLogin finds an account for logging in. It is unscoped: nobody is
// logged in yet when it is called.
func (tx *Tx) AccountByLogin(ctx context.Context, login string) (*Account, error) {
	a, err := scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE login = $1`, login))
	return a, notFound(err, "login", "登录名或密码错误", "wrong login or password")
}

// Account returns an account the actor may see: its own, its member's, or
// any for platform staff.
func (tx *Tx) Account(ctx context.Context, id string) (*Account, error) {
	a, err := scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return nil, notFound(err, "account", "找不到该账户", "no such account")
	}
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all && (a.MemberID == "" || a.MemberID != own) {
		return nil, errs.New(errs.NotFound, "account", "找不到该账户", "no such account")
	}
	return a, nil
}

// CountStaff counts operator accounts; the first start of a platform has none.
func (tx *Tx) CountStaff(ctx context.Context, role auth.Role) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE role = $1 AND disabled_at IS NULL`, role).Scan(&n)
	return n, err
}

// Session is a console login.
type Session struct {
	Digest  []byte
	Account *Account
	CSRF    string
	Expires time.Time
	Seen    time.Time // last use, to the minute
}

// CreateSession stores a console session by the digest of its cookie value.
func (tx *Tx) CreateSession(ctx context.Context, digest []byte, accountID, csrf string, expires time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO sessions (digest, account_id, csrf, created_at, expires_at, seen_at) VALUES ($1,$2,$3,$4,$5,$4)`,
		digest, accountID, csrf, tx.Now(), expires.UTC())
	return err
}

// TouchSession records that a session was used now.
func (tx *Tx) TouchSession(ctx context.Context, digest []byte) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET seen_at = $2 WHERE digest = $1`, digest, tx.Now())
	return err
}

// SessionByDigest returns the live session with this digest and its
// account. Unscoped: it is how the actor is established.
func (tx *Tx) SessionByDigest(ctx context.Context, digest []byte) (*Session, error) {
	var s Session
	var accountID string
	err := tx.queryRow(ctx, `SELECT account_id, csrf, expires_at, seen_at FROM sessions WHERE digest = $1 AND expires_at > $2 AND seen_at > $3`,
		digest, tx.Now(), tx.Now().Add(-auth.SessionIdle)).Scan(&accountID, &s.CSRF, &s.Expires, &s.Seen)
	if err != nil {
		return nil, notFound(err, "session", "登录已过期，请重新登录", "your session has expired; log in again")
	}
	a, err := scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, accountID))
	if err != nil {
		return nil, notFound(err, "session", "登录已过期，请重新登录", "your session has expired; log in again")
	}
	if !a.Disabled.IsZero() {
		return nil, errs.New(errs.Unauthenticated, "session", "账户已停用", "the account is disabled")
	}
	s.Digest, s.Account, s.Expires, s.Seen = digest, a, s.Expires.UTC(), s.Seen.UTC()
	return &s, nil
}

// DeleteSession logs a session out; expired sessions are purged with it.
func (tx *Tx) DeleteSession(ctx context.Context, digest []byte) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE digest = $1 OR expires_at <= $2 OR seen_at <= $3`, digest, tx.Now(), tx.Now().Add(-auth.SessionIdle))
	return err
}
