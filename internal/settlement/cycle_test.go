package settlement_test

import (
	"strings"
	"testing"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/digest"
	"hulian/internal/settlement"
)

// TestSchedule: periods are counted from January in the cycle in force; a
// new cycle must begin a period of its own and of the cycle it follows,
// and must not cut the next one agreed short.
func TestSchedule(t *testing.T) {
	var none settlement.Schedule
	if from, to := none.Period("2026-11"); from != "2026-11" || to != "2026-11" {
		t.Fatalf("monthly by default: %s..%s", from, to)
	}
	s, err := none.With(settlement.Cycle{Months: 3, From: "2027-01"})
	if err != nil {
		t.Fatal(err)
	}
	for month, want := range map[string][2]string{
		"2026-12": {"2026-12", "2026-12"},
		"2027-01": {"2027-01", "2027-03"},
		"2027-03": {"2027-01", "2027-03"},
		"2027-05": {"2027-04", "2027-06"},
		"2028-12": {"2028-10", "2028-12"},
	} {
		if from, to := s.Period(month); [2]string{from, to} != want {
			t.Errorf("%s: period %s..%s, want %v", month, from, to, want)
		}
	}
	for _, bad := range []struct {
		c     settlement.Cycle
		field string
		say   string
	}{
		{settlement.Cycle{Months: 4, From: "2027-01"}, "months", "1, 2, 3, 6 or 12"},
		{settlement.Cycle{Months: 3, From: "2027-02"}, "from", "does not begin one"},
		{settlement.Cycle{Months: 1, From: "2027-02"}, "from", "inside a period of the current 3-month cycle"},
		{settlement.Cycle{Months: 6, From: "2027-04"}, "from", "does not begin one"},
		{settlement.Cycle{Months: 3, From: "2027-13"}, "from", "year-month"},
	} {
		_, err := s.With(bad.c)
		if err == nil || !strings.Contains(err.Error(), bad.say) {
			t.Errorf("%+v: %v, want a refusal saying %q", bad.c, err, bad.say)
		}
	}
	// Back to monthly from a quarter's start; then an annual cycle agreed
	// before a semi-annual one agreed for mid-year would cut it.
	m, err := s.With(settlement.Cycle{Months: 1, From: "2027-04"})
	if err != nil {
		t.Fatal(err)
	}
	if from, to := m.Period("2027-05"); from != "2027-05" || to != "2027-05" {
		t.Fatalf("monthly again: %s..%s", from, to)
	}
	h, err := m.With(settlement.Cycle{Months: 6, From: "2028-07"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.With(settlement.Cycle{Months: 12, From: "2028-01"}); err == nil || !strings.Contains(err.Error(), "cut a period") {
		t.Fatalf("an annual cycle cut by a later semi-annual one: %v", err)
	}
	// The same month agreed again replaces the earlier agreement.
	r, err := s.With(settlement.Cycle{Months: 6, From: "2027-01"})
	if err != nil || len(r) != 1 || r[0].Months != 6 {
		t.Fatalf("replace: %v %v", r, err)
	}
}

// TestAssemble: a pair on a quarterly cycle gets one statement after the
// quarter's last month, with a line per order and month; a monthly pair
// gets its month's; the verifier recomputes both and refuses a quarterly
// statement the log's agreements do not support.
func TestAssemble(t *testing.T) {
	at := func(month int) time.Time { return time.Date(2027, time.Month(month), 10, 2, 0, 0, 0, time.UTC) }
	var log []*bizlog.Entry
	seq := int64(1)
	add := func(e *bizlog.Entry) { e.Seq = seq; seq++; log = append(log, e) }
	agree := func(a, b string, c settlement.Cycle) {
		raw, _ := settlement.CyclePayload(a, b, c, "cyc_1").Encode()
		add(&bizlog.Entry{At: at(1).AddDate(0, -1, 0), Kind: settlement.KindCycleAgreed, Payload: raw})
	}
	agree("mem_s", "mem_q", settlement.Cycle{Months: 3, From: "2027-01"}) // either order names the pair
	b := settlement.NewRangeBuilder("2027-01", "2027-03")
	for m := 1; m <= 3; m++ {
		for _, e := range []*bizlog.Entry{
			delivery(0, at(m), "ord_q", "mem_q", "mem_s", 10, 5, int64(100*m)),
			delivery(0, at(m), "ord_m", "mem_m", "mem_s", 10, 5, int64(7*m)),
		} {
			add(e)
			if err := b.Add(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	schedules := map[[2]string]settlement.Schedule{}
	sch, _ := settlement.Schedule(nil).With(settlement.Cycle{Months: 3, From: "2027-01"})
	schedules[settlement.PairKey("mem_q", "mem_s")] = sch
	monthly := b.Statements()
	if feb := settlement.Assemble("2027-02", schedules, monthly, false); len(feb) != 1 || feb[0].Demander != "mem_m" || feb[0].TotalFen != 14 {
		t.Fatalf("February: %+v", feb)
	}
	if prov := settlement.Assemble("2027-02", schedules, monthly, true); len(prov) != 2 || prov[1].From != "2027-01" || prov[1].Month != "2027-03" || prov[1].TotalFen != 300 {
		t.Fatalf("February's preview: %+v %+v", prov[0], prov[1])
	}
	mar := settlement.Assemble("2027-03", schedules, monthly, false)
	if len(mar) != 2 {
		t.Fatalf("March: %d statements", len(mar))
	}
	q := mar[1]
	if q.Demander != "mem_q" || q.From != "2027-01" || q.Month != "2027-03" || q.TotalFen != 600 || len(q.Lines) != 3 || q.Lines[2].Month != "2027-03" {
		t.Fatalf("the quarter: %+v", q)
	}
	if q.ID != settlement.ID("2027-03", "mem_q", "mem_s") {
		t.Fatalf("named %s", q.ID)
	}
	issue := func(log []*bizlog.Entry, sts ...*settlement.Statement) []*bizlog.Entry {
		out := append([]*bizlog.Entry(nil), log...)
		for i, st := range sts {
			if st.LinesDigest == "" {
				st.Seal(digest.SHA256)
			}
			p, _ := st.Payload("sig", 0)
			raw, _ := p.Encode()
			out = append(out, &bizlog.Entry{Seq: seq + int64(i), At: at(4), Kind: settlement.KindIssued, Object: st.ID, Payload: raw})
		}
		return out
	}
	verify := func(entries []*bizlog.Entry) (int, error) {
		v := settlement.NewVerifier()
		for _, e := range entries {
			if err := v.Add(e); err != nil {
				return 0, err
			}
		}
		return v.Finish()
	}
	if n, err := verify(issue(log, mar...)); err != nil || n != 2 {
		t.Fatalf("verify: %d, %v", n, err)
	}
	// Without the agreement the quarter is not a period of the pair's.
	if _, err := verify(issue(log[1:], mar...)); err == nil || !strings.Contains(err.Error(), "cycle makes the period 2027-03 to 2027-03") {
		t.Fatalf("a quarter without an agreement: %v", err)
	}
	// A line dropped from the quarter is found.
	short := *q
	short.Lines = q.Lines[1:]
	short.TotalFen -= q.Lines[0].ChargeFen
	short.Seal(digest.SHA256)
	if _, err := verify(issue(log, mar[0], &short)); err == nil {
		t.Fatal("a quarter missing a month verified")
	}
	// A correction of the quarter credits an order across its months.
	c, err := settlement.Correct(q, 1, "dsp_1", []settlement.Adjustment{{Order: "ord_q", AmountFen: -550, Reason: "two months' answers were empty"}})
	if err != nil || c.From != "2027-01" || c.TotalFen != 50 {
		t.Fatalf("correction: %+v %v", c, err)
	}
	if _, err := settlement.Correct(q, 1, "dsp_1", []settlement.Adjustment{{Order: "ord_q", AmountFen: -601, Reason: "more than charged"}}); err == nil {
		t.Fatal("a credit above the quarter's charge")
	}
}
