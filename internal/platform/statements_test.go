package platform_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/settlement"
)

// testCalendar is the embedded calendar with a test declaration of 2027
// (one holiday, not the year's notice), so that December's statement day
// can be computed whatever month the test runs in.
func testCalendar(t *testing.T) *calendar.Calendar {
	t.Helper()
	path := filepath.Join(t.TempDir(), "holidays.txt")
	if err := os.WriteFile(path, []byte("year 2027 test file, not the notice\n2027-01-01 holiday test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := calendar.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestStatements (X-S1): the month's statement for the pair equals, to the
// fen, what its deliveries charged; before the issue day a run is a
// provisional preview that writes nothing; on it the statement is issued
// once — signed with the log's key, stored and logged under both parties —
// and a second run issues nothing; each party sees it, the statement
// recomputes from the log, and an altered one does not.
func TestStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{price: pricing.Plan{Mode: pricing.Tiered, Basis: pricing.PerHit, Tiers: []pricing.Tier{{UpTo: 600, UnitPrice: 4}, {UnitPrice: 2}}}, topUp: 1_000_000})
		var charged int64
		for i := range 3 {
			id := fmt.Sprintf("s-%d", i)
			res, err := e.r.Deliver(e.demNode, e.order.ID, id, e.tokens(t, e.people), e.auth(e.order.ID, id, e.tokens(t, e.people)), relay.Authorisations{})
			if err != nil {
				t.Fatal(err)
			}
			charged += res.Delivery.ChargeFen
		}
		s := e.p.Statements
		s.Calendar = testCalendar(t)
		month := settlement.MonthOf(db.Now())
		due, err := s.IssueAt(month)
		if err != nil {
			t.Fatal(err)
		}
		if err := calendarCheck(s.Calendar, month, due); err != nil {
			t.Fatal(err)
		}

		// Before the issue day: a preview, nothing written.
		sts, provisional, err := s.Run(e.op, month)
		if err != nil || !provisional || len(sts) != 1 || sts[0].TotalFen != charged || sts[0].Seq != 0 {
			t.Fatalf("preview: %v %v %+v", provisional, err, sts)
		}
		if l := sts[0].Lines; len(l) != 1 || l[0].Order != e.order.ID || l[0].Deliveries != 3 {
			t.Errorf("preview lines: %+v", l)
		}
		if n := len(e.entries(t, settlement.KindIssued)); n != 0 {
			t.Fatalf("a preview logged %d entries", n)
		}
		if _, _, err := s.Run(e.dem.ctx, month); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("a member running statements: %v", err)
		}

		// On the issue day.
		s.Now = func() time.Time { return due.Add(time.Minute) }
		sts, provisional, err = s.Run(e.op, month)
		if err != nil || provisional || len(sts) != 1 || sts[0].TotalFen != charged || sts[0].Seq == 0 {
			t.Fatalf("issue: %v %v %+v", provisional, err, sts)
		}
		v, err := note.NewVerifier(e.vkey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open([]byte(sts[0].Signature), note.VerifierList(v)); err != nil {
			t.Errorf("the statement's signature: %v", err)
		}
		if n := len(e.entries(t, settlement.KindIssued)); n != 2 {
			t.Errorf("%d statement entries, want one per party", n)
		}
		again, _, err := s.Run(e.op, month)
		if err != nil || len(again) != 1 || again[0].Seq != sts[0].Seq {
			t.Errorf("second run: %v %+v", err, again)
		}
		if n := len(e.entries(t, settlement.KindIssued)); n != 2 {
			t.Errorf("a second run logged again: %d entries", n)
		}
		for _, ctx := range []context.Context{e.dem.ctx, e.sup.ctx} {
			if mine, err := s.List(ctx, store.StatementFilter{}); err != nil || len(mine) != 1 {
				t.Errorf("a party's statements: %v %d", err, len(mine))
			}
		}

		// Recomputed from the log; an altered statement fails.
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
		if n, err := ver.Finish(); err != nil || n != 1 { // one statement, logged under each party
			t.Errorf("verification: %d %v", n, err)
		}
		bad := settlement.NewVerifier()
		for i := range es {
			x := es[i]
			if x.Kind == settlement.KindIssued {
				st, _ := settlement.FromEntry(&x)
				st.TotalFen++
				p, _ := st.Payload("", 0)
				x.Payload, _ = p.Encode()
			}
			bad.Add(&x)
		}
		if _, err := bad.Finish(); err == nil {
			t.Error("an altered statement verified")
		}
	})
}

// calendarCheck: the issue time is the third working day of the next
// month at 09:00 Beijing time.
func calendarCheck(c *calendar.Calendar, month string, due time.Time) error {
	start, _, err := settlement.ParseMonth(month)
	if err != nil {
		return err
	}
	m := calendar.DateOf(start)
	day, err := c.StatementDay(m.Year, m.Month)
	if err != nil {
		return err
	}
	if got := due.In(calendar.Shanghai); got.Format("2006-01-02 15:04") != day.String()+" 09:00" {
		return fmt.Errorf("issued at %v, want %s 09:00", got, day)
	}
	return nil
}
