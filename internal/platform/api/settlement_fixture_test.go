package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/digest"
	"hulian/internal/platform/payouts"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/settlement"
)

// testCalendar is the embedded calendar with every year from this one to
// the next declared — by a test declaration (New Year's Day only), not
// the State Council's notice — for the years the embedded one lacks: a
// statement of this month has a dispute deadline whenever the tests run.
func testCalendar() *calendar.Calendar {
	var b strings.Builder
	now := time.Now()
	for y := now.Year(); y <= now.Year()+1; y++ {
		if !calendar.Default().Covers(y) {
			fmt.Fprintf(&b, "year %d test declaration, not the notice\n%d-01-01 holiday 元旦\n", y, y)
		}
	}
	if b.Len() == 0 {
		return calendar.Default()
	}
	over, err := calendar.Parse(strings.NewReader(b.String()))
	if err != nil {
		panic(err)
	}
	return calendar.Default().Merge(over)
}

// counterparty is the other party of A's statements: not B, which must
// see none of them.
const counterparty = "mem_counterpartyzzzzz"

// statementOfA records a statement between member A and a counterparty, A the
// demander or the supplier, for month — this one (disputes still open)
// or "past" (January of last year: its dispute period long over) — and
// returns its ID. It is written as the statement job writes one, without
// the log entry, which these tests do not read.
func (f *fixture) statementOfA(t *testing.T, thisMonth, aSupplies bool) *store.IssuedStatement {
	t.Helper()
	month := settlement.MonthOf(time.Now())
	if !thisMonth {
		month = fmt.Sprintf("%04d-01", time.Now().Year()-1)
	}
	dem, sup := f.A.ID, counterparty
	if aSupplies {
		dem, sup = sup, dem
	}
	order := fmt.Sprintf("ord_s%d", uniq())
	st := &store.IssuedStatement{Statement: settlement.Statement{Month: month, Demander: dem, Supplier: sup,
		Lines: []settlement.Line{{Order: order, Listing: "lst_x", Deliveries: 2, Queried: 20, Matched: 10, ChargeFen: 1060, FirstSeq: 1, LastSeq: 2}}, TotalFen: 1060},
		Signature: "test", Seq: 1, Issued: time.Now().UTC()}
	// A fresh ID each time: the month and pair repeat.
	st.ID = settlement.ID(month, dem, sup)[:len("stm_YYYYMM_")] + fmt.Sprintf("%016x", uniq())
	st.Seal(digest.SHA256)
	ctx := staffCtx()
	if err := f.M.DB.Transact(ctx, func(tx *store.Tx) error { _, err := tx.InsertStatement(ctx, st); return err }); err != nil {
		t.Fatal(err)
	}
	return st
}

func (f *fixture) asA() context.Context { return storetest.AsMember(context.Background(), f.A.ID) }

// payoutOfA is a statement A supplied, confirmed by A; invoiced by A and
// received by the operator if asked.
func (f *fixture) payoutOfA(t *testing.T, invoiced, received bool) *store.IssuedStatement {
	t.Helper()
	st := f.statementOfA(t, false, true)
	x := f.M.Exchange
	if _, err := x.Payouts.Confirm(f.asA(), st.ID); err != nil {
		t.Fatal(err)
	}
	today := calendar.DateOf(time.Now()).String()
	if invoiced {
		if _, err := x.Payouts.RecordInvoice(f.asA(), st.ID, invoiceFor(1060, today)); err != nil {
			t.Fatal(err)
		}
	}
	if received {
		if _, err := x.Payouts.Receive(staffCtx(), st.ID, today); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// invoiceFor is a VAT special invoice of a fresh number for total fen at 6%.
func invoiceFor(total int64, date string) payouts.Invoice {
	tax := total * 6 / 106
	return payouts.Invoice{Code: "3100261130", Number: fmt.Sprintf("%08d", uniq()%100_000_000), AmountFen: total - tax, TaxFen: tax, Date: date}
}

func init() {
	authenticated := []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}
	today := func() string { return calendar.DateOf(time.Now()).String() }
	for proc, r := range map[string]rule{
		"ListStatements": {allowed: authenticated, body: func(t *testing.T, f *fixture) string { return `{}` }},
		"GetStatement": {allowed: seesA, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"statement_id":%q}`, f.statementOfA(t, true, false).ID)
		}},
		"OpenDispute": {allowed: []string{"memberA", "nodeA"}, body: func(t *testing.T, f *fixture) string {
			st := f.statementOfA(t, true, false)
			return fmt.Sprintf(`{"statement_id":%q,"order_id":%q,"reason":"配送结果为空"}`, st.ID, st.Lines[0].Order)
		}},
		"AnswerDispute": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			st := f.statementOfA(t, true, false)
			d, err := f.M.Exchange.Disputes.Open(f.asA(), st.ID, "", "金额有误")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"dispute_id":%q,"answer":"经核对日志，结算单无误","credits":[]}`, d.ID)
		}},
		"ConfirmStatement": {allowed: []string{"memberA", "nodeA"}, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"statement_id":%q}`, f.statementOfA(t, false, true).ID)
		}},
		"RecordInvoice": {allowed: []string{"memberA", "nodeA"}, body: func(t *testing.T, f *fixture) string {
			st := f.payoutOfA(t, false, false)
			inv := invoiceFor(st.TotalFen, today())
			return fmt.Sprintf(`{"statement_id":%q,"invoice_code":%q,"invoice_number":%q,"amount_fen":%d,"tax_fen":%d,"invoice_date":%q}`,
				st.ID, inv.Code, inv.Number, inv.AmountFen, inv.TaxFen, inv.Date)
		}},
		"ReceiveInvoice": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"statement_id":%q,"received_on":%q}`, f.payoutOfA(t, true, false).ID, today())
		}},
		"RecordPayment": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"statement_id":%q,"paid_on":%q,"payment_reference":"BANK-%d"}`, f.payoutOfA(t, true, true).ID, today(), uniq())
		}},
		"GetBook": {allowed: authenticated, body: func(t *testing.T, f *fixture) string { return `{}` }},
	} {
		rules["/hulian.v1.SettlementService/"+proc] = r
	}
}
