package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// Payout is the supplier's side of a statement chain (X-S4): its
// confirmation of the final amount, its VAT special invoice, the
// operator's receipt of the invoice, the due date and the payment. Dates
// given by people are Beijing dates (YYYY-MM-DD); instants are UTC.
type Payout struct {
	Root        string // the statement chain
	Statement   string // the statement confirmed: the chain's latest
	Supplier    string
	AmountFen   int64
	ConfirmedBy string
	Confirmed   time.Time

	InvoiceCode      string
	InvoiceNumber    string
	InvoiceAmountFen int64 // 金额, before tax
	InvoiceTaxFen    int64 // 税额
	InvoiceDate      string
	Invoiced         time.Time

	ReceivedOn string // when the operator received the invoice
	DueOn      string // the last of the five working days after
	PaidOn     string
	PaymentRef string
	Paid       time.Time
	Overdue    time.Time // when it was flagged overdue, zero if never
}

// Stage is how far the payout has come.
func (p *Payout) Stage() string {
	switch {
	case p.PaidOn != "":
		return "paid"
	case p.ReceivedOn != "":
		return "due"
	case p.InvoiceNumber != "":
		return "invoiced"
	}
	return "confirmed"
}

func noPayout() error {
	return errs.New(errs.NotFound, "statement", "该结算单尚未经供方确认", "the supplier has not confirmed this statement")
}

// InsertPayout records a supplier's confirmation; a chain confirmed
// already is a Conflict.
func (tx *Tx) InsertPayout(ctx context.Context, p *Payout) error {
	if err := partyTo(ctx, noPayout, p.Supplier); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `INSERT INTO payouts (root_id, statement_id, supplier_id, amount_fen, confirmed_by, confirmed_at) VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT DO NOTHING`, p.Root, p.Statement, p.Supplier, p.AmountFen, p.ConfirmedBy, p.Confirmed)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, errs.New(errs.Conflict, "statement", "该结算单已确认", "the statement was confirmed already"))
	}
	return nil
}

// SavePayout writes a payout's invoice, receipt, payment and overdue
// flag. The caller read it for update and checked the step.
func (tx *Tx) SavePayout(ctx context.Context, p *Payout) error {
	if err := partyTo(ctx, noPayout, p.Supplier); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE payouts SET invoice_code = $2, invoice_number = $3, invoice_amount_fen = $4, invoice_tax_fen = $5, invoice_date = $6,
		invoiced_at = $7, received_on = $8, due_on = $9, paid_on = $10, payment_reference = $11, paid_at = $12, overdue_at = $13 WHERE root_id = $1`,
		p.Root, p.InvoiceCode, p.InvoiceNumber, p.InvoiceAmountFen, p.InvoiceTaxFen, p.InvoiceDate, nullTime(p.Invoiced),
		p.ReceivedOn, p.DueOn, p.PaidOn, p.PaymentRef, nullTime(p.Paid), nullTime(p.Overdue))
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "invoice_number", "该发票代码与号码已用于另一结算单", "this invoice code and number were recorded for another statement")
	}
	return err
}

// PayoutFilter selects payouts.
type PayoutFilter struct {
	Root      string
	Supplier  string
	Unpaid    bool
	DueBefore string // YYYY-MM-DD: received, unpaid, and due before this day
	Limit     int    // default and at most 500
}

// Payouts lists payouts, newest confirmation first. A member sees its own.
func (tx *Tx) Payouts(ctx context.Context, f PayoutFilter, forUpdate bool) ([]*Payout, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		f.Supplier = own
	}
	q := `SELECT root_id, statement_id, supplier_id, amount_fen, confirmed_by, confirmed_at, invoice_code, invoice_number, invoice_amount_fen,
		invoice_tax_fen, invoice_date, invoiced_at, received_on, due_on, paid_on, payment_reference, paid_at, overdue_at FROM payouts WHERE 1=1`
	var args []any
	for _, c := range []struct{ col, v string }{{"root_id", f.Root}, {"supplier_id", f.Supplier}} {
		if c.v != "" {
			args = append(args, c.v)
			q += " AND " + c.col + " = $" + itoa(len(args))
		}
	}
	if f.Unpaid {
		q += " AND paid_on = ''"
	}
	if f.DueBefore != "" {
		args = append(args, f.DueBefore)
		q += " AND paid_on = '' AND due_on <> '' AND due_on < $" + itoa(len(args))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	q += " ORDER BY confirmed_at DESC, root_id LIMIT " + itoa(f.Limit)
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Payout
	for rows.Next() {
		var p Payout
		var invoiced, paid, overdue sql.NullTime
		if err := rows.Scan(&p.Root, &p.Statement, &p.Supplier, &p.AmountFen, &p.ConfirmedBy, &p.Confirmed, &p.InvoiceCode, &p.InvoiceNumber,
			&p.InvoiceAmountFen, &p.InvoiceTaxFen, &p.InvoiceDate, &invoiced, &p.ReceivedOn, &p.DueOn, &p.PaidOn, &p.PaymentRef, &paid, &overdue); err != nil {
			return nil, err
		}
		p.Confirmed, p.Invoiced, p.Paid, p.Overdue = p.Confirmed.UTC(), fromNull(invoiced), fromNull(paid), fromNull(overdue)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// Payout returns the payout of a statement chain, locked for update when
// asked.
func (tx *Tx) Payout(ctx context.Context, root string, forUpdate bool) (*Payout, error) {
	ps, err := tx.Payouts(ctx, PayoutFilter{Root: root}, forUpdate)
	if err != nil {
		return nil, err
	}
	if len(ps) != 1 {
		return nil, noPayout()
	}
	return ps[0], nil
}
