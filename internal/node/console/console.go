// Package console is a member node's web console: who the node is and
// where its onboarding stands, the datasets it holds with their gate
// reports, the member's orders, the deliveries it received, its settings
// and keys. Staff log in with the node's own accounts (package staff).
// Pages are rendered on the server from embedded templates, with no script
// and nothing loaded from elsewhere.
package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/httpserve"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/datause"
	"hulian/internal/node/demand"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/privacy"
	"hulian/internal/node/staff"
	"hulian/internal/node/supply"
	"hulian/internal/pricing"
)

//go:embed templates/*.html static/*
var files embed.FS

// SessionCookie is the node console's session cookie. It is not the
// platform's: a node and its platform on one host share cookies across
// ports, and one login must not stand in for the other.
const SessionCookie = "hulian_node_session"

// Deps are what the console shows and acts on.
type Deps struct {
	Node   *node.Node
	Supply *supply.Side
	Demand *demand.Side
	Staff  *staff.Staff
	// Privacy is the node's privacy centre, whose requests staff answer.
	Privacy *privacy.Centre
	// Uses is the node's data-use governance: applications, grants,
	// exports and the read monitor.
	Uses   *datause.Uses
	Logger *slog.Logger
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
}

type console struct {
	Deps
	pages     map[i18n.Lang]map[string]*template.Template
	cop       *http.CrossOriginProtection
	guard     *httpserve.LoginGuard
	anonymous *httpserve.AnonymousGate
}

// Mount registers the console's routes on mux.
func Mount(mux *http.ServeMux, d Deps) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	c := &console{Deps: d, cop: http.NewCrossOriginProtection(), guard: httpserve.NewLoginGuard(), anonymous: httpserve.NewAnonymousGate()}
	var err error
	if c.pages, err = parse(); err != nil {
		panic(err) // embedded templates: a build defect every test reports
	}
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	c.handle(mux, "GET /lang", c.switchLang, false)
	c.handle(mux, "GET /login", c.loginForm, false)
	c.handle(mux, "POST /login", c.login, false)
	c.handle(mux, "POST /logout", c.logout, true)
	c.handle(mux, "GET /{$}", c.home, true)
	c.handle(mux, "GET /datasets", c.datasets, true)
	c.handle(mux, "GET /datasets/{name}", c.dataset, true)
	c.handle(mux, "GET /orders", c.orders, true)
	c.handle(mux, "GET /deliveries", c.deliveries, true)
	c.handle(mux, "GET /settings", c.settings, true)
	c.handle(mux, "GET /consent", c.consentPage, true)
	c.handle(mux, "POST /consent/bind", c.consentBind, true)
	c.handle(mux, "POST /consent/verify", c.consentVerify, true)
	c.handle(mux, "POST /consent/requests/{id}", c.consentCloseRequest, true)
	c.handle(mux, "GET /collection", c.collectionPage, true)
	c.handle(mux, "POST /collection/plans", c.collectionPropose, true)
	c.handle(mux, "POST /collection/plans/{id}/decide", c.collectionDecide, true)
	c.handle(mux, "GET /datause", c.datausePage, true)
	c.handle(mux, "POST /datause/apply", c.datauseApply, true)
	c.handle(mux, "POST /datause/unblock", c.datauseUnblock, true)
	c.handle(mux, "POST /datause/{id}/decide", c.datauseDecide, true)
	c.handle(mux, "POST /datause/{id}/revoke", c.datauseRevoke, true)
	c.handle(mux, "POST /datause/{id}/export", c.datauseExport, true)
	c.handle(mux, "GET /thirdparties", c.thirdPartiesPage, true)
	c.handle(mux, "GET /inspections", c.inspectionsPage, true)
	c.handle(mux, "POST /inspections/run", c.inspectionsRun, true)
	c.handle(mux, "POST /inspections/findings/{id}/remedy", c.inspectionsRemedy, true)
	c.handle(mux, "GET /grading", c.gradingPage, true)
	c.handle(mux, "POST /grading/confirm", c.gradingConfirm, true)
	c.handle(mux, "GET /checks", c.checksPage, true)
	c.handle(mux, "POST /checks/{check}", c.checksRun, true)
	c.handle(mux, "/", c.notFound, false)
}

