package platform_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/ledger"
	"hulian/internal/platform/disputes"
	"hulian/internal/platform/payouts"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/settlement"
)

// wantErr fails unless err is of kind and names field.
func wantErr(t *testing.T, what string, err error, kind errs.Kind, field string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != kind || e.Field != field {
		t.Errorf("%s: %v, want %s naming %q", what, err, kind, field)
	}
}

// TestDisputesAndPayouts (X-S2, X-S4, X-W3): the demander disputes a line
// of an issued statement; bad disputes and answers are refused naming the
// field, writing nothing; the operator answers with a correction — a new
// statement linked to the first, whose receipts verify with the log's key
// and whose credit returns to the demander's quota — and both parties see
// the chain. After the dispute period the supplier confirms the
// correction, records a matching invoice, the operator records its
// receipt (the payout due five working days later), the payout is flagged
// overdue once, then paid once. The book sums to zero and reconciles with
// the quota, and every statement and correction recomputes from the log.
func TestDisputesAndPayouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 7}, topUp: 1_000_000})
		var charged int64
		for i := range 3 {
			id := fmt.Sprintf("d-%d", i)
			res, err := e.r.Deliver(e.demNode, e.order.ID, id, e.tokens(t, e.people), e.auth(e.order.ID, id, e.tokens(t, e.people)), relay.Authorisations{})
			if err != nil {
				t.Fatal(err)
			}
			charged += res.Delivery.ChargeFen
		}
		if charged < 200 {
			t.Fatalf("charged only %d fen", charged)
		}
		cal := testCalendar(t)
		s, dsps, pays := e.p.Statements, e.p.Disputes, e.p.Payouts
		s.Calendar = cal
		month := settlement.MonthOf(db.Now())
		due, err := s.IssueAt(month)
		if err != nil {
			t.Fatal(err)
		}
		clock := due.Add(time.Minute)
		now := func() time.Time { return clock }
		s.Now, dsps.Now, pays.Now = now, now, now
		sts, _, err := s.Run(e.op, month)
		if err != nil || len(sts) != 1 {
			t.Fatal(err, sts)
		}
		st := sts[0]
		dem, sup := e.dem.member.ID, e.sup.member.ID

		// Bad disputes write nothing.
		_, err = dsps.Open(e.dem.ctx, "stm_202601_0000000000000000", "", "wrong")
		wantErr(t, "a dispute of no statement", err, errs.NotFound, "statement")
		_, err = dsps.Open(e.dem.ctx, st.ID, "ord_nope", "wrong")
		wantErr(t, "a dispute of no line", err, errs.Invalid, "order")
		_, err = dsps.Open(e.dem.ctx, st.ID, "", "  ")
		wantErr(t, "a dispute without a reason", err, errs.Invalid, "reason")
		if _, err := dsps.Open(e.op, st.ID, "", "x"); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("the operator disputing: %v", err)
		}
		if n := len(e.entries(t, disputes.KindOpened)); n != 0 {
			t.Fatalf("refused disputes logged %d entries", n)
		}

		dsp, err := dsps.Open(e.dem.ctx, st.ID, e.order.ID, "two answers were empty")
		if err != nil {
			t.Fatal(err)
		}
		_, err = dsps.Open(e.sup.ctx, st.ID, "", "another")
		wantErr(t, "a second open dispute", err, errs.Conflict, "statement")
		if mine, err := dsps.List(e.sup.ctx, store.DisputeFilter{}); err != nil || len(mine) != 1 {
			t.Errorf("the supplier sees %d disputes: %v", len(mine), err)
		}

		// Bad answers write nothing.
		_, _, err = dsps.Answer(e.op, dsp.ID, disputes.Answer{Text: "yes", Credits: []settlement.Adjustment{{Order: e.order.ID, AmountFen: 100, Reason: "x"}}})
		wantErr(t, "a positive credit", err, errs.Invalid, "adjustments[0].amount_fen")
		_, _, err = dsps.Answer(e.op, dsp.ID, disputes.Answer{Text: "yes", Credits: []settlement.Adjustment{{Order: e.order.ID, AmountFen: -charged - 1, Reason: "x"}}})
		wantErr(t, "a credit above the charge", err, errs.Invalid, "adjustments[0].amount_fen")
		if _, _, err := dsps.Answer(e.dem.ctx, dsp.ID, disputes.Answer{Text: "mine"}); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("a party answering: %v", err)
		}
		if n := len(e.entries(t, settlement.KindCorrected)); n != 0 {
			t.Fatalf("refused answers logged %d corrections", n)
		}
		before, err := e.p.Quota(e.op, dem)
		if err != nil {
			t.Fatal(err)
		}

		answered, corr, err := dsps.Answer(e.op, dsp.ID, disputes.Answer{Text: "upheld for one delivery", Credits: []settlement.Adjustment{{Order: e.order.ID, AmountFen: -100, Reason: "empty answers"}}})
		if err != nil {
			t.Fatal(err)
		}
		if corr == nil || corr.Corrects != st.ID || corr.TotalFen != charged-100 || answered.Status != store.DisputeCorrected || answered.Correction != corr.ID {
			t.Fatalf("correction %+v, dispute %+v", corr, answered)
		}
		rs, err := disputes.Evidence(answered)
		if err != nil || len(rs) != 4 {
			t.Fatalf("%d receipts (want the statement's entry and three deliveries): %v", len(rs), err)
		}
		for _, r := range rs {
			if err := r.Verify(e.vkey); err != nil {
				t.Errorf("receipt of entry %d: %v", r.Entry.Seq, err)
			}
		}
		after, _ := e.p.Quota(e.op, dem)
		if after.Account.BalanceFen != before.Account.BalanceFen+100 {
			t.Errorf("the credit did not return to the quota: %d → %d", before.Account.BalanceFen, after.Account.BalanceFen)
		}
		_, _, err = dsps.Answer(e.op, dsp.ID, disputes.Answer{Text: "again"})
		wantErr(t, "a second answer", err, errs.Conflict, "dispute")
		for _, ctx := range []context.Context{e.dem.ctx, e.sup.ctx} {
			k, err := pays.Case(ctx, st.ID)
			if err != nil || len(k.Chain) != 2 || k.Head().ID != corr.ID || len(k.Disputes) != 1 || k.Deadline.IsZero() {
				t.Errorf("a party's case: %v %+v", err, k)
			}
		}

		// Within the dispute period the supplier cannot confirm.
		_, err = pays.Confirm(e.sup.ctx, corr.ID)
		wantErr(t, "confirming within the dispute period", err, errs.FailedPrecondition, "statement")
		terms, _ := dsps.Terms(e.op)
		deadline, err := dsps.Deadline(month, terms)
		if err != nil {
			t.Fatal(err)
		}
		clock = deadline.Add(time.Minute)
		_, err = dsps.Open(e.dem.ctx, st.ID, "", "late")
		wantErr(t, "a dispute after the deadline", err, errs.FailedPrecondition, "statement")
		_, err = pays.Confirm(e.sup.ctx, st.ID)
		wantErr(t, "confirming the corrected statement", err, errs.FailedPrecondition, "statement")
		_, err = pays.Confirm(e.dem.ctx, corr.ID)
		wantErr(t, "the demander confirming", err, errs.PermissionDenied, "statement")
		po, err := pays.Confirm(e.sup.ctx, corr.ID)
		if err != nil || po.AmountFen != corr.TotalFen || po.Root != st.ID {
			t.Fatalf("confirm: %v %+v", err, po)
		}
		_, err = pays.Confirm(e.sup.ctx, corr.ID)
		wantErr(t, "confirming twice", err, errs.Conflict, "statement")
		// A period lengthened after the confirmation does not reopen it.
		if _, err := dsps.SetTerms(e.op, 60); err != nil {
			t.Fatal(err)
		}
		_, err = dsps.Open(e.dem.ctx, st.ID, "", "after the confirmation")
		wantErr(t, "a dispute of a confirmed statement", err, errs.FailedPrecondition, "statement")
		if _, err := dsps.SetTerms(e.op, store.DefaultDisputeDays); err != nil {
			t.Fatal(err)
		}

		today := calendar.DateOf(clock).String()
		tax := po.AmountFen * 6 / 106
		inv := payouts.Invoice{Code: "3100261130", Number: "01234567", AmountFen: po.AmountFen - tax, TaxFen: tax, Date: today}
		bad := inv
		bad.TaxFen++
		_, err = pays.RecordInvoice(e.sup.ctx, po.Root, bad)
		wantErr(t, "an invoice that does not match", err, errs.Invalid, "amount_fen")
		bad = inv
		bad.Code = "31002611"
		_, err = pays.RecordInvoice(e.sup.ctx, po.Root, bad)
		wantErr(t, "a short invoice code", err, errs.Invalid, "invoice_code")
		_, err = pays.Receive(e.op, po.Root, today)
		wantErr(t, "receiving no invoice", err, errs.FailedPrecondition, "invoice_number")
		if got, _ := pays.List(e.sup.ctx, store.PayoutFilter{}); len(got) != 1 || got[0].InvoiceNumber != "" {
			t.Fatalf("refused invoices were written: %+v", got)
		}
		if _, err := pays.RecordInvoice(e.sup.ctx, po.Root, inv); err != nil {
			t.Fatal(err)
		}
		_, err = pays.RecordInvoice(e.sup.ctx, po.Root, inv)
		wantErr(t, "an invoice twice", err, errs.Conflict, "invoice_number")
		po, err = pays.Receive(e.op, po.Root, today)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := cal.PaymentDue(calendar.DateOf(clock)); po.DueOn != want.String() {
			t.Errorf("due on %s, want %s", po.DueOn, want)
		}

		// Overdue the day after the due date: flagged once.
		dueDay, _ := calendar.ParseDate(po.DueOn)
		clock = dueDay.AddDays(1).Start().Add(time.Hour)
		if n, err := pays.FlagOverdue(context.Background()); err != nil || n != 1 {
			t.Errorf("flagged %d overdue: %v", n, err)
		}
		if n, _ := pays.FlagOverdue(context.Background()); n != 0 {
			t.Errorf("flagged again: %d", n)
		}
		paidOn := calendar.DateOf(clock).String()
		if _, err := pays.Pay(e.op, po.Root, paidOn, "BANK-0001"); err != nil {
			t.Fatal(err)
		}
		_, err = pays.Pay(e.op, po.Root, paidOn, "BANK-0002")
		wantErr(t, "paying twice", err, errs.Conflict, "payment")
		if n := len(e.entries(t, payouts.KindPaid)); n != 1 {
			t.Errorf("%d payment entries", n)
		}

		// The book: zero in sum, reconciled with the quota, the supplier
		// paid in full; a member sees only its own accounts.
		v, err := e.p.Books.Read(e.op, "")
		if err != nil {
			t.Fatal(err)
		}
		if v.Sum != 0 || len(v.Mismatches) != 0 {
			t.Errorf("the book: sum %d, mismatches %v", v.Sum, v.Mismatches)
		}
		bal := map[ledger.Account]int64{}
		for _, b := range v.Balances {
			bal[b.Account] = b.AmountFen
		}
		if bal[ledger.Account{Member: sup, Kind: ledger.Receivable}] != 0 || bal[ledger.Account{Kind: ledger.Cash}] != 1_000_000-corr.TotalFen {
			t.Errorf("balances %v", bal)
		}
		mine, err := e.p.Books.Read(e.dem.ctx, sup)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range mine.Balances {
			if b.Account.Member != dem {
				t.Errorf("the demander sees %v", b.Account)
			}
		}
		if len(mine.History) == 0 || mine.History[len(mine.History)-1].Kind != settlement.KindCorrected {
			t.Errorf("the demander's history %+v", mine.History)
		}

		ver := settlement.NewVerifier()
		es, err := e.log.Entries(auth.WithActor(context.Background(), auth.System), store.LogFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		book := ledger.New()
		for i := range es {
			if err := ver.Add(&es[i]); err != nil {
				t.Fatal(err)
			}
			if _, err := book.Add(&es[i]); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := ver.Finish(); err != nil || n != 2 {
			t.Errorf("verification: %d %v", n, err)
		}
		if book.Sum() != 0 {
			t.Errorf("the log's book sums to %d", book.Sum())
		}
	})
}
