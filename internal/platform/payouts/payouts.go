// Package payouts is the supplier's side of settlement (X-S4): once no
// party can dispute a statement any more, its supplier confirms the
// chain's final amount and records its VAT special invoice 增值税专用发票
// for it; the operator records when the invoice arrived, which sets the
// payout's due date five working days later (package calendar), and then
// the payment. A payout not paid by its due date is flagged overdue, in
// the log, where the operator's and the regulator's consoles show it.
// Every step is one transaction with its log entry; no step is taken
// twice.
package payouts

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/platform/disputes"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
	"hulian/internal/settlement"
)

// Log entry kinds.
const (
	KindConfirmed = "settlement.statement_confirmed"
	KindInvoiced  = "settlement.invoice_recorded"
	KindReceived  = "settlement.invoice_received"
	KindPaid      = "settlement.payout_paid"
	KindOverdue   = "settlement.payout_overdue"
)

// Payouts records the steps of supplier payouts.
type Payouts struct {
	Disputes *disputes.Disputes
	Logger   *slog.Logger
	// Now decides what "today" is; the database's clock by default.
	Now func() time.Time
}

// New returns the payouts room.
func New(d *disputes.Disputes) *Payouts {
	return &Payouts{Disputes: d, Logger: slog.New(slog.DiscardHandler)}
}

func (p *Payouts) db() *store.DB { return p.Disputes.Log.P.DB }

func (p *Payouts) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return p.db().Now()
}

func (p *Payouts) today() calendar.Date { return calendar.DateOf(p.now()) }

// Confirm records the supplier's confirmation of a statement: the chain's
// latest, once its dispute period has ended with no dispute open.
func (p *Payouts) Confirm(ctx context.Context, statementID string) (*store.Payout, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	var out *store.Payout
	err := p.db().Transact(ctx, func(tx *store.Tx) error {
		head, _, err := disputes.Head(ctx, tx, statementID)
		if err != nil {
			return err
		}
		switch {
		case a.MemberID == head.Demander:
			return errs.New(errs.PermissionDenied, "statement", "结算单由供方确认", "the supplier confirms a statement")
		case a.MemberID != head.Supplier:
			return errs.New(errs.NotFound, "statement", "找不到该结算单："+statementID, "no such statement: "+statementID)
		case head.ID != statementID:
			return errs.New(errs.FailedPrecondition, "statement", "该结算单已被 "+head.ID+" 更正，请确认后者", "the statement was corrected by "+head.ID+"; confirm that one")
		case head.TotalFen <= 0:
			return errs.New(errs.FailedPrecondition, "statement", "该结算单金额为零，无须付款", "the statement's total is zero: there is nothing to pay")
		}
		terms, err := tx.SettlementTerms(ctx)
		if err != nil {
			return err
		}
		deadline, err := p.Disputes.Deadline(head.Month, terms)
		if err != nil {
			return err
		}
		if p.now().Before(deadline) {
			return errs.New(errs.FailedPrecondition, "statement", "异议期至 "+deadline.In(calendar.Shanghai).Format("2006-01-02 15:04")+"（北京时间）届满，届满后方可确认",
				"the statement can be confirmed once its dispute period ends at "+deadline.In(calendar.Shanghai).Format("2006-01-02 15:04")+" (Beijing time)")
		}
		if open, err := tx.Disputes(ctx, store.DisputeFilter{Root: head.Root(), Status: store.DisputeOpen}); err != nil {
			return err
		} else if len(open) > 0 {
			return errs.New(errs.FailedPrecondition, "statement", "该结算单的异议 "+open[0].ID+" 尚待答复", "the statement's dispute "+open[0].ID+" awaits an answer")
		}
		out = &store.Payout{Root: head.Root(), Statement: head.ID, Supplier: head.Supplier, AmountFen: head.TotalFen, ConfirmedBy: a.Ref(), Confirmed: tx.Now()}
		if err := tx.InsertPayout(ctx, out); err != nil {
			return err
		}
		_, err = tx.Append(ctx, head.Supplier, KindConfirmed, head.ID, bizlog.P{"statement": head.ID, "amount_fen": head.TotalFen})
		return err
	})
	return out, err
}

// Invoice is a VAT special invoice as the supplier records it.
type Invoice struct {
	Code      string // 发票代码: 10 or 12 digits; empty for a fully digital invoice
	Number    string // 发票号码: 8 digits, or 20 for a fully digital invoice
	AmountFen int64  // 金额 before tax
	TaxFen    int64  // 税额
	Date      string // 开票日期, YYYY-MM-DD
}

