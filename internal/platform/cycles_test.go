package platform_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/settlement"
)

// TestSettlementCycles (X-S1, "the cycle can be changed per pair of
// members"): the demander proposes settling quarterly from the next
// quarter; proposing for a month that has begun, to a member it has no
// orders with, twice, or answering its own proposal are refused; the
// supplier accepts and the agreement is logged under both. This month is
// still settled monthly; in the quarter, no statement is issued after its
// first two months (a preview shows the quarter so far), and after its
// last one statement covers the three months, a line per month, signed
// over its period; the log's verifier recomputes it and checks its period
// against the logged agreement.
func TestSettlementCycles(t *testing.T) {
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			var offset atomic.Int64 // the clock's lead on real time
			clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
			db := storetest.Open(t, eng, store.Options{Now: clock})
			e := newRelayEnv(t, db, terms{})
			s := e.p.Statements
			s.Calendar = yearsCalendar(t, calendar.DateOf(clock()).Year)
			s.Now = clock
			at := func(t0 time.Time) { offset.Store(int64(time.Until(t0))) }

			m0 := settlement.MonthOf(clock())
			q := settlement.AddMonths(m0, 1)
			for !strings.HasSuffix(q, "-01") && !strings.HasSuffix(q, "-04") && !strings.HasSuffix(q, "-07") && !strings.HasSuffix(q, "-10") {
				q = settlement.AddMonths(q, 1)
			}
			cy := e.p.Cycles
			stranger := onboard(t, e.p, e.op, 503, false, true).member.ID
			dem, sup := e.dem.member.ID, e.sup.member.ID
			for _, bad := range []struct {
				ctx   context.Context
				other string
				c     settlement.Cycle
				kind  errs.Kind
				field string
			}{
				{e.dem.ctx, sup, settlement.Cycle{Months: 3, From: m0}, errs.Invalid, "from"},
				{e.dem.ctx, sup, settlement.Cycle{Months: 5, From: q}, errs.Invalid, "months"},
				{e.dem.ctx, dem, settlement.Cycle{Months: 3, From: q}, errs.Invalid, "counterparty"},
				{e.dem.ctx, stranger, settlement.Cycle{Months: 3, From: q}, errs.NotFound, "counterparty"},
				{e.op, sup, settlement.Cycle{Months: 3, From: q}, errs.PermissionDenied, ""},
			} {
				_, err := cy.Propose(bad.ctx, bad.other, bad.c, "")
				var ee *errs.Error
				if !errs.Is(err, bad.kind) || (bad.field != "" && (!errors.As(err, &ee) || ee.Field != bad.field)) {
					t.Errorf("propose %+v to %s: %v, want %v on %q", bad.c, bad.other, err, bad.kind, bad.field)
				}
			}
			p, err := cy.Propose(e.dem.ctx, sup, settlement.Cycle{Months: 3, From: q}, "季度对账")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cy.Propose(e.sup.ctx, dem, settlement.Cycle{Months: 6, From: q}, ""); !errs.Is(err, errs.Conflict) {
				t.Errorf("a second proposal while one awaits: %v", err)
			}
			if _, err := cy.Answer(e.dem.ctx, p.ID, true); !errs.Is(err, errs.FailedPrecondition) {
				t.Errorf("the proposer answering: %v", err)
			}
			if _, err := cy.Answer(e.sup.ctx, p.ID, true); err != nil {
				t.Fatal(err)
			}
			if n := len(e.entries(t, settlement.KindCycleAgreed)); n != 2 {
				t.Fatalf("%d agreement entries, want one per member", n)
			}
			if _, err := cy.Answer(e.sup.ctx, p.ID, false); !errs.Is(err, errs.FailedPrecondition) {
				t.Errorf("answering twice: %v", err)
			}

			// Deliveries: this month, then each month of the quarter.
			deliver := func(month string, fen int64) {
				start, _, _ := settlement.ParseMonth(month)
				at(start.Add(10 * 24 * time.Hour))
				err := db.Transact(auth.WithActor(context.Background(), auth.System), func(tx *store.Tx) error {
					_, err := tx.Append(auth.WithActor(context.Background(), auth.System), dem, settlement.KindDelivered, e.order.ID,
						bizlog.P{"demander": dem, "supplier": sup, "listing": e.listing.ID, "queried": 10, "matched": 5, "charge_fen": fen})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			deliver(m0, 7)
			for i, fen := range []int64{100, 200, 300} {
				deliver(settlement.AddMonths(q, i), fen)
			}
			run := func(month string, before bool) []*store.IssuedStatement {
				t.Helper()
				due, err := s.IssueAt(month)
				if err != nil {
					t.Fatal(err)
				}
				if before {
					at(due.Add(-time.Hour))
				} else {
					at(due.Add(time.Minute))
				}
				sts, provisional, err := s.Run(e.op, month)
				if err != nil || provisional != before {
					t.Fatalf("%s: %v, provisional %v", month, err, provisional)
				}
				return sts
			}
			if sts := run(m0, false); len(sts) != 1 || sts[0].From != "" || sts[0].TotalFen != 7 {
				t.Fatalf("this month, still monthly: %+v", sts)
			}
			if sts := run(q, false); len(sts) != 0 {
				t.Fatalf("the quarter's first month issued %d statements", len(sts))
			}
			prev := run(settlement.AddMonths(q, 1), true)
			if len(prev) != 1 || prev[0].From != q || prev[0].Month != settlement.AddMonths(q, 2) || prev[0].TotalFen != 300 || prev[0].Seq != 0 {
				t.Fatalf("the quarter's preview: %+v", prev)
			}
			if sts := run(settlement.AddMonths(q, 1), false); len(sts) != 0 {
				t.Fatalf("the quarter's second month issued %d statements", len(sts))
			}
			sts := run(settlement.AddMonths(q, 2), false)
			if len(sts) != 1 {
				t.Fatalf("the quarter: %d statements", len(sts))
			}
			st := sts[0]
			if st.From != q || st.TotalFen != 600 || len(st.Lines) != 3 || st.Lines[0].Month != q || st.ID != settlement.ID(settlement.AddMonths(q, 2), dem, sup) {
				t.Fatalf("the quarter's statement: %+v", st)
			}
			v, _ := note.NewVerifier(e.vkey)
			n, err := note.Open([]byte(st.Signature), note.VerifierList(v))
			if err != nil || !strings.Contains(n.Text, "from "+q+"\n") {
				t.Errorf("the quarter's signature: %v %q", err, st.Signature)
			}
			for _, ctx := range []context.Context{e.dem.ctx, e.sup.ctx} {
				if mine, err := s.List(ctx, store.StatementFilter{}); err != nil || len(mine) != 2 || mine[1].From != q {
					t.Errorf("a party's statements: %v %+v", err, mine)
				}
			}
			ver := settlement.NewVerifier()
			es, err := e.log.Entries(auth.WithActor(context.Background(), auth.System), store.LogFilter{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for i := range es {
				if err := ver.Add(&es[i]); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := ver.Finish(); err != nil || n != 2 {
				t.Errorf("verification: %d %v", n, err)
			}
		})
	}
}

// yearsCalendar declares from and the two years after it with New Year's
// Day as their only holiday, so that statement days are computable whatever year
// the test runs in.
func yearsCalendar(t *testing.T, from int) *calendar.Calendar {
	t.Helper()
	var b strings.Builder
	for y := from; y < from+3; y++ {
		fmt.Fprintf(&b, "year %d test declaration, not a notice\n%d-01-01 holiday 元旦\n", y, y)
	}
	c, err := calendar.Parse(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
