// Package console is the platform's web console: server-rendered pages for
// the operator, the regulator and member staff. Templates and the style
// sheet are embedded in the binary and use no script and no outside
// resource, so every page renders on a machine with no network.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"hulian/internal/httpserve"
	"hulian/internal/i18n"
	"hulian/internal/platform"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/relay"
)

//go:embed templates/*.html static/*
var files embed.FS

// Options configure the console.
type Options struct {
	// SecureCookies marks cookies Secure; set it when the platform is
	// served over TLS (usually by a proxy in front of it).
	SecureCookies bool
	Logger        *slog.Logger
	// Guard limits password attempts; the platform shares one with its
	// API. A console of its own if nil.
	Guard *httpserve.LoginGuard
}

type console struct {
	x      *exchange.Exchange
	p      *platform.Platform // x.Platform, the core
	bizlog *logkeeper.Keeper  // x.Log
	relay  *relay.Relay       // x.Relay
	opt    Options
	log    *slog.Logger
	pages  map[i18n.Lang]map[string]*template.Template
	cssURL string
	cop    *http.CrossOriginProtection
	guard  *httpserve.LoginGuard
}

// Mount registers the console's routes on mux. The platform's middleware
// has already put the actor, the language and the session's CSRF token in
// each request's context and checked that token on unsafe methods.
func Mount(mux *http.ServeMux, x *exchange.Exchange, opt Options) {
	c, err := newConsole(x, opt)
	if err != nil {
		// The templates are embedded: a parse error is a build defect that
		// every test of this package reports.
		panic(err)
	}
	c.routes(mux)
}

func newConsole(x *exchange.Exchange, opt Options) (*console, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	css, err := files.ReadFile("static/console.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(css)
	c := &console{x: x,
		p:      x.Platform,
		bizlog: x.Log,
		relay:  x.Relay,
		opt:    opt,
		log:    opt.Logger,
		// The content hash in the URL lets browsers cache the style sheet
		// for a long time and still see a new one after an upgrade.
		cssURL: "/static/console.css?v=" + hex.EncodeToString(sum[:6]),
		cop:    http.NewCrossOriginProtection(),
		guard:  opt.Guard,
	}
	if c.guard == nil {
		c.guard = httpserve.NewLoginGuard()
	}
	if c.pages, err = c.parse(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *console) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/", cacheForever(http.StripPrefix("/static/", http.FileServerFS(static))))

	c.handle(mux, "GET /{$}", c.root)
	c.handle(mux, "GET /lang/{lang}", c.setLang)
	c.handle(mux, "GET /login", c.loginForm)
	c.handle(mux, "POST /login", c.login)
	c.handle(mux, "POST /logout", c.logout)
	c.handle(mux, "GET /apply", c.applyForm)
	c.handle(mux, "POST /apply", c.apply)
	c.handle(mux, "GET /members", c.members)
	c.handle(mux, "GET /members/{id}", c.member)
	c.handle(mux, "POST /members/{id}/review", c.review)
	c.handle(mux, "POST /members/reject", c.rejectApplications)
	c.handle(mux, "GET /statements", c.statements)
	c.handle(mux, "GET /statements/{id}", c.statement)
	c.handle(mux, "GET /statements/{id}/export.csv", c.statementCSV)
	c.handle(mux, "GET /statements/{id}/export.xlsx", c.statementXLSX)
	c.settleRoutes(mux)
	c.supervisionRoutes(mux)
	c.complaintRoutes(mux)
	c.incidentRoutes(mux)
	c.mediationRoutes(mux)
	c.cyclesRoutes(mux)
	c.handle(mux, "GET /home", c.home)
	c.handle(mux, "POST /home/agreement", c.signAgreement)
	c.handle(mux, "POST /home/keys", c.registerKeys)
	c.handle(mux, "POST /home/resubmit", c.resubmit)
	c.handle(mux, "GET /log", c.logView)
	c.handle(mux, "POST /log/verify", c.verifyLog)
	c.handle(mux, "GET /tokens", c.tokens)
	c.handle(mux, "POST /tokens", c.tokenCreate)
	c.handle(mux, "POST /tokens/{id}/revoke", c.tokenRevoke)
	c.catalogRoutes(mux)
	c.marketRoutes(mux)
	// The least specific pattern: whatever no route group claims gets the
	// console's 404 page.
	c.handle(mux, "/", c.notFound)
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// parse builds every page once per language, with the message function
// bound to that language so templates say {{t "key"}}.
func (c *console) parse() (map[i18n.Lang]map[string]*template.Template, error) {
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[i18n.Lang]map[string]*template.Template{}
	for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
		base, err := template.New("layout.html").Funcs(c.funcs(lang)).ParseFS(files, "templates/layout.html", "templates/_*.html")
		if err != nil {
			return nil, err
		}
		out[lang] = map[string]*template.Template{}
		for _, path := range pages {
			name := path[len("templates/"):]
			if name == "layout.html" || name[0] == '_' {
				continue
			}
			t, err := template.Must(base.Clone()).ParseFS(files, path)
			if err != nil {
				return nil, fmt.Errorf("parse %s: %w", name, err)
			}
			out[lang][name] = t
		}
	}
	return out, nil
}