// check checks an invoice against the amount confirmed and the day it is
// recorded, naming the first field that is wrong.
func (inv *Invoice) check(amountFen int64, month string, today calendar.Date) error {
	inv.Code, inv.Number = strings.TrimSpace(inv.Code), strings.TrimSpace(inv.Number)
	switch {
	case inv.Code != "" && (!digits(inv.Code) || (len(inv.Code) != 10 && len(inv.Code) != 12)):
		return errs.Invalidf("invoice_code", "发票代码须为 10 或 12 位数字（数电票不填）", "the invoice code is 10 or 12 digits (none for a fully digital invoice)")
	case inv.Code != "" && (!digits(inv.Number) || len(inv.Number) != 8):
		return errs.Invalidf("invoice_number", "发票号码须为 8 位数字", "the invoice number is 8 digits")
	case inv.Code == "" && (!digits(inv.Number) || len(inv.Number) != 20):
		return errs.Invalidf("invoice_number", "数电票号码须为 20 位数字", "a fully digital invoice's number is 20 digits")
	case inv.AmountFen <= 0:
		return errs.Invalidf("amount_fen", "发票金额须为正数", "the invoice amount must be positive")
	case inv.TaxFen < 0 || inv.TaxFen >= inv.AmountFen:
		return errs.Invalidf("tax_fen", "税额须不小于零且小于金额", "the tax must be at least zero and less than the amount")
	case inv.AmountFen+inv.TaxFen != amountFen:
		return errs.Invalidf("amount_fen", fmt.Sprintf("价税合计 %s 与结算单金额 %s 不符", yuan(inv.AmountFen+inv.TaxFen), yuan(amountFen)),
			fmt.Sprintf("amount plus tax, %s, does not match the statement's %s", yuan(inv.AmountFen+inv.TaxFen), yuan(amountFen)))
	}
	d, err := calendar.ParseDate(inv.Date)
	if err != nil {
		return errs.Invalidf("invoice_date", "开票日期须写作 年-月-日："+inv.Date, "write the invoice date as year-month-day: "+inv.Date)
	}
	if d.After(today) || d.String()[:7] < month {
		return errs.Invalidf("invoice_date", "开票日期须在结算月之后、今天之前", "the invoice date must fall after the statement's month began and not after today")
	}
	inv.Date = d.String()
	return nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func yuan(fen int64) string { return "¥" + pricing.FormatYuan(fen) }

// step runs fn on a chain's payout, locked, as actor may: the supplier
// (supplierStep) or the operator; then saves it and appends its entry.
func (p *Payouts) step(ctx context.Context, root string, supplierStep bool, fn func(tx *store.Tx, po *store.Payout) (kind string, payload bizlog.P, err error)) (*store.Payout, error) {
	perm := auth.PermSettle
	if supplierStep {
		perm = auth.PermTrade
	}
	if err := auth.Require(ctx, perm); err != nil {
		return nil, err
	}
	var po *store.Payout
	err := p.db().Transact(ctx, func(tx *store.Tx) (err error) {
		if po, err = tx.Payout(ctx, root, true); err != nil {
			return err
		}
		kind, payload, err := fn(tx, po)
		if err != nil {
			return err
		}
		if err := tx.SavePayout(ctx, po); err != nil {
			return err
		}
		payload["statement"] = po.Statement
		_, err = tx.Append(ctx, po.Supplier, kind, po.Statement, payload)
		return err
	})
	return po, err
}

// RecordInvoice records the supplier's invoice for a confirmed statement;
// its amount plus tax must equal the statement's total.
func (p *Payouts) RecordInvoice(ctx context.Context, root string, inv Invoice) (*store.Payout, error) {
	return p.step(ctx, root, true, func(tx *store.Tx, po *store.Payout) (string, bizlog.P, error) {
		if po.InvoiceNumber != "" {
			return "", nil, errs.New(errs.Conflict, "invoice_number", "该结算单已登记发票 "+po.InvoiceNumber, "an invoice, "+po.InvoiceNumber+", was recorded already")
		}
		if err := inv.check(po.AmountFen, settlement.MonthOfID(po.Statement), p.today()); err != nil {
			return "", nil, err
		}
		po.InvoiceCode, po.InvoiceNumber, po.InvoiceAmountFen, po.InvoiceTaxFen, po.InvoiceDate, po.Invoiced = inv.Code, inv.Number, inv.AmountFen, inv.TaxFen, inv.Date, tx.Now()
		return KindInvoiced, bizlog.P{"invoice_code": inv.Code, "invoice_number": inv.Number, "amount_fen": inv.AmountFen, "tax_fen": inv.TaxFen, "invoice_date": inv.Date}, nil
	})
}

// Receive records the day the operator received the invoice, and so the
// day the payout is due.
func (p *Payouts) Receive(ctx context.Context, root, receivedOn string) (*store.Payout, error) {
	return p.step(ctx, root, false, func(tx *store.Tx, po *store.Payout) (string, bizlog.P, error) {
		switch {
		case po.InvoiceNumber == "":
			return "", nil, errs.New(errs.FailedPrecondition, "invoice_number", "供方尚未登记发票", "the supplier has not recorded an invoice")
		case po.ReceivedOn != "":
			return "", nil, errs.New(errs.Conflict, "received_on", "已于 "+po.ReceivedOn+" 登记收票", "the invoice's receipt was recorded already, on "+po.ReceivedOn)
		}
		d, err := p.day("received_on", receivedOn, po.InvoiceDate)
		if err != nil {
			return "", nil, err
		}
		due, err := p.Disputes.WorkingDays().PaymentDue(d)
		if err != nil {
			return "", nil, err
		}
		po.ReceivedOn, po.DueOn = d.String(), due.String()
		return KindReceived, bizlog.P{"received_on": po.ReceivedOn, "due_on": po.DueOn}, nil
	})
}

// Pay records the payment of a payout, once.
func (p *Payouts) Pay(ctx context.Context, root, paidOn, reference string) (*store.Payout, error) {
	reference = strings.TrimSpace(reference)
	return p.step(ctx, root, false, func(tx *store.Tx, po *store.Payout) (string, bizlog.P, error) {
		switch {
		case po.PaidOn != "":
			return "", nil, errs.New(errs.Conflict, "payment", "该笔款项已于 "+po.PaidOn+" 支付", "the payout was paid already, on "+po.PaidOn)
		case po.ReceivedOn == "":
			return "", nil, errs.New(errs.FailedPrecondition, "received_on", "尚未登记收到发票", "the invoice's receipt has not been recorded")
		case reference == "" || len(reference) > 120:
			return "", nil, errs.Invalidf("payment_reference", "须填写付款流水号（最长 120）", "give the payment's bank reference (at most 120 characters)")
		}
		d, err := p.day("paid_on", paidOn, po.ReceivedOn)
		if err != nil {
			return "", nil, err
		}
		po.PaidOn, po.PaymentRef, po.Paid = d.String(), reference, tx.Now()
		return KindPaid, bizlog.P{"amount_fen": po.AmountFen, "paid_on": po.PaidOn, "payment_reference": reference, "due_on": po.DueOn, "late": po.PaidOn > po.DueOn}, nil
	})
}

// day parses a date a person gave: not before notBefore, not after today.
func (p *Payouts) day(field, s, notBefore string) (calendar.Date, error) {
	d, err := calendar.ParseDate(strings.TrimSpace(s))
	if err != nil {
		return calendar.Date{}, errs.Invalidf(field, "日期须写作 年-月-日："+s, "write the date as year-month-day: "+s)
	}
	if d.After(p.today()) || d.String() < notBefore {
		return calendar.Date{}, errs.Invalidf(field, "日期须在 "+notBefore+" 与今天之间", "the date must fall between "+notBefore+" and today")
	}
	return d, nil
}

// FlagOverdue flags, once each, the payouts due before today and unpaid:
// a log entry under the supplier that the operator's and regulator's
// consoles list. It returns how many it flagged.
func (p *Payouts) FlagOverdue(ctx context.Context) (int, error) {
	ctx = auth.WithActor(ctx, auth.System)
	today := p.today().String()
	n := 0
	err := p.db().Transact(ctx, func(tx *store.Tx) error {
		n = 0
		due, err := tx.Payouts(ctx, store.PayoutFilter{DueBefore: today}, true)
		if err != nil {
			return err
		}
		for _, po := range due {
			if !po.Overdue.IsZero() {
				continue
			}
			po.Overdue = tx.Now()
			if err := tx.SavePayout(ctx, po); err != nil {
				return err
			}
			if _, err := tx.Append(ctx, po.Supplier, KindOverdue, po.Statement, bizlog.P{"statement": po.Statement, "amount_fen": po.AmountFen, "due_on": po.DueOn}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if n > 0 {
		p.Logger.Warn("payouts overdue", "count", n)
	}
	return n, err
}

// List lists payouts: a supplier its own, staff all.
func (p *Payouts) List(ctx context.Context, f store.PayoutFilter) ([]*store.Payout, error) {
	var out []*store.Payout
	err := p.db().Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.Payouts(ctx, f, false); return err })
	return out, err
}
