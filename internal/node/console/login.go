package console

import (
	"net/http"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
)

type loginData struct {
	Next      string
	Login     string
	Bootstrap bool // no account yet: the page says how to create one
}

func (c *console) loginForm(w http.ResponseWriter, r *http.Request, v *view) error {
	next := localPath(r.URL.Query().Get("next"))
	if v.Account != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	boot, err := c.Staff.NeedsBootstrap(r.Context())
	if err != nil {
		return err
	}
	v.Title, v.Data = "login", loginData{Next: next, Bootstrap: boot}
	c.render(w, http.StatusOK, "login.html", v)
	return nil
}

// login checks the password and sets the session cookie. Attempts are
// limited per login and per address before the password is hashed, as on
// the platform, so that guessing costs the guesser time, not the node's
// argon2 work.
func (c *console) login(w http.ResponseWriter, r *http.Request, v *view) error {
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	next := localPath(r.PostFormValue("next"))
	v.Title, v.Data = "login", loginData{Next: next, Login: login}
	if !c.guard.Allow(r, login, c.Node.Now()) {
		w.Header().Set("Retry-After", "60")
		return &formError{"login.html", errs.New(errs.ResourceExhausted, "", "登录尝试过于频繁，请一分钟后再试", "too many login attempts; wait a minute and try again")}
	}
	var secret string
	var s *nodestore.Session
	err := c.guard.Check(r.Context(), login, c.Node.Now(), func() (err error) {
		secret, s, err = c.Staff.Login(r.Context(), login, r.PostFormValue("password"))
		return err
	})
	if errs.KindOf(err) == errs.Unauthenticated || errs.KindOf(err) == errs.Invalid {
		return &formError{"login.html", err}
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: c.cookie(), Value: secret, Path: "/",
		MaxAge: int(auth.SessionTTL.Seconds()), HttpOnly: true, Secure: c.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	c.Logger.InfoContext(r.Context(), "node console login", "login", s.Account.Login)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// logout ends the session. It is a POST with the session's CSRF token, so
// another site cannot log a person out.
func (c *console) logout(w http.ResponseWriter, r *http.Request, v *view) error {
	if ck, err := r.Cookie(c.cookie()); err == nil && ck.Value != "" {
		if err := c.Staff.Logout(r.Context(), ck.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookie(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