// parse builds every page once per language; {{t "中文" "English"}} keeps
// both halves of each string side by side in the templates.
func parse() (map[i18n.Lang]map[string]*template.Template, error) {
	paths, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[i18n.Lang]map[string]*template.Template{}
	for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
		base, err := template.New("layout.html").Funcs(funcs(lang)).ParseFS(files, "templates/layout.html")
		if err != nil {
			return nil, err
		}
		out[lang] = map[string]*template.Template{}
		for _, p := range paths {
			name := strings.TrimPrefix(p, "templates/")
			if name == "layout.html" {
				continue
			}
			t, err := template.Must(base.Clone()).ParseFS(files, p)
			if err != nil {
				return nil, err
			}
			out[lang][name] = t
		}
	}
	return out, nil
}

func funcs(lang i18n.Lang) template.FuncMap {
	return template.FuncMap{
		// Both halves or nothing: a missing one would show the other
		// language, so it fails the page (and every test of it).
		"t": func(zh, en string) (string, error) {
			if zh == "" || en == "" {
				return "", fmt.Errorf("untranslated text %q / %q", zh, en)
			}
			return i18n.T(zh, en).In(lang), nil
		},
		// Times are stored in UTC and shown in Beijing time.
		"bj": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(calendar.Shanghai).Format("2006-01-02 15:04")
		},
		"bjp": func(t *time.Time) string {
			if t == nil || t.IsZero() {
				return "—"
			}
			return t.In(calendar.Shanghai).Format("2006-01-02 15:04")
		},
		"yuan": func(fen int64) string { return "¥" + pricing.FormatYuan(fen) },
		"size": sizeText,
		"text": func(x i18n.Text) string { return x.In(lang) },
		// Who did something, as the console records it: a console login
		// is shown as the login.
		"trimPrefix": strings.TrimPrefix,
	}
}

// view is what every page receives: the page's own data in Data.
type view struct {
	Lang    i18n.Lang
	Path    string
	Title   string
	Account *nodestore.Account // nil before login
	CSRF    string
	Member  string // the member's ID, for the header
	Err     *errs.Error
	Data    any
}

type handler func(w http.ResponseWriter, r *http.Request, v *view) error

type sessionKey struct{}

// handle wraps h: no caching, the language, the session (required
// when login is set), CSRF on changes, and errors rendered as pages.
func (c *console) handle(mux *http.ServeMux, pattern string, h handler, login bool) {
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The node server sets the security headers on every response
		// (its secureHeaders); pages are never cached besides.
		w.Header().Set("Cache-Control", "no-store")
		v := &view{Lang: httpserve.LangOf(r), Path: r.URL.Path, Member: c.Node.MemberID()}
		err := c.cop.Check(r)
		if err != nil {
			err = errs.New(errs.PermissionDenied, "", "请求来自其他网站，已拒绝", "the request came from another site and was refused")
		} else if err = limitBody(w, r); err == nil {
			err = c.session(r, v)
		}
		if err == nil && login && v.Account == nil {
			err = errs.New(errs.Unauthenticated, "", "请先登录", "log in first")
		}
		if err == nil && v.Account == nil {
			// A stranger's form (the login) is small and read a bounded
			// number at a time.
			var release func()
			if release, err = c.anonymous.Enter(w, r); err == nil {
				defer release()
			}
		}
		if err == nil {
			err = h(w, r, v)
		}
		if err != nil {
			c.fail(w, r, v, err)
		}
	}))
}

