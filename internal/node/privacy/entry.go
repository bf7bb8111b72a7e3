package privacy

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/httpserve"
)

// entryData is the page of entry by a one-time code: the address form, or
// the code form for a code sent.
type entryData struct {
	Channels []Channel
	Channel  string // chosen, to show the form again
	Address  string
	CodeID   string // set: the code form
}

// start is the address form.
func (w *Web) start(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	if len(w.C.Channels()) == 0 {
		w.fail(rw, r, errNoCodes)
		return
	}
	w.render(rw, http.StatusOK, &pageData{Lang: httpserve.LangOf(r), Path: "/privacy/start", Entry: &entryData{Channels: w.C.Channels()}})
}

var errNoCodes = errs.New(errs.NotFound, "", "本隐私中心只能从成员的 App 中打开", "this privacy centre opens from the member's app only")

// sendCode sends a code and shows the code form. The page is the same
// whatever the address: nothing tells whether the member knows it.
func (w *Web) sendCode(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(rw, r.Body, maxForm)
	if err := w.cop.Check(r); err != nil {
		w.fail(rw, r, errs.New(errs.PermissionDenied, "", "请求来自其他网站，已拒绝", "the request came from another site and was refused"))
		return
	}
	ch, addr := Channel(r.PostFormValue("channel")), r.PostFormValue("address")
	id, err := w.C.SendCode(r.Context(), ch, addr, clientOf(r))
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.ResourceExhausted {
			w.fail(rw, r, err)
			return
		}
		w.render(rw, errs.KindOf(err).HTTPStatus(), &pageData{Lang: httpserve.LangOf(r), Path: "/privacy/start", Err: public(err),
			Entry: &entryData{Channels: w.C.Channels(), Channel: string(ch), Address: strings.TrimSpace(addr)}})
		return
	}
	http.Redirect(rw, r, "/privacy/code?"+url.Values{"id": {id}}.Encode(), http.StatusSeeOther)
}

// codePage is the code form for a code sent.
func (w *Web) codePage(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	w.render(rw, http.StatusOK, &pageData{Lang: httpserve.LangOf(r), Path: "/privacy/start", Entry: &entryData{CodeID: r.URL.Query().Get("id")}})
}

// enterByCode checks the code and starts the session.
func (w *Web) enterByCode(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(rw, r.Body, maxForm)
	if err := w.cop.Check(r); err != nil {
		w.fail(rw, r, errs.New(errs.PermissionDenied, "", "请求来自其他网站，已拒绝", "the request came from another site and was refused"))
		return
	}
	codeID := r.PostFormValue("id")
	id, err := w.C.EnterByCode(r.Context(), codeID, r.PostFormValue("code"))
	if err != nil {
		if errs.KindOf(err) != errs.Invalid {
			w.fail(rw, r, err)
			return
		}
		w.render(rw, http.StatusBadRequest, &pageData{Lang: httpserve.LangOf(r), Path: "/privacy/start", Err: public(err), Entry: &entryData{CodeID: codeID}})
		return
	}
	v, err := w.C.Session(r.Context(), id)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.begin(rw, r, v)
}

// clientOf is the caller's network address, for the limit per client.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
