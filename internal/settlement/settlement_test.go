package settlement_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/digest"
	"hulian/internal/settlement"
)

func delivery(seq int64, at time.Time, order, demander, supplier string, queried, matched, charge int64) *bizlog.Entry {
	p, _ := bizlog.P{"demander": demander, "supplier": supplier, "listing": "lst_" + order, "queried": queried, "matched": matched, "charge_fen": charge}.Encode()
	return &bizlog.Entry{Seq: seq, At: at, Member: demander, Kind: settlement.KindDelivered, Object: order, Payload: p}
}

// TestBuilder: deliveries are counted in the business month they were
// made in Beijing time (the last evening of September in UTC is October
// there), per order, grouped per pair; other entries are ignored.
func TestBuilder(t *testing.T) {
	oct := time.Date(2026, 10, 10, 3, 0, 0, 0, time.UTC)
	b := settlement.NewBuilder("2026-10")
	for _, e := range []*bizlog.Entry{
		delivery(1, time.Date(2026, 9, 30, 15, 59, 0, 0, time.UTC), "ord_1", "mem_d", "mem_s", 10, 5, 99), // 23:59 on 30 Sep in Beijing
		delivery(2, time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC), "ord_1", "mem_d", "mem_s", 10, 5, 50),  // 00:00 on 1 Oct
		delivery(3, oct, "ord_1", "mem_d", "mem_s", 20, 10, 70),
		delivery(4, oct, "ord_2", "mem_d", "mem_s", 1, 1, 1),
		delivery(5, oct, "ord_3", "mem_d2", "mem_s", 7, 3, 0),
		delivery(6, time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC), "ord_1", "mem_d", "mem_s", 1, 1, 1000), // November in Beijing
		{Seq: 7, At: oct, Kind: "order.activated", Object: "ord_1", Payload: []byte(`{}`)},
	} {
		if err := b.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	sts := b.Statements()
	if len(sts) != 2 || sts[0].Demander != "mem_d" || sts[1].Demander != "mem_d2" {
		t.Fatalf("statements %+v", sts)
	}
	st := sts[0]
	if st.TotalFen != 121 || len(st.Lines) != 2 || st.Lines[0] != (settlement.Line{Order: "ord_1", Listing: "lst_ord_1", Deliveries: 2, Queried: 30, Matched: 15, ChargeFen: 120, FirstSeq: 2, LastSeq: 3}) {
		t.Errorf("statement %+v", st)
	}
	if st.ID != settlement.ID("2026-10", "mem_d", "mem_s") || st.LinesDigest != "" || sts[1].TotalFen != 0 {
		t.Errorf("ids: %+v", sts)
	}
	// Sealed under the 国密 profile's hash, the digest is SM3's and the
	// log's field names it.
	st.Seal(digest.SM3)
	p, _ := st.Payload("sig", 0)
	if st.Hash != digest.SM3 || st.LinesDigest != settlement.LinesHash(digest.SM3, st.Lines) || st.LinesDigest == settlement.LinesHash(digest.SHA256, st.Lines) || p["lines_sm3"] != st.LinesDigest || p["lines_sha256"] != nil {
		t.Errorf("sealed: %+v %v", st, p)
	}
	if err := b.Add(&bizlog.Entry{Seq: 9, At: oct, Kind: settlement.KindDelivered, Payload: []byte(`{"charge_fen":"x"}`)}); err == nil {
		t.Error("an unreadable delivery was counted")
	}
	if err := b.Add(delivery(10, oct, "ord_1", "mem_other", "mem_s", 1, 1, 1)); err == nil || !strings.Contains(err.Error(), "other parties") {
		t.Errorf("a delivery naming other parties for its order: %v", err)
	}
}

