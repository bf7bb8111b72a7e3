package console

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/store"
)

// complaintRoutes are the right holders' complaints (X-G3): the public
// form and status page, the operator's handling and the members' answers.
func (c *console) complaintRoutes(mux *http.ServeMux) {
	c.handle(mux, "GET /complain", c.complainForm)
	c.handle(mux, "POST /complain", c.complain)
	c.handle(mux, "GET /complain/status", c.complaintStatus)
	c.handle(mux, "GET /complaints", c.complaintList)
	c.handle(mux, "GET /complaints/{id}", c.complaint)
	c.handle(mux, "GET /complaints/{id}/evidence/{n}", c.complaintEvidence)
	c.handle(mux, "POST /complaints/{id}/{step}", c.complaintStep)
}

var complainFields = []string{"kind", "complainant", "contact", "concerns", "description", "evidence"}

type complainData struct {
	Receipt *complaints.Receipt
	Status  *store.Complaint
}

// complainForm is the public complaint form: no account needed.
// A member's privacy centre escalates a person's complaint here with the
// form prefilled: what it concerns and its kind, which the person can
// still change.
func (c *console) complainForm(w http.ResponseWriter, r *http.Request) error {
	form := url.Values{}
	q := r.URL.Query()
	if s := strings.TrimSpace(q.Get("concerns")); s != "" && len(s) <= 500 {
		form.Set("concerns", s)
	}
	if k := q.Get("kind"); k == "privacy" || k == "trade_secret" {
		form.Set("kind", k)
	}
	c.render(w, r, http.StatusOK, "complain.html", &view{Title: "cp.title", Data: complainData{}, Form: form, fields: complainFields})
	return nil
}

// complain files a complaint from the form, its evidence as uploaded
// files; the body is a stranger's, capped at 64 KiB before this runs.
func (c *console) complain(w http.ResponseWriter, r *http.Request) error {
	v := &view{Title: "cp.title", Data: complainData{}, fields: complainFields}
	if err := r.ParseMultipartForm(64 << 10); err != nil {
		v.Form = url.Values{}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return again("complain.html", v, errs.Invalidf("evidence", "证据合计不得超过 48 KiB；更多材料请在受理后联系运营方", "the evidence must not exceed 48 KiB in all; send more once the complaint is accepted"))
		}
		return again("complain.html", v, errs.Invalidf("evidence", "表单无法读取", "the form cannot be read"))
	}
	v.Form = submitted(r)
	f := complaints.Filing{Kind: r.FormValue("kind"), Complainant: r.FormValue("complainant"), Contact: r.FormValue("contact"),
		Concerns: r.FormValue("concerns"), Description: r.FormValue("description")}
	files, err := uploaded(r, complaints.MaxEvidence)
	if err != nil {
		return err
	}
	f.Files = files
	rc, err := c.x.Complaints.File(r.Context(), f)
	if err != nil {
		return again("complain.html", v, err)
	}
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, http.StatusOK, "complain.html", &view{Title: "cp.title", Data: complainData{Receipt: rc}})
	return nil
}

// uploaded reads the evidence files of a parsed multipart form, each up
// to one byte over limit so that the room can say a file is too large;
// empty files are skipped.
func uploaded(r *http.Request, limit int64) ([]complaints.File, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []complaints.File
	for _, fh := range r.MultipartForm.File["evidence"] {
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, limit+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		if len(data) > 0 {
			out = append(out, complaints.File{Name: fh.Filename, Data: data})
		}
	}
	return out, nil
}

// complaintStatus shows a complaint's status to whoever holds its ID and
// receipt code.
func (c *console) complaintStatus(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := complainData{}
	v := &view{Title: "cp.status", Form: url.Values{"id": {q.Get("id")}}}
	if q.Get("id") != "" {
		st, err := c.x.Complaints.Status(r.Context(), strings.TrimSpace(q.Get("id")), q.Get("code"))
		if err != nil {
			v.Data = d
			return again("complaint_status.html", v, err)
		}
		d.Status = st
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "complaint_status.html", v)
	return nil
}

