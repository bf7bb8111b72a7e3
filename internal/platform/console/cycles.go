package console

import (
	"net/http"
	"slices"
	"strconv"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform/cycles"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// cyclesRoutes are the settlement cycles pairs of members agree (X-S1):
// each member sees its pairs' cycles in force, proposes one to a member it
// trades with and answers the proposals made to it; staff see all.
func (c *console) cyclesRoutes(mux *http.ServeMux) {
	c.handle(mux, "GET /cycles", c.cyclesPage)
	c.handle(mux, "POST /cycles", c.cyclesPropose)
	c.handle(mux, "POST /cycles/{id}/{answer}", c.cyclesAnswer)
}

// cycleRow is a proposal as a person reads it.
type cycleRow struct {
	*store.CycleAgreement
	Lapsed    bool
	CanAnswer bool // the viewer is the member asked, and it may still agree
}

// inForceRow is the cycle a pair's statements follow this month.
type inForceRow struct {
	A, B     string
	Months   int
	From, To string
}

type cyclesData struct {
	Month          string
	Rows           []cycleRow
	InForce        []inForceRow
	Counterparties []string // whom the viewer may propose to
	Choices        []int
	CanPropose     bool
	Next           string // the earliest month a cycle may begin
}

func (c *console) cyclesView(r *http.Request) (*view, error) {
	ctx := r.Context()
	cs, month, err := c.x.Cycles.List(ctx)
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	d := cyclesData{Month: month, Choices: settlement.CycleMonths, Next: settlement.AddMonths(month, 1)}
	// The schedules as the statements' run applies them.
	schedules, err := store.SchedulesOf(cs)
	if err != nil {
		return nil, err
	}
	pairs := map[[2]string]bool{}
	for _, p := range cs {
		lapsed := cycles.Lapsed(p, month)
		d.Rows = append(d.Rows, cycleRow{CycleAgreement: p, Lapsed: lapsed,
			CanAnswer: p.Status == store.CycleProposed && !lapsed && a.Role == auth.RoleMember && p.Proposer != a.MemberID})
		k := [2]string{p.MemberA, p.MemberB}
		if p.Status == store.CycleAgreed && !pairs[k] {
			pairs[k] = true
			from, to := schedules[k].Period(month)
			d.InForce = append(d.InForce, inForceRow{A: p.MemberA, B: p.MemberB, Months: schedules[k].Months(month), From: from, To: to})
		}
	}
	if a.Role == auth.RoleMember && auth.Can(a.Role, auth.PermTrade) {
		if d.Counterparties, err = c.x.Cycles.Counterparties(ctx); err != nil {
			return nil, err
		}
		slices.Sort(d.Counterparties)
		d.CanPropose = len(d.Counterparties) > 0
	}
	return &view{Title: "cy.title", Data: d, fields: []string{"counterparty", "months", "from", "note"}}, nil
}

var cycleNotices = map[string]string{"propose": "cy.done.propose", "accept": "cy.done.accept", "decline": "cy.done.decline"}

func (c *console) cyclesPage(w http.ResponseWriter, r *http.Request) error {
	v, err := c.cyclesView(r)
	if err != nil {
		return err
	}
	v.Notice = cycleNotices[r.URL.Query().Get("done")]
	c.render(w, r, http.StatusOK, "cycles.html", v)
	return nil
}

func (c *console) cyclesPropose(w http.ResponseWriter, r *http.Request) error {
	months, err := strconv.Atoi(r.PostFormValue("months"))
	if err == nil {
		_, err = c.x.Cycles.Propose(r.Context(), r.PostFormValue("counterparty"), settlement.Cycle{Months: months, From: r.PostFormValue("from")}, r.PostFormValue("note"))
	} else {
		err = errs.Invalidf("months", "请选择结算周期", "choose a cycle")
	}
	if err != nil {
		if errs.KindOf(err) == errs.PermissionDenied {
			return err
		}
		v, verr := c.cyclesView(r)
		if verr != nil {
			return verr
		}
		v.Form = submitted(r)
		return again("cycles.html", v, err)
	}
	http.Redirect(w, r, "/cycles?done=propose", http.StatusSeeOther)
	return nil
}

func (c *console) cyclesAnswer(w http.ResponseWriter, r *http.Request) error {
	answer := r.PathValue("answer")
	if answer != "accept" && answer != "decline" {
		return errs.New(errs.NotFound, "answer", "没有这一操作", "no such action")
	}
	if _, err := c.x.Cycles.Answer(r.Context(), r.PathValue("id"), answer == "accept"); err != nil {
		if k := errs.KindOf(err); k == errs.PermissionDenied || k == errs.NotFound {
			return err
		}
		v, verr := c.cyclesView(r)
		if verr != nil {
			return verr
		}
		return again("cycles.html", v, err)
	}
	http.Redirect(w, r, "/cycles?done="+answer, http.StatusSeeOther)
	return nil
}
