package console

import (
	"net/http"
	"time"

	"hulian/internal/i18n"
)

// setLang stores the chosen language in the "lang" cookie, which the
// platform's middleware reads on every request, and returns to the page.
func (c *console) setLang(w http.ResponseWriter, r *http.Request) error {
	lang := i18n.Parse(r.PathValue("lang"))
	http.SetCookie(w, &http.Cookie{
		Name:     "lang",
		Value:    string(lang),
		Path:     "/",
		MaxAge:   int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true,
		Secure:   c.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
	return nil
}