// complaintList lists complaints: the operator's queue (received first),
// a member those about its exchanges.
func (c *console) complaintList(w http.ResponseWriter, r *http.Request) error {
	cs, err := c.x.Complaints.List(r.Context(), "")
	if err != nil {
		return err
	}
	var first, rest []*store.Complaint
	for _, cp := range cs {
		if cp.Status == complaints.Received || cp.Status == complaints.Answered {
			first = append(first, cp)
		} else {
			rest = append(rest, cp)
		}
	}
	c.render(w, r, http.StatusOK, "complaints.html", &view{Title: "cp.list", Data: append(first, rest...)})
	return nil
}

type complaintData struct {
	*store.Complaint
	Evidence                         []*store.Evidence
	CanDecide, CanResolve, CanAnswer bool
	Receivable                       bool
}

func (c *console) complaintView(r *http.Request) (*view, error) {
	ctx := r.Context()
	cp, ev, err := c.x.Complaints.Get(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	op := auth.Can(a.Role, auth.PermSupervise)
	d := complaintData{Complaint: cp, Evidence: ev,
		CanDecide:  op && cp.Status == complaints.Received,
		CanResolve: op && (cp.Status == complaints.Accepted || cp.Status == complaints.Answered),
		CanAnswer:  a.Role == auth.RoleMember && cp.Status == complaints.Accepted && (a.MemberID == cp.Demander || a.MemberID == cp.Supplier)}
	return &view{Title: "cp.one", Data: d, Notice: complaintNotices[r.URL.Query().Get("done")]}, nil
}

var complaintNotices = map[string]string{"accept": "cp.done.accept", "reject": "cp.done.reject", "answer": "cp.done.answer", "restore": "cp.done.restore", "uphold": "cp.done.uphold"}

// complaint is one complaint with its evidence and the steps the viewer
// may take.
func (c *console) complaint(w http.ResponseWriter, r *http.Request) error {
	v, err := c.complaintView(r)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "complaint.html", v)
	return nil
}

// complaintEvidence serves one evidence file as an attachment, never
// rendered in the console's origin.
func (c *console) complaintEvidence(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		return errs.New(errs.NotFound, "evidence", "找不到该证据文件", "no such evidence file")
	}
	e, err := c.x.Complaints.EvidenceFile(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="evidence-`+strconv.Itoa(e.N)+`"; filename*=UTF-8''`+url.PathEscape(e.Name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(e.Data)
	return nil
}

// complaintStep takes a step: accept, reject, restore, uphold (operator)
// or answer (a member party to the exchange, with files up to 1 MiB).
func (c *console) complaintStep(w http.ResponseWriter, r *http.Request) error {
	ctx, id := r.Context(), r.PathValue("id")
	step := r.PathValue("step")
	r.Body = http.MaxBytesReader(w, r.Body, 3*complaints.MaxMemberFile+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return errs.Invalidf("evidence", "表单无法读取或过大", "the form cannot be read or is too large")
	}
	var err error
	switch step {
	case "accept":
		_, err = c.x.Complaints.Accept(ctx, id, r.FormValue("order"), r.FormValue("note"))
	case "reject":
		_, err = c.x.Complaints.Reject(ctx, id, r.FormValue("note"))
	case "restore":
		_, err = c.x.Complaints.Restore(ctx, id, r.FormValue("note"))
	case "uphold":
		_, err = c.x.Complaints.Uphold(ctx, id, r.FormValue("note"))
	case "answer":
		files, ferr := uploaded(r, complaints.MaxMemberFile)
		if ferr != nil {
			return ferr
		}
		_, err = c.x.Complaints.Answer(ctx, id, r.FormValue("answer"), files)
	default:
		return errs.New(errs.NotFound, "step", "没有这一步", "no such step")
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.PermissionDenied || k == errs.NotFound {
			return err
		}
		v, verr := c.complaintView(r)
		if verr != nil {
			return verr
		}
		v.Form = submitted(r)
		return again("complaint.html", v, err)
	}
	http.Redirect(w, r, "/complaints/"+id+"?done="+step, http.StatusSeeOther)
	return nil
}
