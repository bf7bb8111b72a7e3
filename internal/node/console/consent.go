package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/exid"
)

// The consent ledger's page: the notice versions with their purposes, how
// many histories stand where for each purpose, which purpose each order
// is (bound here), a subject's history looked up by exID, and the
// ledger's verification.

var consentStates = map[string]i18n.Text{
	consent.StateActive:      i18n.T("有效", "in force"),
	consent.StateWithdrawn:   i18n.T("已撤回", "withdrawn"),
	consent.StateOptedOut:    i18n.T("已拒绝", "refused"),
	consent.StateInvalidated: i18n.T("因告知变更失效", "invalidated by a new notice"),
}

var consentActions = map[string]i18n.Text{
	consent.Given:       i18n.T("同意 / 记录依据", "given / basis recorded"),
	consent.Withdrawn:   i18n.T("撤回", "withdrawn"),
	consent.OptedOut:    i18n.T("拒绝", "refused"),
	consent.Invalidated: i18n.T("因告知变更失效", "invalidated by a new notice"),
}

var consentBases = map[string]i18n.Text{
	consent.BasisConsent:      i18n.T("个人同意", "consent"),
	consent.BasisContract:     i18n.T("订立、履行合同所必需", "a contract"),
	consent.BasisLegalDuty:    i18n.T("履行法定职责或义务", "a legal duty"),
	consent.BasisPublicHealth: i18n.T("突发公共卫生事件或紧急情况", "public health or an emergency"),
	consent.BasisNews:         i18n.T("新闻报道、舆论监督", "news reporting"),
	consent.BasisPublicInfo:   i18n.T("已合法公开的信息", "information already public"),
	consent.BasisOtherLaw:     i18n.T("法律、行政法规规定的其他情形", "other law"),
}

type purposeRow struct {
	consent.Purpose
	Name   string
	Counts map[string]int64 // by state
}

type historyRow struct {
	*nodestore.ConsentEvent
	Action, Basis string
}

type consentData struct {
	Notices  []*consent.Notice
	Purposes []purposeRow // of the notice in force
	States   []string
	Labels   map[string]string // state → label
	Bindings []nodestore.OrderBinding
	ExID     string
	History  []historyRow
	Looked   bool
	Verified string // the verification's outcome, when asked
	Broken   string
	Requests []requestRow // from the privacy centre, open first
	// Decisions is the register of automated decisions (P-4) as the
	// privacy centre shows it, with the requests each has had.
	Decisions []decisionRow
}

// decisionRow is an automated decision with its requests for an
// explanation or a human decision, and the people who opted out of it.
type decisionRow struct {
	*nodestore.Decision
	Explain, Review, Open, Overdue int
	OptedOut                       int64
}

// requestRow is a data subject's request as staff see it.
type requestRow struct {
	*nodestore.SubjectRequest
	ExID    string
	Kind    string
	Overdue bool
}

var requestKinds = map[string]i18n.Text{
	"copy":     i18n.T("复制信息", "a copy"),
	"correct":  i18n.T("更正", "a correction"),
	"delete":   i18n.T("删除", "deletion"),
	"complain": i18n.T("投诉", "a complaint"),
	"explain":  i18n.T("解释说明自动化决策", "an explanation of an automated decision"),
	"review":   i18n.T("由人工决定", "a person to decide"),
}

// decisionOf names the automated decision a request is about, if any.
func decisionOf(q *nodestore.SubjectRequest, decs []*nodestore.Decision) string {
	for _, d := range decs {
		if d.ID == q.Decision {
			return " · " + d.Name
		}
	}
	return ""
}

