package console

import (
	"net/http"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/httpserve"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

type loginData struct {
	Next      string
	Bootstrap bool // no operator exists yet: show how to create one
}

var loginFields = []string{"login", "password"}

func (c *console) loginForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if auth.ActorFrom(ctx).AccountID != "" {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	boot, err := c.p.NeedsBootstrap(ctx)
	if err != nil {
		return err
	}
	v := &view{Title: "login.title", Data: loginData{Next: localPath(r.URL.Query().Get("next")), Bootstrap: boot}, fields: loginFields}
	if r.URL.Query().Has("applied") {
		v.Notice = "apply.done"
	}
	c.render(w, r, http.StatusOK, "login.html", v)
	return nil
}

// login checks the password and sets the session cookie. Attempts are
// limited per login name and per client address before the password is
// even looked at, so that guessing costs the attacker time, not the
// server's argon2 work.
func (c *console) login(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	next := localPath(r.PostFormValue("next"))
	v := &view{Title: "login.title", Path: "/login", Data: loginData{Next: next}, Form: submitted(r, "password"), fields: loginFields}
	// The platform's clock, which tests stub: a fixed clock never refills
	// the buckets, so limits are tested without waiting.
	now := c.p.DB.Now()
	if !c.guard.Allow(r, login, now) {
		w.Header().Set("Retry-After", "60")
		return again("login.html", v, errs.New(errs.ResourceExhausted, "", "登录尝试过于频繁，请一分钟后再试", "too many login attempts; wait a minute and try again"))
	}
	var secret string
	var s *store.Session
	err := c.guard.Check(ctx, login, now, func() (err error) {
		secret, s, err = c.p.Login(ctx, login, r.PostFormValue("password"))
		return err
	})
	if err != nil {
		return again("login.html", v, err)
	}
	http.SetCookie(w, &http.Cookie{
		Name:  httpserve.CookieName(auth.SessionCookie, c.opt.SecureCookies),
		Value: secret,
		Path:  "/",
		// A relative lifetime, not s.Expires: it does not depend on the
		// browser's clock agreeing with the server's.
		MaxAge:   int(platform.SessionTTL.Seconds()),
		HttpOnly: true,
		Secure:   c.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	c.log.InfoContext(ctx, "console login", "account", s.Account.ID, "role", s.Account.Role)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
