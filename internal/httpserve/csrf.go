package httpserve

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// SafeMethod reports whether m cannot change state, so needs no CSRF token.
func SafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// CheckCSRF guards cookie-authenticated changes on the platform's and the
// nodes' consoles: the session's token must come back in a header or form
// field, and a browser-sent Origin must be this site. SameSite=Lax cookies
// already stop most cross-site posts; the token also stops same-site
// attackers.
func CheckCSRF(r *http.Request, want string) error {
	bad := errs.New(errs.PermissionDenied, auth.CSRFField, "页面已过期或来源不明，请刷新后重试", "the page expired or came from elsewhere; reload and try again")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		host := strings.TrimPrefix(strings.TrimPrefix(o, "http://"), "https://")
		if host != r.Host {
			return bad
		}
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue(auth.CSRFField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return bad
	}
	return nil
}

// LangOf picks a console's language: the "lang" cookie set by its
// language switch, else Accept-Language, else Chinese.
func LangOf(r *http.Request) i18n.Lang {
	if c, err := r.Cookie("lang"); err == nil {
		return i18n.Parse(c.Value)
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "en") {
		return i18n.EN
	}
	return i18n.ZH
}
