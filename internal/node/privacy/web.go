package privacy

import (
	"bytes"
	"context"
	"crypto/hmac"
	"embed"
	"errors"
	"html/template"
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
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
)

//go:embed templates/*.html templates/*.css
var files embed.FS

// maxForm bounds a form's body: a person's request is a short text.
const maxForm = 16 << 10

// Cookie is the privacy centre's session cookie, apart from the staff
// console's.
const Cookie = "hulian_privacy"

// Web serves the privacy centre under /privacy/.
type Web struct {
	C             *Centre
	Logger        *slog.Logger
	SecureCookies bool
	pages         map[i18n.Lang]*template.Template
	notices       map[i18n.Lang]*template.Template
	cop           *http.CrossOriginProtection
}

// Mount registers the centre's routes on mux.
func Mount(mux *http.ServeMux, c *Centre, logger *slog.Logger, secure bool) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Web{C: c, Logger: logger, SecureCookies: secure, pages: map[i18n.Lang]*template.Template{}, notices: map[i18n.Lang]*template.Template{},
		cop: http.NewCrossOriginProtection()}
	for _, lang := range []i18n.Lang{i18n.ZH, i18n.EN} {
		fm := template.FuncMap{
			"t": func(zh, en string) (string, error) {
				if zh == "" || en == "" {
					return "", errors.New("untranslated text")
				}
				return i18n.T(zh, en).In(lang), nil
			},
			"both": func(zh, en string) string { return i18n.T(zh, en).In(lang) },
			"join": strings.Join,
			"bj": func(t time.Time) string {
				if t.IsZero() {
					return "—"
				}
				return t.In(calendar.Shanghai).Format("2006-01-02 15:04")
			},
		}
		w.pages[lang] = template.Must(template.New("centre.html").Funcs(fm).ParseFS(files, "templates/centre.html"))
		w.notices[lang] = template.Must(template.New("notice.html").Funcs(fm).ParseFS(files, "templates/notice.html"))
	}
	css, _ := files.ReadFile("templates/centre.css")
	mux.HandleFunc("GET /privacy/centre.css", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/css; charset=utf-8")
		rw.Header().Set("Cache-Control", "max-age=3600")
		rw.Write(css)
	})
	mux.HandleFunc("GET /privacy/notice", w.notice)
	mux.HandleFunc("GET /privacy/notice/{version}", w.notice)
	mux.HandleFunc("GET /privacy/enter", w.enter)
	mux.HandleFunc("GET /privacy", w.page)
	mux.HandleFunc("POST /privacy/choice", w.choice)
	mux.HandleFunc("POST /privacy/request", w.request)
	mux.HandleFunc("POST /privacy/escalate", w.escalate)
	mux.HandleFunc("GET /privacy/start", w.start)
	mux.HandleFunc("POST /privacy/start", w.sendCode)
	mux.HandleFunc("GET /privacy/code", w.codePage)
	mux.HandleFunc("POST /privacy/code", w.enterByCode)
}

func (w *Web) cookie() string { return httpserve.CookieName(Cookie, w.SecureCookies) }

// enter spends the app's link and starts the session.
func (w *Web) enter(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	id, err := w.C.Enter(r.Context(), r.URL.Query().Get("t"))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	v, err := w.C.Session(r.Context(), id)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.begin(rw, r, v)
}

