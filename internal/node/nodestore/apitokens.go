package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// APIToken is a token of the node's API, without its secret.
type APIToken struct {
	ID        string
	Name      string
	Created   time.Time
	CreatedBy string
	Revoked   time.Time
}

// InsertAPIToken records a token by the digest of its secret.
func (tx *Tx) InsertAPIToken(ctx context.Context, t *APIToken, digest []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_api_tokens (id, name, digest, created_at, created_by) VALUES ($1,$2,$3,$4,$5)`,
		t.ID, t.Name, digest, t.Created.UTC(), t.CreatedBy)
	return err
}

// APITokenByDigest finds a live token by its secret's digest: NotFound for
// none or a revoked one.
func (tx *Tx) APITokenByDigest(ctx context.Context, digest []byte) (*APIToken, error) {
	t := &APIToken{}
	var revoked sql.NullTime
	err := tx.QueryRow(ctx, `SELECT id, name, created_at, created_by, revoked_at FROM node_api_tokens WHERE digest = $1`, digest).
		Scan(&t.ID, &t.Name, &t.Created, &t.CreatedBy, &revoked)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && revoked.Valid) {
		return nil, errs.New(errs.NotFound, "token", "令牌无效或已吊销", "the token is not valid or has been revoked")
	}
	return t, err
}

// APITokens lists the tokens, newest first.
func (tx *Tx) APITokens(ctx context.Context) ([]*APIToken, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, created_at, created_by, revoked_at FROM node_api_tokens ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*APIToken
	for rows.Next() {
		t := &APIToken{}
		var revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &t.Created, &t.CreatedBy, &revoked); err != nil {
			return nil, err
		}
		if revoked.Valid {
			t.Revoked = revoked.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes a live token; an unknown or revoked one is
// NotFound.
func (tx *Tx) RevokeAPIToken(ctx context.Context, id string) error {
	res, err := tx.Exec(ctx, `UPDATE node_api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, tx.Now())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = errs.New(errs.NotFound, "id", "找不到该有效令牌", "no such live token")
		}
		return err
	}
	return nil
}
