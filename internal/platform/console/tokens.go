package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
)

// tokenFields are the inputs of the token form.
var tokenFields = []string{"name", "scope", "ttl_days"}

// tokenDays are the lifetimes the form offers, in days.
var tokenDays = []int{7, 30, 90, 180, 365}

type tokensData struct {
	Tokens []tokenRow
	Scopes []scopeOption
	Days   []int
	// Made is the token just created: its secret is on this one page and
	// nowhere else.
	Made   *tokenRow
	Secret string
}

type tokenRow struct {
	store.Token
	Scope string // for people
	State string // message key: tokens.state.live, .revoked, .expired
}

type scopeOption struct {
	Value, Label string
}

func (c *console) tokensView(r *http.Request, form map[string][]string) (*view, error) {
	ctx := r.Context()
	ts, err := c.p.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	lang := i18n.From(ctx)
	d := &tokensData{Days: tokenDays}
	for _, s := range auth.Scopes() {
		d.Scopes = append(d.Scopes, scopeOption{string(s), s.Label().In(lang)})
	}
	now := c.p.DB.Now() // the platform's clock decides expiry
	for _, t := range ts {
		d.Tokens = append(d.Tokens, row(t, lang, now))
	}
	return &view{Title: "tokens.title", Data: d, Form: form, fields: tokenFields}, nil
}

func row(t store.Token, lang i18n.Lang, now time.Time) tokenRow {
	state := "tokens.state.live"
	switch {
	case !t.Revoked.IsZero():
		state = "tokens.state.revoked"
	case !now.Before(t.Expires):
		state = "tokens.state.expired"
	}
	return tokenRow{Token: t, Scope: t.Scope.Label(lang), State: state}
}

// tokens lists the account's API tokens and offers the form for a new one.
func (c *console) tokens(w http.ResponseWriter, r *http.Request) error {
	v, err := c.tokensView(r, map[string][]string{"ttl_days": {"90"}})
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "revoked" {
		v.Notice = "tokens.revoked"
	}
	c.render(w, r, http.StatusOK, "tokens.html", v)
	return nil
}

// tokenCreate makes a token and shows its secret once. The page is not
// stored by the browser or any proxy, and is not a redirect target, so a
// reload cannot show the secret again.
func (c *console) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	form := submitted(r)
	scope, err := auth.ParseScopes(strings.Join(r.PostForm["scope"], ","))
	var ttl time.Duration
	if err == nil {
		days, perr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("ttl_days")))
		if perr != nil {
			err = errs.Invalidf("ttl_days", "请选择有效期", "choose how long the token lives")
		} else {
			ttl, err = auth.TokenTTL(days)
		}
	}
	var secret string
	var t *store.Token
	if err == nil {
		secret, t, err = c.p.CreateToken(ctx, r.PostFormValue("name"), scope, ttl)
	}
	if err != nil {
		v, verr := c.tokensView(r, form)
		if verr != nil {
			return verr
		}
		return again("tokens.html", v, err)
	}
	v, err := c.tokensView(r, map[string][]string{"ttl_days": {"90"}})
	if err != nil {
		return err
	}
	made := row(*t, i18n.From(ctx), c.p.DB.Now())
	v.Data.(*tokensData).Made, v.Data.(*tokensData).Secret = &made, secret
	v.Notice = "tokens.created.note"
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, http.StatusOK, "tokens.html", v)
	return nil
}

// tokenRevoke revokes one of the account's tokens.
func (c *console) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := c.p.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/tokens?done=revoked", http.StatusSeeOther)
	return nil
}
