package console

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/sig"
)

// handler is a console handler: it writes a page or a redirect, or returns
// an error that wrap renders as a page with the status of the error's kind.
type handler func(w http.ResponseWriter, r *http.Request) error

func (c *console) handle(mux *http.ServeMux, pattern string, h handler) {
	mux.Handle(pattern, c.wrap(h))
}

// wrap is the one place errors become pages. It also sets the headers every
// console response carries and refuses cross-origin form posts, including
// those of visitors without a session (login, apply), which the session's
// CSRF token cannot cover.
func (c *console) wrap(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		err := c.cop.Check(r)
		if err != nil {
			err = errs.New(errs.PermissionDenied, "", "请求来自其他网站，已拒绝", "the request came from another site and was refused")
		} else {
			err = h(w, r)
		}
		if err != nil {
			c.fail(w, r, err)
		}
	})
}

// formError asks wrap to show a form again with the error next to its field.
type formError struct {
	page string
	v    *view
	err  error
}

func (e *formError) Error() string { return e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// again returns err as a formError for page, unless it is an internal error,
// which gets the plain error page.
func again(page string, v *view, err error) error {
	if err == nil || errs.KindOf(err) == errs.Internal {
		return err
	}
	return &formError{page: page, v: v, err: err}
}

func (c *console) fail(w http.ResponseWriter, r *http.Request, err error) {
	var fe *formError
	if errors.As(err, &fe) {
		e := c.public(r, fe.err)
		fe.v.Err = e
		c.render(w, r, e.Kind.HTTPStatus(), fe.page, fe.v)
		return
	}
	e := c.public(r, err)
	if e.Kind == errs.Unauthenticated && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	status := e.Kind.HTTPStatus()
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	c.render(w, r, status, "error.html", &view{Title: statusTitle(status), Err: e})
}

// public turns err into what a person may see; the details of internal
// errors go to the log only.
func (c *console) public(r *http.Request, err error) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind != errs.Internal {
		if e.Kind == errs.Unavailable {
			c.log.ErrorContext(r.Context(), "console request failed", "method", r.Method, "path", r.URL.Path, "err", err, "cause", errors.Unwrap(err))
		}
		return e
	}
	c.log.ErrorContext(r.Context(), "console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return errs.New(errs.Internal, "", "内部错误，请稍后重试或联系运营方", "internal error; retry later or contact the operator")
}

func statusTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "error.notfound"
	case http.StatusForbidden:
		return "error.forbidden"
	case http.StatusUnauthorized:
		return "error.unauthenticated"
	case http.StatusTooManyRequests:
		return "error.toomany"
	case http.StatusBadRequest, http.StatusConflict, http.StatusPreconditionFailed:
		return "error.rejected"
	}
	return "error.internal"
}

// view is what every page template receives.
type view struct {
	Lang   i18n.Lang
	Actor  auth.Actor
	CSRF   string
	Path   string // where the language switch returns to
	CSS    string
	Title  string // message key
	Notice string // message key of a confirmation banner
	Err    *errs.Error
	Form   url.Values // submitted values, to fill a form shown again
	Data   any

	names *nameBook // IDs to names, loaded when a template asks

	// fields are the inputs the page shows; an error about one of them is
	// shown next to it rather than only in the banner.
	fields []string
}

// LoggedIn reports whether an account is logged in.
func (v *view) LoggedIn() bool { return v.Actor.AccountID != "" }

// IsStaff reports whether the actor is operator or regulator staff.
func (v *view) IsStaff() bool { return v.Actor.Role.IsStaff() }

// IsMember reports whether the actor is a member's staff.
func (v *view) IsMember() bool { return v.Actor.Role == auth.RoleMember }

// FieldError is the reason for the error about field, if there is one.
func (v *view) FieldError(field string) string {
	if v.Err == nil || v.Err.Field != field {
		return ""
	}
	return v.Err.Reason.In(v.Lang)
}

// Alert is the banner text for the page's error.
func (v *view) Alert() string {
	if v.Err == nil {
		return ""
	}
	for _, f := range v.fields {
		if f == v.Err.Field {
			return messages["form.check"].In(v.Lang)
		}
	}
	return errs.Message(v.Err, v.Lang)
}

// Value is a submitted form value.
func (v *view) Value(field string) string { return v.Form.Get(field) }

// render executes page into a buffer first, so that a template failure
// becomes a clean 500 instead of half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	ctx := r.Context()
	v.Lang = i18n.From(ctx)
	v.Actor = auth.ActorFrom(ctx)
	v.CSRF = auth.CSRFFrom(ctx)
	v.CSS = c.cssURL
	if v.names == nil && c.p != nil {
		v.names = &nameBook{ctx: ctx, p: c.p}
	}
	if v.Path == "" {
		v.Path = "/"
		if r.Method == http.MethodGet {
			v.Path = r.URL.RequestURI()
		}
	}
	t := c.pages[v.Lang][page]
	if t == nil {
		t = c.pages[i18n.ZH][page]
	}
	var buf bytes.Buffer
	if t == nil {
		c.log.ErrorContext(ctx, "no such console page", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.Execute(&buf, v); err != nil {
		c.log.ErrorContext(ctx, "render console page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type fieldView struct {
	V    *view
	Name string
	Type string // the input type
	Auto string // the autocomplete hint
}

// cst is China Standard Time, in which the console shows times. A fixed
// zone needs no time-zone database on the server.
var cst = time.FixedZone("UTC+8", 8*3600)

func (c *console) funcs(lang i18n.Lang) template.FuncMap {
	t := func(key string) (string, error) {
		m, ok := messages[key]
		if !ok {
			return "", fmt.Errorf("no message %q", key)
		}
		return m.In(lang), nil
	}
	return template.FuncMap{
		"t": t,
		"stage": func(s member.Stage) (string, error) {
			return t("stage." + string(s))
		},
		"time": func(at time.Time) string {
			if at.IsZero() {
				return ""
			}
			return at.In(cst).Format("2006-01-02 15:04:05") + " (UTC+8)"
		},
		"hint": func(field string) string {
			if m, ok := messages["hint."+field]; ok {
				return m.In(lang)
			}
			return ""
		},
		// field bundles what the "input" template needs about one input.
		"field": func(v *view, name, typ, auto string) fieldView {
			return fieldView{V: v, Name: name, Type: typ, Auto: auto}
		},
		"list":    func(s ...string) []string { return s },
		"dispute": func(v *view, d disputeRow) disputeItem { return disputeItem{disputeRow: d, V: v} },
		"b64":     func(b []byte) string { return base64.StdEncoding.EncodeToString(b) },
		// sigalg names a node signing key's algorithm (package sig).
		"sigalg": func(pub []byte) string {
			alg, _ := sig.AlgOf(pub)
			return sig.Name(alg)
		},
		"roles": func(m *member.Member) string {
			var out []string
			for _, r := range m.Roles() {
				out = append(out, messages["role."+r].In(lang))
			}
			if lang == i18n.EN {
				return strings.Join(out, ", ")
			}
			return strings.Join(out, "、")
		},
	}
}
