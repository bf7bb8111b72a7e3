package store

import (
	"context"
	"database/sql"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
)

// Token is an API token for machines (CLIs, scripts). Only its digest is
// stored; the secret is shown once when it is created.
type Token struct {
	ID        string
	AccountID string
	MemberID  string
	Name      string
	Scope     auth.ScopeSet
	Created   time.Time
	Expires   time.Time
	Revoked   time.Time
}

// LegacyTokenTTL is the life of a token made before tokens expired: a year
// from its creation, the longest a new token may live.
const LegacyTokenTTL = auth.MaxTokenTTL

// Live reports whether the token may still be used at now.
func (t *Token) Live(now time.Time) bool { return t.Revoked.IsZero() && now.Before(t.Expires) }

// CreateToken stores a token for the acting account; t carries its name,
// scope and expiry.
func (tx *Tx) CreateToken(ctx context.Context, t *Token, digest []byte) error {
	a := auth.ActorFrom(ctx)
	if a.AccountID == "" {
		return errs.New(errs.PermissionDenied, "", "只有登录账户可以创建令牌", "only a logged-in account can create tokens")
	}
	t.AccountID, t.MemberID, t.Created = a.AccountID, a.MemberID, tx.Now()
	var member sql.NullString
	if t.MemberID != "" {
		member = sql.NullString{String: t.MemberID, Valid: true}
	}
	_, err := tx.exec(ctx, `INSERT INTO api_tokens (id, account_id, member_id, name, digest, created_at, scope, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		t.ID, t.AccountID, member, t.Name, digest, t.Created, t.Scope.String(), t.Expires.UTC())
	return err
}

const tokenColumns = `t.id, t.account_id, t.name, t.scope, t.created_at, t.expires_at, t.revoked_at`

func scanToken(row interface{ Scan(...any) error }, extra ...any) (*Token, error) {
	var t Token
	var scope string
	var expires, revoked sql.NullTime
	if err := row.Scan(append([]any{&t.ID, &t.AccountID, &t.Name, &scope, &t.Created, &expires, &revoked}, extra...)...); err != nil {
		return nil, err
	}
	sc, err := auth.ParseScopes(scope)
	if err != nil {
		sc = auth.ScopeSet{} // an unknown stored scope allows nothing
	}
	t.Scope, t.Created, t.Revoked = sc, t.Created.UTC(), fromNull(revoked)
	t.Expires = fromNull(expires)
	if t.Expires.IsZero() {
		t.Expires = t.Created.Add(LegacyTokenTTL)
	}
	return &t, nil
}

// TokenAccount resolves a bearer token's digest to the token and its
// account, whatever their state: the caller decides whether a revoked or
// expired token, or a disabled account, may act. Unscoped: it is how the
// actor is established.
func (tx *Tx) TokenAccount(ctx context.Context, digest []byte) (*Token, *Account, error) {
	var acct Account
	var member sql.NullString
	var disabled sql.NullTime
	t, err := scanToken(tx.queryRow(ctx, `SELECT `+tokenColumns+`, a.member_id, a.role, a.login, a.display_name, a.password_hash, a.created_at, a.created_by, a.disabled_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.digest = $1`, digest),
		&member, &acct.Role, &acct.Login, &acct.DisplayName, &acct.PasswordHash, &acct.Created, &acct.CreatedBy, &disabled)
	if err != nil {
		return nil, nil, notFound(err, "token", "令牌无效或已撤销", "the token is invalid or revoked")
	}
	acct.ID, acct.MemberID, acct.Created, acct.Disabled = t.AccountID, member.String, acct.Created.UTC(), fromNull(disabled)
	t.MemberID = acct.MemberID
	return t, &acct, nil
}

// ListTokens lists the acting account's tokens, newest first.
func (tx *Tx) ListTokens(ctx context.Context) ([]Token, error) {
	a := auth.ActorFrom(ctx)
	rows, err := tx.query(ctx, `SELECT `+tokenColumns+` FROM api_tokens t WHERE t.account_id = $1 ORDER BY t.created_at DESC, t.id`, a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		t.MemberID = a.MemberID
		out = append(out, *t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of the acting account's tokens.
func (tx *Tx) RevokeToken(ctx context.Context, id string) error {
	a := auth.ActorFrom(ctx)
	res, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL`, id, a.AccountID, tx.Now())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.NotFound, "token", "找不到该令牌，或它已被撤销", "no such live token")
	}
	return nil
}

// UseNonce records a signed request's nonce; a nonce seen before within its
// validity is a replay. Expired nonces are purged on the way.
func (tx *Tx) UseNonce(ctx context.Context, memberID, nonce string, expires time.Time) error {
	if _, err := tx.exec(ctx, `DELETE FROM request_nonces WHERE expires_at <= $1`, tx.Now()); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO request_nonces (member_id, nonce, expires_at) VALUES ($1,$2,$3)`, memberID, nonce, expires.UTC())
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Unauthenticated, "nonce", "请求重放：该随机数已使用", "replayed request: this nonce was used before")
	}
	return err
}
