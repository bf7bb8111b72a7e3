package console

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform/disputes"
	"hulian/internal/platform/statements"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

type statementsData struct {
	Month     string
	Rows      []statementRow
	Summaries []summaryRow
}

// summaryRow is a member's month across its statements in force.
type summaryRow struct {
	settlement.Summary
	Payable, Due, Net Money
}

// summaries are the members' months of sts the viewer may see, newest
// month first as the list.
func summaries(ctx context.Context, sts []*store.IssuedStatement) []summaryRow {
	var out []summaryRow
	for _, s := range statements.Summaries(ctx, sts) {
		out = append(out, summaryRow{Summary: s, Payable: Money(s.PayableFen), Due: Money(s.DueFen), Net: Money(s.NetFen())})
	}
	slices.Reverse(out)
	return out
}

type statementRow struct {
	*store.IssuedStatement
	Total Money
}

func rowOf(st *store.IssuedStatement) statementRow {
	return statementRow{IssuedStatement: st, Total: Money(st.TotalFen)}
}

// statements lists the issued monthly statements 数据互联结算单 (X-S1)
// and their corrections (X-S2): staff see all, a member those it is a
// party to; ?month=YYYY-MM narrows to one month.
func (c *console) statements(w http.ResponseWriter, r *http.Request) error {
	month := strings.TrimSpace(r.URL.Query().Get("month"))
	if month != "" {
		if _, _, err := settlement.ParseMonth(month); err != nil {
			return err
		}
	}
	sts, err := c.x.Statements.List(r.Context(), store.StatementFilter{Month: month})
	if err != nil {
		return err
	}
	d := statementsData{Month: month, Summaries: summaries(r.Context(), sts)}
	for i := len(sts) - 1; i >= 0; i-- { // newest month first
		d.Rows = append(d.Rows, rowOf(sts[i]))
	}
	c.render(w, r, http.StatusOK, "statements.html", &view{Title: "st.title", Data: d})
	return nil
}

// statementByID finds one statement the caller may see; another member's
// is not found.
func (c *console) statementByID(r *http.Request) (*store.IssuedStatement, error) {
	id := r.PathValue("id")
	if strings.HasPrefix(id, "stm_") && len(id) <= 64 {
		sts, err := c.x.Statements.List(r.Context(), store.StatementFilter{ID: id})
		if err != nil {
			return nil, err
		}
		if len(sts) == 1 {
			return sts[0], nil
		}
	}
	return nil, errs.New(errs.NotFound, "id", "找不到该结算单", "no such statement")
}

type statementData struct {
	statementRow
	Lines       []lineRow
	Adjustments []adjustmentRow
	Chain       []statementRow // the statement and its corrections, when corrected
	Head        string         // the chain's latest statement
	Disputes    []disputeRow
	Deadline    time.Time // the end of the dispute period; zero if the calendar cannot say yet
	Open        bool      // a dispute awaits an answer
	Payout      *payoutRow
	// What the viewer may do now.
	CanDispute, CanAnswer, CanConfirm, CanInvoice, CanReceive, CanPay bool
}

type lineRow struct {
	settlement.Line
	Charge Money
}

type adjustmentRow struct {
	settlement.Adjustment
	Credit Money // the amount returned, positive
}

// statement is one statement, printable: its parties by name, its lines
// per order, its total and the platform's signature; then its chain of
// corrections, the disputes and their answers with the receipts checked,
// the supplier's payout, and the forms the viewer may use now.
func (c *console) statement(w http.ResponseWriter, r *http.Request) error {
	v, err := c.statementView(r, nil)
	if err != nil {
		return err
	}
	v.Notice = settleNotices[r.URL.Query().Get("done")]
	c.render(w, r, http.StatusOK, "statement.html", v)
	return nil
}

