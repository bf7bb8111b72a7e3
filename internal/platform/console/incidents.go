package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform/incidents"
	"hulian/internal/platform/store"
)

// incidentRoutes are members' security incidents (X-P6, X-P14, C-13):
// the member reports and records its steps; staff read them, overdue
// authority reports first.
func (c *console) incidentRoutes(mux *http.ServeMux) {
	c.handle(mux, "GET /incidents", c.incidentList)
	c.handle(mux, "POST /incidents", c.incidentReport)
	c.handle(mux, "GET /incidents/{id}", c.incident)
	c.handle(mux, "POST /incidents/{id}/{step}", c.incidentStep)
}

var incidentFields = []string{"kind", "title", "description", "grade", "affected", "found_at", "orders"}

// incidentRow is an incident as the pages show it.
type incidentRow struct {
	*store.Incident
	Overdue bool
	Missing []string // the steps still needed to close, in the viewer's language
	// Compensation is the total paid to the people affected.
	Compensation Money
}

type incidentsData struct {
	Incidents []incidentRow
	Kinds     []string
	Grades    []string
	CanReport bool
}

func (c *console) incidentRows(ins []*store.Incident) []incidentRow {
	now := c.p.DB.Now()
	out := make([]incidentRow, 0, len(ins))
	for _, in := range ins {
		out = append(out, incidentRow{Incident: in, Overdue: incidents.Overdue(in, now) && in.Closed.IsZero(), Compensation: Money(in.CompensationFen)})
	}
	return out
}

func (c *console) incidentsView(r *http.Request) (*view, error) {
	ins, err := c.x.Incidents.List(r.Context(), "")
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(r.Context())
	d := incidentsData{Incidents: c.incidentRows(ins), Kinds: incidents.KindOrder, Grades: incidents.GradeOrder, CanReport: auth.Can(a.Role, auth.PermIncident)}
	form := url.Values{"found_at": {c.p.DB.Now().In(cst).Format("2006-01-02T15:04")}, "affected": {"0"}}
	return &view{Title: "ic.title", Data: d, Form: form, fields: incidentFields}, nil
}

// incidentList lists the incidents the viewer may see, with the report
// form for a member.
func (c *console) incidentList(w http.ResponseWriter, r *http.Request) error {
	v, err := c.incidentsView(r)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "incidents.html", v)
	return nil
}

// beijingTime reads a datetime-local input, Beijing time.
func beijingTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, cst)
	if err != nil {
		return time.Time{}, errs.Invalidf(field, "时间格式须为 年-月-日 时:分（北京时间）", "write the time as year-month-day hour:minute (Beijing time)")
	}
	return t, nil
}

func (c *console) incidentReport(w http.ResponseWriter, r *http.Request) error {
	v, err := c.incidentsView(r)
	if err != nil {
		return err
	}
	v.Form = submitted(r)
	rep := incidents.Report{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Grade: r.PostFormValue("grade"), AffectsExchange: r.PostFormValue("affects_exchange") == "on"}
	if s := strings.TrimSpace(r.PostFormValue("affected")); s != "" {
		if rep.Affected, err = strconv.ParseInt(s, 10, 64); err != nil {
			return again("incidents.html", v, errs.Invalidf("affected", "受影响人数须为整数", "the people affected must be a whole number"))
		}
	}
	if rep.Found, err = beijingTime("found_at", r.PostFormValue("found_at")); err != nil {
		return again("incidents.html", v, err)
	}
	for _, o := range strings.FieldsFunc(r.PostFormValue("orders"), func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\n' }) {
		rep.Orders = append(rep.Orders, o)
	}
	in, err := c.x.Incidents.Report(r.Context(), rep)
	if err != nil {
		return again("incidents.html", v, err)
	}
	http.Redirect(w, r, "/incidents/"+in.ID+"?done=report", http.StatusSeeOther)
	return nil
}

type incidentData struct {
	incidentRow
	CanAct bool
}

var incidentNotices = map[string]string{"report": "ic.done.report", "authority": "ic.done.step", "notified": "ic.done.step", "remediated": "ic.done.step", "compensated": "ic.done.step", "closed": "ic.done.closed"}

func (c *console) incidentView(r *http.Request) (*view, error) {
	ctx := r.Context()
	in, err := c.x.Incidents.Get(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	row := c.incidentRows([]*store.Incident{in})[0]
	for _, m := range incidents.Missing(in) {
		row.Missing = append(row.Missing, m.In(langOf(r)))
	}
	d := incidentData{incidentRow: row, CanAct: a.Role == auth.RoleMember && a.MemberID == in.Member && in.Closed.IsZero()}
	return &view{Title: "ic.one", Data: d, Notice: incidentNotices[r.URL.Query().Get("done")], fields: []string{"authority_name", "authority_ref", "at", "count", "method", "text", "comp_count", "comp_amount", "comp_text"}}, nil
}

// incident is one incident with its steps and, for its member, the forms
// of the next ones.
func (c *console) incident(w http.ResponseWriter, r *http.Request) error {
	v, err := c.incidentView(r)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "incident.html", v)
	return nil
}

func (c *console) incidentStep(w http.ResponseWriter, r *http.Request) error {
	id, kind := r.PathValue("id"), r.PathValue("step")
	if _, ok := incidentNotices[kind]; !ok || kind == "report" {
		return errs.New(errs.NotFound, "step", "没有这一步", "no such step")
	}
	st := incidents.Step{Kind: kind, AuthorityName: r.PostFormValue("authority_name"), AuthorityRef: r.PostFormValue("authority_ref"),
		Method: r.PostFormValue("method"), Text: r.PostFormValue("text")}
	var err error
	if st.At, err = beijingTime("at", r.PostFormValue("at")); err == nil {
		if s := strings.TrimSpace(r.PostFormValue("count")); s != "" {
			if st.Count, err = strconv.ParseInt(s, 10, 64); err != nil {
				err = errs.Invalidf("count", "通知人数须为整数", "the people told must be a whole number")
			}
		}
	}
	if err == nil && kind == "compensated" {
		// The compensation form's inputs have names of their own, so that
		// an error about one is shown beside it, not beside the notice's.
		st.Text = r.PostFormValue("comp_text")
		if st.Count, err = parseCount("comp_count", r.PostFormValue("comp_count")); err == nil {
			st.AmountFen, err = parseYuan("comp_amount", r.PostFormValue("comp_amount"))
		}
	}
	if err == nil {
		_, err = c.x.Incidents.Record(r.Context(), id, st)
		if e, ok := err.(*errs.Error); ok && kind == "compensated" {
			err = withField(e, map[string]string{"count": "comp_count", "amount_fen": "comp_amount", "text": "comp_text"}[e.Field])
		}
	}
	if err != nil {
		if k := errs.KindOf(err); k == errs.PermissionDenied || k == errs.NotFound {
			return err
		}
		v, verr := c.incidentView(r)
		if verr != nil {
			return verr
		}
		v.Form = submitted(r)
		return again("incident.html", v, err)
	}
	http.Redirect(w, r, "/incidents/"+id+"?done="+kind, http.StatusSeeOther)
	return nil
}