// limitBody bounds a change's body before anything reads it (the form's
// anti-forgery token is read from it): a form a few kilobytes, an upload
// to the self-checks maxUpload. An upload is parsed here, its files beyond
// a megabyte kept in temporary files, so that one too large is named as
// such rather than taken for a stale form.
func limitBody(w http.ResponseWriter, r *http.Request) error {
	if httpserve.SafeMethod(r.Method) {
		return nil
	}
	limit := int64(1 << 20)
	if strings.HasPrefix(r.URL.Path, "/checks/") {
		limit = maxUpload + 1<<20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return nil
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errs.Invalidf("file", "上传的文件超过 32 MiB", "the file is over 32 MiB")
		}
		return errs.Invalidf("file", "无法读取上传的表单", "cannot read the uploaded form")
	}
	return nil
}

// cookie is the session cookie's name: with the __Host- prefix under
// HTTPS.
func (c *console) cookie() string { return httpserve.CookieName(SessionCookie, c.SecureCookies) }

// session puts the logged-in account in v. No cookie, or a stale one, is
// no login; a database fault is an error, never taken for "logged out".
func (c *console) session(r *http.Request, v *view) error {
	ck, err := r.Cookie(c.cookie())
	if err != nil || ck.Value == "" {
		return nil
	}
	s, err := c.Staff.Session(r.Context(), ck.Value)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !httpserve.SafeMethod(r.Method) {
		if err := httpserve.CheckCSRF(r, s.CSRF); err != nil {
			return err
		}
	}
	v.Account, v.CSRF = s.Account, s.CSRF
	return nil
}

// fail renders err: a form error beside its form, a missing login as a
// redirect to the login page, anything else as the error page. Internal
// details go to the log only.
func (c *console) fail(w http.ResponseWriter, r *http.Request, v *view, err error) {
	var fe *formError
	if errors.As(err, &fe) {
		v.Err = c.public(r, fe.err)
		c.render(w, v.Err.Kind.HTTPStatus(), fe.page, v)
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
	v.Err, v.Data, v.Title = e, status, ""
	c.render(w, status, "error.html", v)
}

func (c *console) public(r *http.Request, err error) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind != errs.Internal {
		if e.Kind == errs.Unavailable {
			c.Logger.ErrorContext(r.Context(), "node console request failed", "method", r.Method, "path", r.URL.Path, "err", err, "cause", errors.Unwrap(err))
		}
		return e
	}
	c.Logger.ErrorContext(r.Context(), "node console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return errs.New(errs.Internal, "", "内部错误，请稍后重试；详情见节点日志", "internal error; retry later; the node's log has the details")
}

// formError shows a form again with its error.
type formError struct {
	page string
	err  error
}

func (e *formError) Error() string { return e.err.Error() }

func (c *console) render(w http.ResponseWriter, status int, page string, v *view) {
	var buf bytes.Buffer
	if err := c.pages[v.Lang][page].Execute(&buf, v); err != nil {
		c.Logger.Error("render node console", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// switchLang sets the language cookie and returns to the page it came
// from, if that is a path on this console.
func (c *console) switchLang(w http.ResponseWriter, r *http.Request, _ *view) error {
	http.SetCookie(w, &http.Cookie{
		Name: "lang", Value: string(i18n.Parse(r.URL.Query().Get("to"))), Path: "/",
		MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, localPath(r.URL.Query().Get("back")), http.StatusSeeOther)
	return nil
}

// localPath keeps redirects on this console: anything that is not a plain
// absolute path becomes "/".
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

func (c *console) notFound(w http.ResponseWriter, r *http.Request, v *view) error {
	return errs.New(errs.NotFound, "", "没有这个页面", "no such page")
}

// timeout bounds what a page waits for the platform.
func timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 5*time.Second)
}

// sizeText is a number of bytes for people, in decimal units: 1.9 GB,
// 340 kB.
func sizeText(b int64) string {
	if b < 1000 {
		return strconv.FormatInt(b, 10) + " B"
	}
	div, exp := int64(1000), 0
	for n := b / 1000; n >= 1000; n /= 1000 {
		div *= 1000
		exp++
	}
	return strconv.FormatFloat(float64(b)/float64(div), 'f', 1, 64) + " " + string("kMGTPE"[exp]) + "B"
}
