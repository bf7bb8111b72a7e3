package settlement

import (
	"fmt"

	"hulian/internal/bizlog"
)

// Verifier recomputes, from a log read in order, every statement the log
// records, and reports the first that does not match its recomputation.
// A correction is checked against the statement it corrects, which must
// be the latest of its chain when the correction was logged.
type Verifier struct {
	// From is the first entry read: a statement with deliveries before it
	// cannot be recomputed and is skipped, not failed.
	From    int64
	Skipped int
	months  *Builder
	issued  []issued
	cycles  []agreed
}

type issued struct {
	seq int64
	st  *Statement
}

type agreed struct {
	seq   int64
	pair  [2]string
	cycle Cycle
}

// NewVerifier starts an empty verification.
func NewVerifier() *Verifier { return &Verifier{months: NewRangeBuilder("", "")} }

// Add reads one entry.
func (v *Verifier) Add(e *bizlog.Entry) error {
	switch e.Kind {
	case KindDelivered:
		return v.months.Add(e)
	case KindCycleAgreed:
		pair, c, err := CycleFromEntry(e)
		if err != nil {
			return err
		}
		v.cycles = append(v.cycles, agreed{e.Seq, pair, c})
	case KindIssued, KindCorrected:
		st, err := FromEntry(e)
		if err != nil {
			return err
		}
		v.issued = append(v.issued, issued{e.Seq, st})
	}
	return nil
}

// Finish compares each recorded statement with its recomputation, in log
// order, and returns how many matched or the first mismatch.
func (v *Verifier) Finish() (int, error) {
	monthly := map[[3]string]*Statement{} // month, demander, supplier
	for _, st := range v.months.Statements() {
		monthly[[3]string{st.Month, st.Demander, st.Supplier}] = st
	}
	heads := map[string]*Statement{} // chain root → latest statement checked
	skipped := map[string]bool{}     // chains whose original was skipped
	checked := 0
	for _, is := range v.issued {
		root := Root(is.st.ID)
		if skipped[root] {
			v.Skipped++
			continue
		}
		head := heads[root]
		if is.st.Corrects == "" {
			// An original: it must be what the log's deliveries make.
			if v.before(is.st) {
				v.Skipped++
				skipped[root] = true
				continue
			}
			if err := v.period(is); err != nil {
				return checked, fmt.Errorf("log entry %d: %w", is.seq, err)
			}
			if err := Same(v.recompute(monthly, is.st), is.st); err != nil {
				return checked, fmt.Errorf("log entry %d: %w", is.seq, err)
			}
		}
		switch {
		case head != nil && head.ID == is.st.ID:
			// The second party's copy: the same statement again.
			if head.TotalFen != is.st.TotalFen || head.Alg() != is.st.Alg() || head.LinesDigest != is.st.LinesDigest || head.AdjustmentsDigest != is.st.AdjustmentsDigest {
				return checked, fmt.Errorf("log entry %d: statement %s differs from its other copy", is.seq, is.st.ID)
			}
			continue
		case is.st.Corrects == "" && head != nil:
			return checked, fmt.Errorf("log entry %d: statement %s is issued again after %s", is.seq, is.st.ID, head.ID)
		case is.st.Corrects != "" && head == nil:
			return checked, fmt.Errorf("log entry %d: statement %s corrects %s, which the log does not hold before it", is.seq, is.st.ID, is.st.Corrects)
		case is.st.Corrects != "":
			if err := SameCorrection(head, is.st); err != nil {
				return checked, fmt.Errorf("log entry %d: %w", is.seq, err)
			}
		}
		heads[root] = is.st
		checked++
	}
	return checked, nil
}

// period checks that st covers the period the pair's agreed cycles give
// its month, as the log held them when st was issued. A verification that
// does not start at the log's beginning may miss agreements: it trusts the
// period st states.
func (v *Verifier) period(is issued) error {
	if v.From > 1 {
		return nil
	}
	var sch Schedule
	key := PairKey(is.st.Demander, is.st.Supplier)
	for _, a := range v.cycles {
		if a.seq < is.seq && a.pair == key {
			var err error
			if sch, err = sch.With(a.cycle); err != nil {
				return fmt.Errorf("statement %s: the cycle agreed at entry %d: %w", is.st.ID, a.seq, err)
			}
		}
	}
	from, to := sch.Period(is.st.Month)
	stated := is.st.From
	if stated == "" {
		stated = is.st.Month
	}
	if to != is.st.Month || from != stated {
		return fmt.Errorf("statement %s: covers %s to %s, but the pair's cycle makes the period %s to %s", is.st.ID, stated, is.st.Month, from, to)
	}
	return nil
}

// recompute is what the log's deliveries make of st's pair and period.
func (v *Verifier) recompute(monthly map[[3]string]*Statement, st *Statement) *Statement {
	if st.From == "" {
		if w := monthly[[3]string{st.Month, st.Demander, st.Supplier}]; w != nil {
			return w
		}
		return &Statement{ID: st.ID, Month: st.Month, Demander: st.Demander, Supplier: st.Supplier}
	}
	if monthIndex(st.From) < 0 || st.From > st.Month {
		return &Statement{ID: st.ID, Month: st.Month} // not a period: Same names the difference
	}
	var in []*Statement
	for m := st.From; m <= st.Month; m = AddMonths(m, 1) {
		if w := monthly[[3]string{m, st.Demander, st.Supplier}]; w != nil {
			in = append(in, w)
		}
	}
	return combine(st.From, st.Month, st.Demander, st.Supplier, in)
}

// before reports whether st counts deliveries the verifier did not read.
func (v *Verifier) before(st *Statement) bool {
	for _, l := range st.Lines {
		if l.FirstSeq < v.From {
			return true
		}
	}
	return false
}
