package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/storage"
)

// Event kinds of the node's staff accounts.
const (
	EventAccountCreated  = "account.created"
	EventAccountDisabled = "account.disabled"
	EventPasswordSet     = "account.password_set"
	EventRolesSet        = "account.roles_set"
)

// Account is a node console login. Accounts belong to the node, not to the
// platform: whoever runs the member's node decides who may open its
// console.
type Account struct {
	ID           string
	Login        string
	DisplayName  string
	PasswordHash string
	Created      time.Time
	CreatedBy    string
	Disabled     *time.Time
	// Roles say what the account may do beyond reading the console: see
	// package staff.
	Roles []string
	// Domains are the business domains (marketing, finance, …) whose
	// datasets the account may use; ReadsBlocked is set while its reads of
	// personal data are blocked after an abnormal one.
	Domains      []string
	ReadsBlocked *time.Time
}

// Has reports whether the account holds role.
func (a *Account) Has(role string) bool { return a != nil && slices.Contains(a.Roles, role) }

const accountColumns = `id, login, display_name, password_hash, created_at, created_by, disabled_at, roles, domains, reads_blocked_at`

func scanAccount(sc interface{ Scan(...any) error }) (*Account, error) {
	var a Account
	var disabled sql.NullTime
	var roles, domains string
	var blocked sql.NullTime
	if err := sc.Scan(&a.ID, &a.Login, &a.DisplayName, &a.PasswordHash, &a.Created, &a.CreatedBy, &disabled, &roles, &domains, &blocked); err != nil {
		return nil, err
	}
	if roles != "" {
		a.Roles = strings.Split(roles, ",")
	}
	if domains != "" {
		a.Domains = strings.Split(domains, ",")
	}
	if blocked.Valid {
		t := blocked.Time.UTC()
		a.ReadsBlocked = &t
	}
	a.Created = a.Created.UTC()
	if disabled.Valid {
		t := disabled.Time.UTC()
		a.Disabled = &t
	}
	return &a, nil
}

// CreateAccount stores a new account; Conflict if the login is taken.
func (tx *Tx) CreateAccount(ctx context.Context, a *Account) error {
	a.Created = tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO node_accounts (`+accountColumns+`) VALUES ($1,$2,$3,$4,$5,$6,NULL,$7,$8,NULL)`,
		a.ID, a.Login, a.DisplayName, a.PasswordHash, a.Created, a.CreatedBy, strings.Join(a.Roles, ","), strings.Join(a.Domains, ","))
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "login", "该登录名已被使用", "this login name is taken")
	}
	return err
}

// AccountByLogin finds an account by its login, NotFound if none.
func (tx *Tx) AccountByLogin(ctx context.Context, login string) (*Account, error) {
	a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM node_accounts WHERE login = $1`, login))
	if err != nil {
		return nil, storage.NotFound(err, "login", "没有这个登录名："+login, "no account with login "+login)
	}
	return a, nil
}

// Accounts lists every account, by login.
func (tx *Tx) Accounts(ctx context.Context) ([]*Account, error) {
	rows, err := tx.Query(ctx, `SELECT `+accountColumns+` FROM node_accounts ORDER BY login`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []*Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	return as, rows.Err()
}

// CountAccounts counts the accounts that can log in.
func (tx *Tx) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM node_accounts WHERE disabled_at IS NULL`).Scan(&n)
	return n, err
}

// SetRoles replaces an account's roles.
func (tx *Tx) SetRoles(ctx context.Context, id string, roles []string) error {
	_, err := tx.Exec(ctx, `UPDATE node_accounts SET roles = $1 WHERE id = $2`, strings.Join(roles, ","), id)
	return err
}

// SetDomains replaces an account's business domains.
func (tx *Tx) SetDomains(ctx context.Context, id string, domains []string) error {
	_, err := tx.Exec(ctx, `UPDATE node_accounts SET domains = $1 WHERE id = $2`, strings.Join(domains, ","), id)
	return err
}

// BlockReads blocks an account's reads of personal data (at), or unblocks
// them (nil).
func (tx *Tx) BlockReads(ctx context.Context, login string, at *time.Time) error {
	var v any
	if at != nil {
		v = at.UTC()
	}
	_, err := tx.Exec(ctx, `UPDATE node_accounts SET reads_blocked_at = $1 WHERE login = $2`, v, login)
	return err
}

// SetPassword replaces an account's password hash and ends its sessions.
func (tx *Tx) SetPassword(ctx context.Context, id, hash string) error {
	if _, err := tx.Exec(ctx, `UPDATE node_accounts SET password_hash = $1 WHERE id = $2`, hash, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM node_sessions WHERE account_id = $1`, id)
	return err
}

// DisableAccount stops an account from logging in and ends its sessions.
// It reports false if the account was already disabled.
func (tx *Tx) DisableAccount(ctx context.Context, id string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_accounts SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL`, tx.Now(), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	_, err = tx.Exec(ctx, `DELETE FROM node_sessions WHERE account_id = $1`, id)
	return true, err
}

// Session is a node console login.
type Session struct {
	Account *Account
	CSRF    string
	Expires time.Time
	Seen    time.Time // last use, to the minute
}

// CreateSession stores a session by the digest of its cookie secret.
func (tx *Tx) CreateSession(ctx context.Context, digest []byte, accountID, csrf string, expires time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_sessions (digest, account_id, csrf, created_at, expires_at, seen_at) VALUES ($1,$2,$3,$4,$5,$4)`,
		digest, accountID, csrf, tx.Now(), expires)
	return err
}

// TouchSession records that a session was used now.
func (tx *Tx) TouchSession(ctx context.Context, digest []byte) error {
	_, err := tx.Exec(ctx, `UPDATE node_sessions SET seen_at = $2 WHERE digest = $1`, digest, tx.Now())
	return err
}

// SessionByDigest returns the live session with this digest and its
// account. An expired or unknown session, or a disabled account, is
// NotFound: the console asks to log in again. Any other error is the
// database's and must not be taken for "not logged in".
func (tx *Tx) SessionByDigest(ctx context.Context, digest []byte) (*Session, error) {
	var s Session
	var id string
	err := tx.QueryRow(ctx, `SELECT account_id, csrf, expires_at, seen_at FROM node_sessions WHERE digest = $1 AND expires_at > $2 AND seen_at > $3`,
		digest, tx.Now(), tx.Now().Add(-auth.SessionIdle)).Scan(&id, &s.CSRF, &s.Expires, &s.Seen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "session", "登录已过期，请重新登录", "your session has expired; log in again")
	}
	if err != nil {
		return nil, err
	}
	s.Expires, s.Seen = s.Expires.UTC(), s.Seen.UTC()
	if s.Account, err = scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM node_accounts WHERE id = $1`, id)); err != nil {
		return nil, err
	}
	if s.Account.Disabled != nil {
		return nil, errs.New(errs.NotFound, "session", "账户已停用", "the account is disabled")
	}
	return &s, nil
}

// DeleteSession ends a session; expired sessions are purged with it.
func (tx *Tx) DeleteSession(ctx context.Context, digest []byte) error {
	_, err := tx.Exec(ctx, `DELETE FROM node_sessions WHERE digest = $1 OR expires_at <= $2 OR seen_at <= $3`, digest, tx.Now(), tx.Now().Add(-auth.SessionIdle))
	return err
}
