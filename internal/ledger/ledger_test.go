package ledger_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/digest"
	"hulian/internal/ledger"
	"hulian/internal/settlement"
)

// world is a log written by random operations, with what each member's
// quota and each supplier's receivable must be.
type world struct {
	entries []*bizlog.Entry
	quota   map[string]int64
	owed    map[string]int64
}

func (w *world) add(at time.Time, member, kind, object string, p bizlog.P) {
	b, err := p.Encode()
	if err != nil {
		panic(err)
	}
	w.entries = append(w.entries, &bizlog.Entry{Seq: int64(len(w.entries)), At: at, Member: member, Kind: kind, Object: object, Payload: b})
}

// TestBookProperty (X-W3, X-S2): over random sequences of top-ups,
// temporary credits, deliveries, statements, disputes answered with
// corrections, and payouts, the book sums to zero, each member's prepaid
// account equals its quota and each supplier's receivable what it is owed,
// and every statement and correction equals its recomputation from the log.
func TestBookProperty(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := &world{quota: map[string]int64{}, owed: map[string]int64{}}
		dems, sups := []string{"mem_d1", "mem_d2", "mem_d3"}, []string{"mem_s1", "mem_s2"}
		at := time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC)
		month := settlement.MonthOf(at)
		bld := settlement.NewBuilder(month)
		for i := range 40 + rng.IntN(80) {
			at = at.Add(time.Duration(rng.IntN(3600)) * time.Second)
			switch d := dems[rng.IntN(len(dems))]; rng.IntN(5) {
			case 0:
				fen := 1 + rng.Int64N(100_000)
				w.quota[d] += fen
				w.add(at, d, ledger.KindToppedUp, d, bizlog.P{"amount_fen": fen})
			case 1:
				w.add(at, d, ledger.KindCreditSet, d, bizlog.P{"credit_fen": rng.Int64N(50_000)})
			default:
				s := sups[rng.IntN(len(sups))]
				charge := rng.Int64N(5_000)
				w.quota[d] -= charge
				w.owed[s] += charge
				order := fmt.Sprintf("ord_%s_%s_%d", d, s, rng.IntN(2))
				w.add(at, d, ledger.KindDelivered, order, bizlog.P{"demander": d, "supplier": s, "listing": "lst_1", "queried": 10, "matched": 5, "charge_fen": charge})
				if err := bld.Add(w.entries[len(w.entries)-1]); err != nil {
					t.Fatal(seed, i, err)
				}
			}
		}
		// The month closes: statements, then corrections on some, then
		// payouts of what each chain ends at.
		at = time.Date(2026, 11, 5, 1, 0, 0, 0, time.UTC)
		for _, st := range bld.Statements() {
			st.Seal(digest.SHA256)
			p, _ := st.Payload("sig", 0)
			w.add(at, st.Demander, settlement.KindIssued, st.ID, p)
			w.add(at, st.Supplier, settlement.KindIssued, st.ID, p)
			head := st
			for n := 1; rng.IntN(2) == 0 && n < 4; n++ {
				l := head.Lines[rng.IntN(len(head.Lines))]
				if l.ChargeFen == 0 {
					break
				}
				c, err := settlement.Correct(head, n, fmt.Sprintf("dsp_%d", n), []settlement.Adjustment{{Order: l.Order, AmountFen: -1 - rng.Int64N(max(1, l.ChargeFen/3)), Reason: "quality"}})
				if err != nil {
					break // the line's credits reached its charge
				}
				change := c.TotalFen - head.TotalFen
				w.quota[st.Demander] -= change
				w.owed[st.Supplier] += change
				p, _ := c.Payload("sig", change)
				w.add(at, st.Demander, settlement.KindCorrected, c.ID, p)
				w.add(at, st.Supplier, settlement.KindCorrected, c.ID, p)
				head = c
			}
			if head.TotalFen > 0 && rng.IntN(2) == 0 {
				w.owed[st.Supplier] -= head.TotalFen
				w.add(at, st.Supplier, ledger.KindPayoutPaid, head.ID, bizlog.P{"amount_fen": head.TotalFen})
			}
		}

		book := ledger.New()
		v := settlement.NewVerifier()
		for _, e := range w.entries {
			if _, err := book.Add(e); err != nil {
				t.Fatal(seed, err)
			}
			if err := v.Add(e); err != nil {
				t.Fatal(seed, err)
			}
		}
		if s := book.Sum(); s != 0 {
			t.Fatalf("seed %d: the book sums to %d", seed, s)
		}
		for _, d := range dems {
			if got := -book.Of(ledger.Account{Member: d, Kind: ledger.Prepaid}); got != w.quota[d] {
				t.Fatalf("seed %d: %s prepaid %d, quota %d", seed, d, got, w.quota[d])
			}
		}
		for _, s := range sups {
			if got := -book.Of(ledger.Account{Member: s, Kind: ledger.Receivable}); got != w.owed[s] {
				t.Fatalf("seed %d: %s receivable %d, owed %d", seed, s, got, w.owed[s])
			}
		}
		if _, err := v.Finish(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// TestCorrectionTampered: a correction whose credit was changed after
// signing, or that credits more than a line charged, or corrects a
// statement that is not its chain's latest, or whose second party's copy
// differs, does not verify.
func TestCorrectionTampered(t *testing.T) {
	at := time.Date(2026, 10, 3, 2, 0, 0, 0, time.UTC)
	b := settlement.NewBuilder("2026-10")
	p, _ := bizlog.P{"demander": "mem_d", "supplier": "mem_s", "listing": "lst", "queried": 5, "matched": 5, "charge_fen": 1000}.Encode()
	del := &bizlog.Entry{Seq: 0, At: at, Member: "mem_d", Kind: settlement.KindDelivered, Object: "ord_1", Payload: p}
	if err := b.Add(del); err != nil {
		t.Fatal(err)
	}
	st := b.Statements()[0]
	st.Seal(digest.SHA256)
	if _, err := settlement.Correct(st, 1, "dsp", []settlement.Adjustment{{Order: "ord_1", AmountFen: -1001, Reason: "x"}}); err == nil {
		t.Error("a credit above the line's charge was accepted")
	}
	if _, err := settlement.Correct(st, 1, "dsp", []settlement.Adjustment{{Order: "ord_9", AmountFen: -1, Reason: "x"}}); err == nil {
		t.Error("a credit on another order was accepted")
	}
	c1, err := settlement.Correct(st, 1, "dsp", []settlement.Adjustment{{Order: "ord_1", AmountFen: -100, Reason: "x"}})
	if err != nil || c1.TotalFen != 900 || c1.ID != st.ID+"_c1" || settlement.Root(c1.ID) != st.ID {
		t.Fatalf("correction %+v %v", c1, err)
	}
	c2, _ := settlement.Correct(c1, 2, "dsp2", []settlement.Adjustment{{Order: "ord_1", AmountFen: -50, Reason: "y"}})
	entry := func(seq int64, s *settlement.Statement, mutate func(bizlog.P)) *bizlog.Entry {
		kind := settlement.KindIssued
		if s.Corrects != "" {
			kind = settlement.KindCorrected
		}
		pl, _ := s.Payload("sig", 0)
		if mutate != nil {
			mutate(pl)
		}
		raw, _ := json.Marshal(pl)
		return &bizlog.Entry{Seq: seq, At: at, Member: "mem_d", Kind: kind, Object: s.ID, Payload: raw}
	}
	for name, tail := range map[string][]*bizlog.Entry{
		"credit changed": {entry(2, c1, func(p bizlog.P) { p["adjustments"] = `[{"order":"ord_1","amount_fen":-10,"reason":"x"}]` })},
		"total changed":  {entry(2, c1, func(p bizlog.P) { p["total_fen"] = int64(950) })},
		"skips c1":       {entry(2, c2, nil)},
		"copies differ":  {entry(2, c1, nil), entry(3, c1, func(p bizlog.P) { p["total_fen"] = int64(950) })},
	} {
		v := settlement.NewVerifier()
		for _, e := range append([]*bizlog.Entry{del, entry(1, st, nil)}, tail...) {
			if err := v.Add(e); err != nil {
				t.Fatal(name, err)
			}
		}
		if _, err := v.Finish(); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	v := settlement.NewVerifier()
	for _, e := range []*bizlog.Entry{del, entry(1, st, nil), entry(2, c1, nil), entry(3, c2, nil)} {
		if err := v.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := v.Finish(); err != nil || n != 3 {
		t.Errorf("the true chain: %d %v", n, err)
	}
}

// FuzzBook: whatever a log entry holds, booking it never panics, and what
// is booked balances.
func FuzzBook(f *testing.F) {
	f.Add(ledger.KindDelivered, "mem_d", []byte(`{"demander":"mem_d","supplier":"mem_s","charge_fen":5}`))
	f.Add(ledger.KindCorrected, "mem_d", []byte(`{"demander":"mem_d","supplier":"mem_s","change_fen":-5}`))
	f.Add(ledger.KindToppedUp, "mem_d", []byte(`{"amount_fen":-1}`))
	f.Add(ledger.KindCreditSet, "mem_d", []byte(`{"credit_fen":"x"}`))
	f.Fuzz(func(t *testing.T, kind, member string, payload []byte) {
		b := ledger.New()
		if _, err := b.Add(&bizlog.Entry{Kind: kind, Member: member, Payload: payload}); err == nil && b.Sum() != 0 {
			t.Fatalf("booked %q %s and the book sums to %d", kind, payload, b.Sum())
		}
	})
}