// TestVerifierProperty: over random months of deliveries between random
// pairs, each statement built and logged verifies, and any change to a
// logged statement's total or lines is found.
func TestVerifierProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var log []*bizlog.Entry
		seq := int64(0)
		start := time.Date(2026, time.Month(1+r.IntN(10)), 1, 0, 0, 0, 0, time.UTC)
		month := settlement.MonthOf(start.Add(24 * time.Hour))
		b := settlement.NewBuilder(month)
		for range 1 + r.IntN(200) {
			at := start.Add(time.Duration(r.IntN(40*24)) * time.Hour)
			o := r.IntN(6)
			e := delivery(seq, at, fmt.Sprintf("ord_%d", o), fmt.Sprintf("mem_d%d", o%3), fmt.Sprintf("mem_s%d", o%2), int64(r.IntN(1000)), int64(r.IntN(500)), int64(r.IntN(10000)))
			seq++
			log = append(log, e)
			b.Add(e)
		}
		sts := b.Statements()
		alg := []digest.Alg{digest.SHA256, digest.SM3}[round%2] // either profile's hash
		for _, st := range sts {
			st.Seal(alg)
			p, _ := st.Payload("sig", 0)
			raw, _ := p.Encode()
			log = append(log, &bizlog.Entry{Seq: seq, At: start.AddDate(0, 2, 0), Kind: settlement.KindIssued, Object: st.ID, Payload: raw})
			seq++
		}
		verify := func(entries []*bizlog.Entry) error {
			v := settlement.NewVerifier()
			for _, e := range entries {
				if err := v.Add(e); err != nil {
					return err
				}
			}
			_, err := v.Finish()
			return err
		}
		if err := verify(log); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if len(sts) == 0 {
			continue
		}
		// Alter one logged statement.
		i := len(log) - 1 - r.IntN(len(sts))
		st, err := settlement.FromEntry(log[i])
		if err != nil {
			t.Fatal(err)
		}
		switch r.IntN(3) {
		case 0:
			st.TotalFen++
		case 1:
			st.Lines[0].Matched++
		default:
			st.Lines[0].Deliveries--
			st.LinesDigest = settlement.LinesHash(st.Alg(), st.Lines)
		}
		p, _ := st.Payload("sig", 0)
		raw, _ := p.Encode()
		altered := append([]*bizlog.Entry(nil), log...)
		altered[i] = &bizlog.Entry{Seq: log[i].Seq, At: log[i].At, Kind: settlement.KindIssued, Object: st.ID, Payload: raw}
		if err := verify(altered); err == nil {
			t.Fatalf("round %d: an altered statement verified", round)
		}
	}
}