// begin sets the session cookie and goes to the centre.
func (w *Web) begin(rw http.ResponseWriter, r *http.Request, session string) {
	http.SetCookie(rw, &http.Cookie{Name: w.cookie(), Value: session, Path: "/privacy", MaxAge: int(SessionTTL.Seconds()), HttpOnly: true,
		Secure: w.SecureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(rw, r, "/privacy", http.StatusSeeOther)
}

// person reads the session and, on a change, checks the form's token.
func (w *Web) person(r *http.Request) (exid.ExID, string, error) {
	var id exid.ExID
	ck, err := r.Cookie(w.cookie())
	if err != nil {
		return id, "", errNoSession
	}
	if id, err = w.C.Person(r.Context(), ck.Value); err != nil {
		return id, "", err
	}
	csrf, err := w.C.CSRF(r.Context(), ck.Value)
	if err != nil {
		return id, "", err
	}
	if r.Method != http.MethodGet {
		if err := w.cop.Check(r); err != nil {
			return id, "", errs.New(errs.PermissionDenied, "", "请求来自其他网站，已拒绝", "the request came from another site and was refused")
		}
		if !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(csrf)) {
			return id, "", errs.New(errs.PermissionDenied, "csrf", "表单已过期，请刷新页面后重试", "the form has expired; reload the page and try again")
		}
	}
	return id, csrf, nil
}

type choiceRow struct {
	consent.Purpose
	State    string // "" when the person has no history for it
	Basis    string
	CanWith  bool
	CanRefus bool
}

type requestRow struct {
	*nodestore.SubjectRequest
	Overdue bool
	// Escalate is, for a complaint, the exchange operator's public
	// complaint form, prefilled with the member and the request;
	// CanEscalate offers the node's hand-over instead, and StatusURL
	// follows a complaint handed over.
	Escalate    string
	CanEscalate bool
	StatusURL   string
}

// providedRow is one recipient of the person's data.
type providedRow struct {
	*supply.Supplied
	Recipient   string // the demander's name, or its member ID when the platform cannot be asked
	Purpose     string // the order's confirmed purpose
	First, Last time.Time
	Deleted     bool // a notice told the recipient to delete it
	Corrected   bool
}

// provided lists the recipients of the person's data, named as the
// platform's orders name them.
func (w *Web) provided(ctx context.Context, id exid.ExID) ([]providedRow, error) {
	if w.C.Supplied == nil {
		return nil, nil
	}
	ss, err := w.C.Supplied(ctx, id)
	if err != nil || len(ss) == 0 {
		return nil, err
	}
	orders := map[string]*node.Order{}
	if w.C.N.PlatformURL() != "" {
		// The names are a courtesy: without the platform, the member IDs
		// still say who received the data.
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		list, err := w.C.N.Orders(octx)
		cancel()
		if err == nil {
			for _, o := range list {
				orders[o.ID] = o
			}
		}
	}
	var out []providedRow
	for _, s := range ss {
		r := providedRow{Supplied: s, Recipient: s.Demander, Purpose: s.Purpose}
		r.First, _ = time.Parse(time.RFC3339, s.First)
		r.Last, _ = time.Parse(time.RFC3339, s.Last)
		if o := orders[s.OrderID]; o != nil {
			if o.PeerName != "" {
				r.Recipient = o.PeerName
			}
			if o.Purpose != "" {
				r.Purpose = o.Purpose
			}
		}
		for _, why := range s.Notified {
			if why == supply.ReasonCorrected {
				r.Corrected = true
			} else {
				r.Deleted = true
			}
		}
		out = append(out, r)
	}
	return out, nil
}

type pageData struct {
	// Entry, when set, is the page of entry by a one-time code; CanCode
	// offers it beside an error such as an ended session.
	Entry     *entryData
	CanCode   bool
	Lang      i18n.Lang
	Path      string
	CSRF      string
	Notice    *consent.Notice
	Choices   []choiceRow
	Decisions []*nodestore.Decision // the member's automated decisions in use (P-4)
	// Provided are the recipients of the person's data (PIPL Art. 45):
	// the orders the node answered with it.
	Provided []providedRow
	Requests []requestRow
	Done     string
	Err      *errs.Error
}

func (w *Web) data(ctx context.Context, id exid.ExID, csrf string, lang i18n.Lang) (*pageData, error) {
	d := &pageData{Lang: lang, Path: "/privacy", CSRF: csrf}
	ns, err := consent.New(w.C.N).Notices(ctx)
	if err != nil {
		return nil, err
	}
	var states []*nodestore.ConsentState
	if err := w.C.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { states, err = tx.SubjectConsents(ctx, id[:]); return err }); err != nil {
		return nil, err
	}
	if len(ns) > 0 {
		d.Notice = ns[0]
		for _, p := range d.Notice.Purposes {
			row := choiceRow{Purpose: p}
			for _, s := range states {
				if s.Purpose == p.Code {
					row.State, row.Basis = s.State, s.Basis
				}
			}
			row.CanWith = row.State == consent.StateActive && row.Basis == consent.BasisConsent
			row.CanRefus = row.State != consent.StateOptedOut && !row.CanWith
			d.Choices = append(d.Choices, row)
		}
	}
	if err := w.C.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { d.Decisions, err = tx.Decisions(ctx, false); return err }); err != nil {
		return nil, err
	}
	if d.Provided, err = w.provided(ctx, id); err != nil {
		return nil, err
	}
	rs, err := w.C.Requests(ctx, id[:])
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(w.C.N.Now())
	for _, r := range rs {
		row := requestRow{SubjectRequest: r, Overdue: Overdue(r, today)}
		if r.Kind == "complain" && w.C.N.PlatformURL() != "" {
			concerns := i18n.T("成员 "+w.C.N.MemberID()+"（其隐私中心请求 "+r.ID+"）", "member "+w.C.N.MemberID()+" (its privacy centre's request "+r.ID+")").In(lang)
			base := strings.TrimRight(w.C.N.PlatformURL(), "/")
			row.Escalate = base + "/complain?" + url.Values{"kind": {"privacy"}, "concerns": {concerns}}.Encode()
			row.CanEscalate = r.EscalatedID == ""
			if r.EscalatedID != "" {
				row.StatusURL = base + "/complain/status?" + url.Values{"id": {r.EscalatedID}, "code": {r.EscalatedCode}}.Encode()
			}
		}
		d.Requests = append(d.Requests, row)
	}
	return d, nil
}

