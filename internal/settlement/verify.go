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
	months  map[string]*Builder
	issued  []issued
}

type issued struct {
	seq int64
	st  *Statement
}

// NewVerifier starts an empty verification.
func NewVerifier() *Verifier { return &Verifier{months: map[string]*Builder{}} }

// Add reads one entry.
func (v *Verifier) Add(e *bizlog.Entry) error {
	switch e.Kind {
	case KindDelivered:
		m := MonthOf(e.At)
		b := v.months[m]
		if b == nil {
			b = NewBuilder(m)
			v.months[m] = b
		}
		return b.Add(e)
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
	want := map[string]*Statement{}
	for _, b := range v.months {
		for _, st := range b.Statements() {
			want[st.ID] = st
		}
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
			w := want[is.st.ID]
			if w == nil {
				w = &Statement{ID: is.st.ID, Month: is.st.Month, Demander: is.st.Demander, Supplier: is.st.Supplier, LinesSHA256: LinesHash(nil)}
			}
			if err := Same(w, is.st); err != nil {
				return checked, fmt.Errorf("log entry %d: %w", is.seq, err)
			}
		}
		switch {
		case head != nil && head.ID == is.st.ID:
			// The second party's copy: the same statement again.
			if head.TotalFen != is.st.TotalFen || head.LinesSHA256 != is.st.LinesSHA256 || head.AdjustmentsSHA256 != is.st.AdjustmentsSHA256 {
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

// before reports whether st counts deliveries the verifier did not read.
func (v *Verifier) before(st *Statement) bool {
	for _, l := range st.Lines {
		if l.FirstSeq < v.From {
			return true
		}
	}
	return false
}
