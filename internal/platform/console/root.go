package console

import (
	"net/http"
	"net/url"
	"strings"

	"hulian/internal/auth"
)

// root sends each actor to its home: staff to the member list, member
// staff to their onboarding page, visitors to the login page.
func (c *console) root(w http.ResponseWriter, r *http.Request) error {
	a := auth.ActorFrom(r.Context())
	switch {
	case a.Role.IsStaff():
		http.Redirect(w, r, "/members", http.StatusSeeOther)
	case a.Role == auth.RoleMember && a.AccountID != "":
		http.Redirect(w, r, "/home", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return nil
}

// localPath returns next if it is a path on this site, else "/". Only
// local paths are followed after login or a language switch, so that a
// crafted link cannot send a user elsewhere (an open redirect).
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return u.RequestURI()
}
