package settlement

import (
	"fmt"

	"hulian/internal/bizlog"
)

// Verifier recomputes, from a log read in order, every statement the log
// records, and reports the first that does not match its recomputation.
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
	case KindIssued:
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
	checked := 0
	for _, is := range v.issued {
		if v.before(is.st) {
			v.Skipped++
			continue
		}
		w := want[is.st.ID]
		if w == nil {
			w = &Statement{ID: is.st.ID, Month: is.st.Month, Demander: is.st.Demander, Supplier: is.st.Supplier, LinesSHA256: LinesHash(nil)}
		}
		if err := Same(w, is.st); err != nil {
			return checked, fmt.Errorf("log entry %d: %w", is.seq, err)
		}
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
