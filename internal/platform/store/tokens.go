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
	Created   time.Time
	Revoked   time.Time
}

// CreateToken stores a token for the acting account.
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
	_, err := tx.exec(ctx, `INSERT INTO api_tokens (id, account_id, member_id, name, digest, created_at) VALUES ($1,$2,$3,$4,$5,$6)`,
		t.ID, t.AccountID, member, t.Name, digest, t.Created)
	return err
}

// AccountByToken resolves a bearer token to its live account. Unscoped: it
// is how the actor is established.
func (tx *Tx) AccountByToken(ctx context.Context, digest []byte) (*Account, error) {
	a, err := scanAccount(tx.queryRow(ctx, `SELECT a.id, a.member_id, a.role, a.login, a.display_name, a.password_hash, a.created_at, a.created_by, a.disabled_at
		FROM api_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.digest = $1 AND t.revoked_at IS NULL AND a.disabled_at IS NULL`, digest))
	if err != nil {
		return nil, notFound(err, "token", "令牌无效或已撤销", "the token is invalid or revoked")
	}
	return a, nil
}

// ListTokens lists the acting account's tokens.
func (tx *Tx) ListTokens(ctx context.Context) ([]Token, error) {
	a := auth.ActorFrom(ctx)
	rows, err := tx.query(ctx, `SELECT id, name, created_at, revoked_at FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC`, a.AccountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &t.Created, &revoked); err != nil {
			return nil, err
		}
		t.AccountID, t.MemberID, t.Created, t.Revoked = a.AccountID, a.MemberID, t.Created.UTC(), fromNull(revoked)
		out = append(out, t)
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
		return errs.New(errs.NotFound, "token", "找不到该令牌", "no such token")
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
