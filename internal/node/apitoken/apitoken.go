// Package apitoken is the node's API tokens: for the member's own systems
// (its app's back end, its CRM) calling the node's API, such as the
// consent ledger's ConsentService. A token is a random secret shown once
// when made and kept by its SHA-256; checking one costs a hash and one
// indexed read, so an unknown caller is cheap to refuse.
package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
)

// Prefix begins every secret, so that one found in a log or a repository
// is recognised for what it is.
const Prefix = "hnt_"

// Tokens makes, checks and revokes tokens.
type Tokens struct {
	DB *nodestore.DB
}

func digest(secret string) []byte {
	d := sha256.Sum256([]byte(secret))
	return d[:]
}

// Create makes a token named name and returns its secret, shown once.
func (t *Tokens) Create(ctx context.Context, name, by string) (string, *nodestore.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil, errs.Invalidf("--name", "须为令牌命名（最长 100 字），如调用它的系统", "name the token (at most 100 characters), e.g. after the system that uses it")
	}
	var b [32]byte
	rand.Read(b[:]) // crypto/rand.Read never fails
	secret := Prefix + base64.RawURLEncoding.EncodeToString(b[:])
	tok := &nodestore.APIToken{ID: auth.NewID("ntk_"), Name: name, CreatedBy: by}
	err := t.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		tok.Created = tx.Now()
		if err := tx.InsertAPIToken(ctx, tok, digest(secret)); err != nil {
			return err
		}
		return tx.Record(ctx, "api_token.created", tok.ID+" "+name)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// List lists the tokens.
func (t *Tokens) List(ctx context.Context) (out []*nodestore.APIToken, err error) {
	err = t.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { out, err = tx.APITokens(ctx); return err })
	return out, err
}

// Revoke revokes a token from its next use on.
func (t *Tokens) Revoke(ctx context.Context, id, by string) error {
	return t.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.RevokeAPIToken(ctx, strings.TrimSpace(id)); err != nil {
			return err
		}
		return tx.Record(ctx, "api_token.revoked", id+" by "+by)
	})
}

var errUnauthenticated = errs.New(errs.Unauthenticated, "token", "须以有效的 API 令牌调用（Authorization: Bearer …）", "call with a valid API token (Authorization: Bearer …)")

// Check returns the live token whose secret the request carries. A
// missing, malformed, unknown or revoked token is Unauthenticated; a
// database fault stays what it is (unavailable, retry), never that.
func (t *Tokens) Check(r *http.Request) (*nodestore.APIToken, error) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !strings.HasPrefix(secret, Prefix) || len(secret) > 100 {
		return nil, errUnauthenticated
	}
	var tok *nodestore.APIToken
	err := t.DB.Read(r.Context(), func(tx *nodestore.Tx) (err error) {
		tok, err = tx.APITokenByDigest(r.Context(), digest(secret))
		return err
	})
	if errs.Is(err, errs.NotFound) {
		return nil, errUnauthenticated
	}
	return tok, err
}