func (w *Web) page(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	id, csrf, err := w.person(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	d, err := w.data(r.Context(), id, csrf, httpserve.LangOf(r))
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	d.Done = r.URL.Query().Get("done")
	w.render(rw, http.StatusOK, d)
}

// choice records a withdrawal or a refusal under the notice in force.
func (w *Web) choice(rw http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(rw, r.Body, maxForm)
	id, csrf, err := w.person(r)
	if err == nil {
		var ns []*consent.Notice
		if ns, err = consent.New(w.C.N).Notices(r.Context()); err == nil && len(ns) == 0 {
			err = errs.New(errs.FailedPrecondition, "notice", "尚无隐私告知", "there is no privacy notice")
		}
		if err == nil {
			action := map[string]string{"withdraw": consent.Withdrawn, "refuse": consent.OptedOut}[r.PostFormValue("action")]
			if action == "" {
				err = errs.Invalidf("action", "请选择撤回或拒绝", "choose to withdraw or to refuse")
			} else {
				_, err = consent.New(w.C.N).Record(r.Context(), []consent.Input{{ExID: id[:], Purpose: r.PostFormValue("purpose"), Action: action,
					NoticeVersion: ns[0].Version, Method: "privacy_centre", At: w.C.N.Now()}}, "privacy-centre")
			}
		}
	}
	w.after(rw, r, id, csrf, err, "choice")
}

func (w *Web) request(rw http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(rw, r.Body, maxForm)
	id, csrf, err := w.person(r)
	if err == nil {
		_, err = w.C.FileAbout(r.Context(), id, r.PostFormValue("kind"), r.PostFormValue("decision"), r.PostFormValue("details"))
	}
	w.after(rw, r, id, csrf, err, "request")
}

// escalate hands one of the person's complaints over to the operator.
func (w *Web) escalate(rw http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(rw, r.Body, maxForm)
	id, csrf, err := w.person(r)
	if err == nil {
		_, err = w.C.Escalate(r.Context(), id, r.PostFormValue("request"), r.PostFormValue("complainant"), r.PostFormValue("contact"))
	}
	w.after(rw, r, id, csrf, err, "escalate")
}

// after redirects to the page, or shows it again with the error.
func (w *Web) after(rw http.ResponseWriter, r *http.Request, id exid.ExID, csrf string, err error, done string) {
	var rowErr *consent.RowError
	if errors.As(err, &rowErr) {
		err = rowErr.Err
	}
	if err == nil {
		http.Redirect(rw, r, "/privacy?done="+done, http.StatusSeeOther)
		return
	}
	k := errs.KindOf(err)
	if k != errs.Invalid && k != errs.FailedPrecondition {
		w.fail(rw, r, err)
		return
	}
	d, derr := w.data(r.Context(), id, csrf, httpserve.LangOf(r))
	if derr != nil {
		w.fail(rw, r, derr)
		return
	}
	d.Err = public(err)
	w.render(rw, k.HTTPStatus(), d)
}

func public(err error) *errs.Error {
	var e *errs.Error
	if errors.As(err, &e) && e.Kind != errs.Internal {
		return e
	}
	return errs.New(errs.Internal, "", "内部错误，请稍后重试", "internal error; try again later")
}

func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	e := public(err)
	if e.Kind == errs.Internal || e.Kind == errs.Unavailable {
		w.Logger.ErrorContext(r.Context(), "privacy centre request failed", "path", r.URL.Path, "err", err)
	}
	w.render(rw, e.Kind.HTTPStatus(), &pageData{Lang: httpserve.LangOf(r), Path: r.URL.Path, Err: e, CanCode: len(w.C.Channels()) > 0})
}

func (w *Web) render(rw http.ResponseWriter, status int, d *pageData) {
	var buf bytes.Buffer
	if err := w.pages[d.Lang].Execute(&buf, d); err != nil {
		w.Logger.Error("render the privacy centre", "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}

type noticeData struct {
	Lang   i18n.Lang
	Path   string
	Notice *consent.Notice
	Newer  bool // a later version is published
	Err    *errs.Error
}

// notice is the public page of the notice in force, or of one version:
// anyone may read what the member says it does (S-1), and every version
// stays readable, so a consent's receipt can name the one it was given
// under.
func (w *Web) notice(rw http.ResponseWriter, r *http.Request) {
	d := &noticeData{Lang: httpserve.LangOf(r), Path: r.URL.Path}
	status := http.StatusOK
	ns, err := consent.New(w.C.N).Notices(r.Context())
	switch {
	case err != nil:
		d.Err, status = public(err), public(err).Kind.HTTPStatus()
	case len(ns) == 0:
		d.Err, status = errs.New(errs.NotFound, "", "尚未发布隐私告知", "no privacy notice is published"), http.StatusNotFound
	case r.PathValue("version") == "":
		d.Notice = ns[0]
	default:
		for _, n := range ns {
			if strconv.Itoa(n.Version) == r.PathValue("version") {
				d.Notice, d.Newer = n, n.Version != ns[0].Version
			}
		}
		if d.Notice == nil {
			d.Err, status = errs.New(errs.NotFound, "", "没有这一版本", "no such version"), http.StatusNotFound
		}
	}
	var buf bytes.Buffer
	if err := w.notices[d.Lang].Execute(&buf, d); err != nil {
		w.Logger.Error("render the privacy notice", "err", err)
		http.Error(rw, "internal error", http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/html; charset=utf-8")
	rw.Header().Set("Cache-Control", "max-age=300")
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
}