// statementView builds the statement page, with form values to show again.
func (c *console) statementView(r *http.Request, form map[string][]string) (*view, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !strings.HasPrefix(id, "stm_") || len(id) > 64 {
		return nil, errs.New(errs.NotFound, "id", "找不到该结算单", "no such statement")
	}
	k, err := c.x.Payouts.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	st, head := k.Statement, k.Head()
	d := statementData{statementRow: rowOf(st), Head: head.ID, Deadline: k.Deadline, Open: k.OpenDispute() != nil}
	for _, l := range st.Lines {
		d.Lines = append(d.Lines, lineRow{Line: l, Charge: Money(l.ChargeFen)})
	}
	for _, a := range st.Adjustments {
		d.Adjustments = append(d.Adjustments, adjustmentRow{Adjustment: a, Credit: Money(-a.AmountFen)})
	}
	if len(k.Chain) > 1 {
		for _, s := range k.Chain {
			d.Chain = append(d.Chain, rowOf(s))
		}
	}
	if d.Disputes, err = c.disputeRows(ctx, k.Disputes); err != nil {
		return nil, err
	}
	if k.Payout != nil {
		d.Payout = payoutRowOf(k.Payout)
	}
	a := auth.ActorFrom(ctx)
	supplier := a.Role == auth.RoleMember && a.MemberID == st.Supplier
	settles := auth.Can(a.Role, auth.PermSettle)
	known := !d.Deadline.IsZero()
	beforeDeadline := known && c.x.DB.Now().Before(d.Deadline)
	d.CanDispute = a.Role == auth.RoleMember && (a.MemberID == st.Demander || supplier) && beforeDeadline && !d.Open && d.Payout == nil
	d.CanAnswer = settles && d.Open
	d.CanConfirm = supplier && st.ID == head.ID && known && !beforeDeadline && !d.Open && d.Payout == nil && head.TotalFen > 0
	if d.Payout != nil {
		stage := d.Payout.Stage()
		d.CanInvoice = supplier && stage == "confirmed"
		d.CanReceive = settles && stage == "invoiced"
		d.CanPay = settles && stage == "due"
	}
	return &view{Title: "st.one", Data: d, Form: form}, nil
}

// statementAgain shows the statement page again with err next to its field.
func (c *console) statementAgain(r *http.Request, err error) error {
	v, verr := c.statementView(r, submitted(r))
	if verr != nil {
		return verr
	}
	return again("statement.html", v, err)
}

// statementDone returns to the statement page with a confirmation.
func statementDone(w http.ResponseWriter, r *http.Request, id, done string) {
	http.Redirect(w, r, "/statements/"+id+"?done="+done+"#settlement", http.StatusSeeOther)
}

var settleNotices = map[string]string{
	"disputed": "se.done.disputed", "answered": "se.done.answered", "confirmed": "se.done.confirmed",
	"invoiced": "se.done.invoiced", "received": "se.done.received", "paid": "se.done.paid", "terms": "se.done.terms",
}

// disputeRow is a dispute with its receipts checked against the log's key.
type disputeRow struct {
	*store.Dispute
	Receipts []receiptRow
}

// disputeItem is a dispute as the disputerow template shows it, with
// the page's view for names and log kinds.
type disputeItem struct {
	disputeRow
	V *view
}

type receiptRow struct {
	Seq      int64
	Kind     string
	Verified bool
}

func (c *console) disputeRows(ctx context.Context, ds []*store.Dispute) ([]disputeRow, error) {
	var vkey string
	out := make([]disputeRow, 0, len(ds))
	for _, x := range ds {
		row := disputeRow{Dispute: x}
		rs, err := disputes.Evidence(x)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 && vkey == "" {
			if vkey, err = c.x.Log.VerifierKey(ctx); err != nil {
				return nil, err
			}
		}
		for _, rc := range rs {
			row.Receipts = append(row.Receipts, receiptRow{Seq: rc.Entry.Seq, Kind: rc.Entry.Kind, Verified: rc.Verify(vkey) == nil})
		}
		out = append(out, row)
	}
	return out, nil
}
