package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform/disputes"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// settleRoutes are the settlement pages beyond the statements themselves:
// disputes and corrections (X-S2), payouts (X-S4) and the book (X-W3).
func (c *console) settleRoutes(mux *http.ServeMux) {
	c.handle(mux, "POST /statements/{id}/dispute", c.disputeOpen)
	c.handle(mux, "POST /statements/{id}/confirm", c.payoutConfirm)
	c.handle(mux, "POST /statements/{id}/invoice", c.payoutInvoice)
	c.handle(mux, "POST /statements/{id}/receive", c.payoutReceive)
	c.handle(mux, "POST /statements/{id}/pay", c.payoutPay)
	c.handle(mux, "POST /disputes/{id}/answer", c.disputeAnswer)
	c.handle(mux, "GET /disputes", c.disputes)
	c.handle(mux, "POST /disputes/terms", c.disputeTerms)
	c.handle(mux, "GET /payouts", c.payouts)
	c.handle(mux, "GET /books", c.books)
}

// disputeOpen records a party's dispute of the statement or one line.
func (c *console) disputeOpen(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := c.x.Disputes.Open(r.Context(), id, strings.TrimSpace(r.PostFormValue("order")), r.PostFormValue("reason")); err != nil {
		return c.statementAgain(r, err)
	}
	statementDone(w, r, id, "disputed")
	return nil
}

// disputeAnswer answers a dispute (operator): rejected, or corrected by a
// credit on one line, given in yuan.
func (c *console) disputeAnswer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	dsp, err := c.x.Disputes.List(ctx, store.DisputeFilter{ID: r.PathValue("id")})
	if err != nil {
		return err
	}
	if len(dsp) != 1 {
		return errs.New(errs.NotFound, "dispute", "找不到该异议", "no such dispute")
	}
	r.SetPathValue("id", dsp[0].Statement)
	ans := disputes.Answer{Text: r.PostFormValue("answer")}
	if s := strings.TrimSpace(r.PostFormValue("credit_fen")); s != "" {
		fen, err := parseYuan("credit_fen", s)
		if err != nil {
			return c.statementAgain(r, err)
		}
		if fen <= 0 {
			return c.statementAgain(r, errs.Invalidf("credit_fen", "退还金额须为正数", "the credit must be positive"))
		}
		ans.Credits = []settlement.Adjustment{{Order: strings.TrimSpace(r.PostFormValue("credit_order")), AmountFen: -fen, Reason: r.PostFormValue("credit_reason")}}
	}
	if _, _, err := c.x.Disputes.Answer(ctx, dsp[0].ID, ans); err != nil {
		return c.statementAgain(r, formField(err))
	}
	statementDone(w, r, dsp[0].Statement, "answered")
	return nil
}

// formField names the answer form's fields for errors about a credit,
// which the settlement package names by its place in the list.
func formField(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Field, "adjustments[0].") {
		return err
	}
	c := *e
	switch strings.TrimPrefix(e.Field, "adjustments[0].") {
	case "amount_fen":
		c.Field = "credit_fen"
	case "order":
		c.Field = "credit_order"
	case "reason":
		c.Field = "credit_reason"
	}
	return &c
}

type disputesData struct {
	Rows        []disputeRow
	Terms       *store.SettlementTerms
	CanSetTerms bool
}

// disputes lists disputes, open ones first: the operator's queue, a
// member's own; the operator sets the dispute period here.
func (c *console) disputes(w http.ResponseWriter, r *http.Request) error {
	v, err := c.disputesView(r)
	if err != nil {
		return err
	}
	c.render(w, r, http.StatusOK, "disputes.html", v)
	return nil
}

func (c *console) disputesView(r *http.Request) (*view, error) {
	ctx := r.Context()
	ds, err := c.x.Disputes.List(ctx, store.DisputeFilter{})
	if err != nil {
		return nil, err
	}
	open, rest := []*store.Dispute{}, []*store.Dispute{}
	for _, d := range ds {
		if d.Status == store.DisputeOpen {
			open = append(open, d)
		} else {
			rest = append(rest, d)
		}
	}
	d := disputesData{CanSetTerms: auth.Can(auth.ActorFrom(ctx).Role, auth.PermSettle)}
	if d.Rows, err = c.disputeRows(ctx, append(open, rest...)); err != nil {
		return nil, err
	}
	if d.Terms, err = c.x.Disputes.Terms(ctx); err != nil {
		return nil, err
	}
	return &view{Title: "se.disputes", Data: d, Notice: settleNotices[r.URL.Query().Get("done")]}, nil
}

// disputeTerms sets the dispute period (operator).
func (c *console) disputeTerms(w http.ResponseWriter, r *http.Request) error {
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("dispute_working_days")))
	if err == nil {
		_, err = c.x.Disputes.SetTerms(r.Context(), days)
	} else {
		err = errs.Invalidf("dispute_working_days", "异议期须为 1–60 个工作日", "the dispute period must be 1 to 60 working days")
	}
	if err != nil {
		v, verr := c.disputesView(r)
		if verr != nil {
			return verr
		}
		v.Form = submitted(r)
		return again("disputes.html", v, err)
	}
	http.Redirect(w, r, "/disputes?done=terms", http.StatusSeeOther)
	return nil
}