func TestParseMonth(t *testing.T) {
	start, end, err := settlement.ParseMonth("2026-12")
	if err != nil || start != time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC) || end != time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC) {
		t.Errorf("2026-12: %v %v %v", start, end, err)
	}
	for _, bad := range []string{"2026-13", "2026-1", "26-01", "", "2026-01-01"} {
		if _, _, err := settlement.ParseMonth(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzFromEntry: a statement entry's payload is read or refused, never a
// panic, and what is read writes back to the same statement.
func FuzzFromEntry(f *testing.F) {
	st := &settlement.Statement{ID: "stm_1", Month: "2026-10", Demander: "mem_d", Supplier: "mem_s", TotalFen: 5, Lines: []settlement.Line{{Order: "ord_1", ChargeFen: 5}}}
	p, _ := st.Payload("sig", 0)
	raw, _ := p.Encode()
	f.Add([]byte(raw))
	f.Add([]byte(`{"statement":"stm_1","lines":"null"}`))
	f.Add([]byte(`{"statement":"stm_1","lines":"[{\"order\":1}]"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		got, err := settlement.FromEntry(&bizlog.Entry{Kind: settlement.KindIssued, Payload: payload})
		if err != nil {
			return
		}
		p, err := got.Payload("", 0)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := p.Encode()
		again, err := settlement.FromEntry(&bizlog.Entry{Kind: settlement.KindIssued, Payload: raw})
		if err != nil {
			t.Fatalf("a statement read does not read back: %v", err)
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Fatalf("%s != %s", a, b)
		}
	})
}

// TestMerge: entries split among builders in any way, merged, make the
// statements one builder makes of them all.
func TestMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	at := time.Date(2026, 10, 10, 0, 0, 0, 0, time.UTC)
	var es []*bizlog.Entry
	for i := range 500 {
		o := r.IntN(20)
		es = append(es, delivery(int64(i), at, fmt.Sprintf("ord_%d", o), fmt.Sprintf("mem_d%d", o%4), "mem_s", 10, 3, int64(r.IntN(100))))
	}
	one := settlement.NewBuilder("2026-10")
	parts := []*settlement.Builder{settlement.NewBuilder("2026-10"), settlement.NewBuilder("2026-10"), settlement.NewBuilder("2026-10")}
	for _, e := range es {
		one.Add(e)
		parts[r.IntN(len(parts))].Add(e)
	}
	for _, p := range parts[1:] {
		if err := parts[0].Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := json.Marshal(one.Statements())
	b, _ := json.Marshal(parts[0].Statements())
	if string(a) != string(b) {
		t.Errorf("merged statements differ:\n%s\n%s", a, b)
	}
}

// TestSummaries: a member's month sums the statements in force — a
// corrected statement counts by its correction — as demander and as
// supplier.
func TestSummaries(t *testing.T) {
	a := &settlement.Statement{ID: "stm_202610_a", Month: "2026-10", Demander: "mem_d", Supplier: "mem_s", TotalFen: 100}
	b := &settlement.Statement{ID: "stm_202610_b", Month: "2026-10", Demander: "mem_s", Supplier: "mem_x", TotalFen: 30}
	c := &settlement.Statement{ID: "stm_202610_a_c1", Month: "2026-10", Demander: "mem_d", Supplier: "mem_s", TotalFen: 90, Corrects: "stm_202610_a"}
	got := settlement.Summaries([]*settlement.Statement{a, b, c})
	want := []settlement.Summary{
		{Member: "mem_d", Month: "2026-10", PayableFen: 90, Statements: 1},
		{Member: "mem_s", Month: "2026-10", PayableFen: 30, DueFen: 90, Statements: 2},
		{Member: "mem_x", Month: "2026-10", DueFen: 30, Statements: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("summaries %+v, want %+v", got, want)
	}
	if got[1].NetFen() != 60 {
		t.Errorf("net %d", got[1].NetFen())
	}
}

// FuzzAddPayload: a delivery payload is read as encoding/json reads it —
// the builder decodes with goccy/go-json for speed — or refused when
// encoding/json refuses it, naming the entry.
func FuzzAddPayload(f *testing.F) {
	f.Add([]byte(`{"charge_fen":42,"demander":"mem_d","listing":"lst_1","matched":3,"queried":10,"supplier":"mem_s"}`))
	f.Add([]byte(`{"charge_fen":1e3,"demander":"mem_d","supplier":"mem_s"}`))
	f.Add([]byte(`{"charge_fen":-1,"demander":"mem_d","supplier":"mem_s"}`))
	f.Add([]byte(`{"demander":"\u006dem_d","supplier":"mem_s","charge_fen":9223372036854775807}`))
	f.Add([]byte(`{"demander":"mem_d","supplier":"mem_s","Charge_Fen":5,"charge_fen":"5"}`))
	f.Add([]byte(`{"demander":"mem_d","supplier":"mem_s","charge_fen":5}trailing`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var want settlement.Delivery
		stdErr := json.Unmarshal(payload, &want)
		b := settlement.NewBuilder("2026-11")
		err := b.AddPayload("2026-11", 7, "ord_1", payload)
		if stdErr != nil || want.Demander == "" || want.Supplier == "" || want.ChargeFen < 0 {
			if err == nil {
				t.Fatalf("accepted what encoding/json reads as %+v (%v)", want, stdErr)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused what encoding/json reads as %+v: %v", want, err)
		}
		sts := b.Statements()
		l := sts[0].Lines[0]
		if sts[0].Demander != want.Demander || sts[0].Supplier != want.Supplier || l.Listing != want.Listing || l.ChargeFen != want.ChargeFen ||
			l.Queried != want.Queried || l.Matched != want.Matched {
			t.Fatalf("read %+v %+v, encoding/json reads %+v", sts[0], l, want)
		}
	})
}
