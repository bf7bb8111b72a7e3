package platform

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
)

// CreateToken makes an API token for the acting account, limited to scope
// and living ttl, and returns its secret, which is shown once and stored
// only as a digest.
func (p *Platform) CreateToken(ctx context.Context, name string, scope auth.ScopeSet, ttl time.Duration) (string, *store.Token, error) {
	if err := auth.Require(ctx, auth.PermTokenManage); err != nil {
		return "", nil, err
	}
	name, err := TokenName(name)
	if err != nil {
		return "", nil, err
	}
	if len(scope) == 0 {
		return "", nil, errs.Invalidf("scope", "须至少指定一个令牌范围", "a token needs at least one scope")
	}
	if ttl <= 0 || ttl > auth.MaxTokenTTL {
		return "", nil, errs.Invalidf("ttl_days", "令牌有效期须为 1 到 365 天", "a token lives 1 to 365 days")
	}
	secret, digest := auth.NewSecret("hlt_")
	t := &store.Token{ID: auth.NewID("tok_"), Name: name, Scope: scope}
	err = p.DB.Transact(ctx, func(tx *store.Tx) error {
		t.Expires = tx.Now().Add(ttl)
		if err := tx.CreateToken(ctx, t, digest); err != nil {
			return err
		}
		_, err := tx.Append(ctx, t.MemberID, bizlog.KindTokenCreated, t.ID, bizlog.P{
			"name": t.Name, "account": t.AccountID, "scope": scope.String(), "expires": t.Expires.Format(time.RFC3339)})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// TokenName checks and trims a token's name.
func TokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", errs.Invalidf("name", "令牌名称不能为空，且不超过 100 字", "token name is required and at most 100 characters")
	}
	return name, nil
}

// RevokeToken revokes one of the acting account's tokens.
func (p *Platform) RevokeToken(ctx context.Context, id string) error {
	if err := auth.Require(ctx, auth.PermTokenManage); err != nil {
		return err
	}
	return p.DB.Transact(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeToken(ctx, id); err != nil {
			return err
		}
		_, err := tx.Append(ctx, auth.ActorFrom(ctx).MemberID, bizlog.KindTokenRevoked, id, bizlog.P{})
		return err
	})
}

// TokenAccount resolves a bearer token to its token and account. An
// unknown, revoked or expired token and a disabled account are one
// Unauthenticated error; a database fault stays the database's error, so
// that a caller is told to retry rather than that its token is bad.
func (p *Platform) TokenAccount(ctx context.Context, secret string) (*store.Token, *store.Account, error) {
	var t *store.Token
	var a *store.Account
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) {
		t, a, err = tx.TokenAccount(ctx, auth.Digest(secret))
		return err
	})
	bad := errs.New(errs.Unauthenticated, "token", "令牌无效、已撤销或已过期", "the token is invalid, revoked or expired")
	switch {
	case errs.Is(err, errs.NotFound):
		return nil, nil, bad
	case err != nil:
		return nil, nil, err
	case !t.Live(p.DB.Now()) || !a.Disabled.IsZero():
		return nil, nil, bad
	}
	return t, a, nil
}

// Tokens lists the acting account's API tokens (never their secrets).
func (p *Platform) Tokens(ctx context.Context) ([]store.Token, error) {
	if err := auth.Require(ctx, auth.PermTokenManage); err != nil {
		return nil, err
	}
	if auth.ActorFrom(ctx).AccountID == "" {
		return nil, errs.New(errs.PermissionDenied, "", "只有登录账户有令牌", "only a logged-in account has tokens")
	}
	var ts []store.Token
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) { ts, err = tx.ListTokens(ctx); return err })
	return ts, err
}
