package console

import (
	"net/http"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/platform/payouts"
	"hulian/internal/platform/store"
)

// payoutRow is a payout as pages show it.
type payoutRow struct {
	*store.Payout
	Amount, InvoiceAmount, InvoiceTax Money
}

func payoutRowOf(p *store.Payout) *payoutRow {
	return &payoutRow{Payout: p, Amount: Money(p.AmountFen), InvoiceAmount: Money(p.InvoiceAmountFen), InvoiceTax: Money(p.InvoiceTaxFen)}
}

// payoutConfirm records the supplier's confirmation of the statement.
func (c *console) payoutConfirm(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, err := c.x.Payouts.Confirm(r.Context(), id); err != nil {
		return c.statementAgain(r, err)
	}
	statementDone(w, r, id, "confirmed")
	return nil
}

// payoutInvoice records the supplier's VAT special invoice, amounts in
// yuan.
func (c *console) payoutInvoice(w http.ResponseWriter, r *http.Request) error {
	st, err := c.statementByID(r)
	if err != nil {
		return err
	}
	amount, err := parseYuan("amount_fen", r.PostFormValue("amount_fen"))
	if err != nil {
		return c.statementAgain(r, err)
	}
	tax, err := parseYuan("tax_fen", r.PostFormValue("tax_fen"))
	if err != nil {
		return c.statementAgain(r, err)
	}
	inv := payouts.Invoice{Code: r.PostFormValue("invoice_code"), Number: r.PostFormValue("invoice_number"), AmountFen: amount, TaxFen: tax, Date: strings.TrimSpace(r.PostFormValue("invoice_date"))}
	if _, err := c.x.Payouts.RecordInvoice(r.Context(), st.Root(), inv); err != nil {
		return c.statementAgain(r, err)
	}
	statementDone(w, r, st.ID, "invoiced")
	return nil
}

// payoutReceive records the day the operator received the invoice.
func (c *console) payoutReceive(w http.ResponseWriter, r *http.Request) error {
	st, err := c.statementByID(r)
	if err != nil {
		return err
	}
	if _, err := c.x.Payouts.Receive(r.Context(), st.Root(), r.PostFormValue("received_on")); err != nil {
		return c.statementAgain(r, err)
	}
	statementDone(w, r, st.ID, "received")
	return nil
}

// payoutPay records the payment.
func (c *console) payoutPay(w http.ResponseWriter, r *http.Request) error {
	st, err := c.statementByID(r)
	if err != nil {
		return err
	}
	if _, err := c.x.Payouts.Pay(r.Context(), st.Root(), r.PostFormValue("paid_on"), r.PostFormValue("payment_reference")); err != nil {
		return c.statementAgain(r, err)
	}
	statementDone(w, r, st.ID, "paid")
	return nil
}

type payoutsData struct {
	Rows    []*payoutRow
	Overdue int
	Today   string
}

// payouts lists supplier payouts — a supplier its own, the operator and
// the regulator all — with the overdue ones flagged first.
func (c *console) payouts(w http.ResponseWriter, r *http.Request) error {
	ps, err := c.x.Payouts.List(r.Context(), store.PayoutFilter{})
	if err != nil && errs.KindOf(err) != errs.NotFound {
		return err
	}
	d := payoutsData{Today: cstDate(c.x.DB.Now())}
	var rest []*payoutRow
	for _, p := range ps {
		row := payoutRowOf(p)
		if p.PaidOn == "" && p.DueOn != "" && p.DueOn < d.Today {
			d.Rows = append(d.Rows, row)
			d.Overdue++
		} else {
			rest = append(rest, row)
		}
	}
	d.Rows = append(d.Rows, rest...)
	c.render(w, r, http.StatusOK, "payouts.html", &view{Title: "se.payouts", Data: d})
	return nil
}
