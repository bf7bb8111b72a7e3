package console

import (
	"net/http"

	"hulian/internal/auth"
	"hulian/internal/httpserve"
)

// logout ends the session. It is a POST carrying the session's CSRF token
// (checked by the platform's middleware), so another site cannot log a user
// out.
func (c *console) logout(w http.ResponseWriter, r *http.Request) error {
	if ck, err := r.Cookie(httpserve.CookieName(auth.SessionCookie, c.opt.SecureCookies)); err == nil && ck.Value != "" && auth.ActorFrom(r.Context()).AccountID != "" {
		if err := c.p.Logout(r.Context(), ck.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name:     httpserve.CookieName(auth.SessionCookie, c.opt.SecureCookies),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   c.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