func (c *console) consentView(r *http.Request, v *view) (*consentData, error) {
	ctx := r.Context()
	l := consent.New(c.Node)
	d := &consentData{States: []string{consent.StateActive, consent.StateWithdrawn, consent.StateOptedOut, consent.StateInvalidated}, Labels: map[string]string{}}
	for k, t := range consentStates {
		d.Labels[k] = t.In(v.Lang)
	}
	var err error
	if d.Notices, err = l.Notices(ctx); err != nil {
		return nil, err
	}
	var counts []nodestore.ConsentCount
	var decs []*nodestore.Decision
	err = c.Node.DB.Read(ctx, func(tx *nodestore.Tx) error {
		if counts, err = tx.ConsentCounts(ctx); err != nil {
			return err
		}
		if d.Bindings, err = tx.OrderBindings(ctx); err != nil {
			return err
		}
		decs, err = tx.Decisions(ctx, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(d.Notices) > 0 {
		for _, p := range d.Notices[0].Purposes {
			row := purposeRow{Purpose: p, Name: i18n.T(p.NameZH, p.NameEN).In(v.Lang), Counts: map[string]int64{}}
			for _, n := range counts {
				if n.Purpose == p.Code {
					row.Counts[n.State] = n.N
				}
			}
			d.Purposes = append(d.Purposes, row)
		}
	}
	rs, err := c.Privacy.Requests(ctx, nil)
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(c.Node.Now())
	byDecision := map[string]*decisionRow{}
	for _, dec := range decs {
		row := &decisionRow{Decision: dec}
		for _, n := range counts {
			if dec.OptOut != "" && n.Purpose == dec.OptOut && n.State == consent.StateOptedOut {
				row.OptedOut = n.N
			}
		}
		byDecision[dec.ID] = row
	}
	for _, q := range rs {
		overdue := privacy.Overdue(q, today)
		d.Requests = append(d.Requests, requestRow{SubjectRequest: q, ExID: exid.ExID(q.ExID).String(), Kind: label(requestKinds, q.Kind, v.Lang) + decisionOf(q, decs), Overdue: overdue})
		if row := byDecision[q.Decision]; row != nil {
			switch q.Kind {
			case "explain":
				row.Explain++
			case "review":
				row.Review++
			}
			if q.Status == "open" {
				row.Open++
			}
			if overdue {
				row.Overdue++
			}
		}
	}
	for _, dec := range decs {
		d.Decisions = append(d.Decisions, *byDecision[dec.ID])
	}
	if s := strings.TrimSpace(r.URL.Query().Get("exid")); s != "" {
		d.ExID, d.Looked = s, true
		id, err := exid.Parse(s)
		if err != nil {
			return nil, &formError{page: "consent.html", err: errs.Invalidf("exid", "不是有效的 exID", "not a valid exID")}
		}
		evs, err := l.History(ctx, id[:])
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			d.History = append(d.History, historyRow{ConsentEvent: e, Action: label(consentActions, e.Action, v.Lang), Basis: label(consentBases, e.Basis, v.Lang)})
		}
	}
	return d, nil
}

// consentPage shows the ledger.
func (c *console) consentPage(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "consent"
	d, err := c.consentView(r, v)
	if err != nil {
		var fe *formError
		if errors.As(err, &fe) {
			v.Data = &consentData{}
		}
		return err
	}
	v.Data = d
	c.render(w, http.StatusOK, "consent.html", v)
	return nil
}

// consentBind binds an order to a purpose of the notice in force.
func (c *console) consentBind(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "consent"
	order, purpose := strings.TrimSpace(r.PostFormValue("order")), r.PostFormValue("purpose")
	var err error
	if !strings.HasPrefix(order, "ord_") || len(order) > 64 {
		err = errs.Invalidf("order", "订单编号以 ord_ 开头", "an order ID starts with ord_")
	} else {
		err = consent.New(c.Node).Bind(r.Context(), order, purpose, "console:"+v.Account.Login)
	}
	if err != nil {
		d, verr := c.consentView(r, v)
		if verr != nil {
			return verr
		}
		v.Data = d
		return &formError{page: "consent.html", err: err}
	}
	http.Redirect(w, r, "/consent#bindings", http.StatusSeeOther)
	return nil
}

// consentVerify recomputes the ledger's chain and shows the outcome.
func (c *console) consentVerify(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "consent"
	d, err := c.consentView(r, v)
	if err != nil {
		return err
	}
	n, err := consent.New(c.Node).Verify(r.Context())
	var b *consent.Broken
	switch {
	case errors.As(err, &b):
		d.Broken = i18n.T("第 "+strconv.FormatInt(b.Seq, 10)+" 条记录"+b.Reason.ZH, "event "+strconv.FormatInt(b.Seq, 10)+": "+b.Reason.EN).In(v.Lang)
	case err != nil:
		return err
	default:
		d.Verified = strconv.FormatInt(n, 10)
	}
	v.Data = d
	c.render(w, http.StatusOK, "consent.html", v)
	return nil
}

// consentCloseRequest records the outcome of a data subject's request.
func (c *console) consentCloseRequest(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "consent"
	_, err := c.Privacy.Close(r.Context(), r.PathValue("id"), r.PostFormValue("status"), r.PostFormValue("outcome"), "console:"+v.Account.Login)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound {
			return err
		}
		d, verr := c.consentView(r, v)
		if verr != nil {
			return verr
		}
		v.Data = d
		return &formError{page: "consent.html", err: err}
	}
	http.Redirect(w, r, "/consent#requests", http.StatusSeeOther)
	return nil
}
