// Package marketstats publishes what the market traded (X-D1): for each
// month whose statements are issued and each tag category, the charged
// deliveries, the records matched, their value and the average traded
// price per matched record, beside the listed-price quotes. The figures
// come from the statements — each chain's latest, so corrections count —
// and so from the business log.
//
// They are public, so a category-month is published only when at least
// MinPairs pairs of members traded in it: with fewer, the figures would
// be one pair's business. This is the threshold rule of statistical
// disclosure control; the withheld cells are shown as such.
package marketstats

import (
	"cmp"
	"context"
	"slices"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// DefaultMinPairs is the least number of trading pairs a published figure
// may rest on.
const DefaultMinPairs = 3

// Stats computes the traded figures.
type Stats struct {
	P        *platform.Platform
	MinPairs int
}

// New returns the market statistics of p.
func New(p *platform.Platform) *Stats { return &Stats{P: p, MinPairs: DefaultMinPairs} }

// Figure is one category's trading in one month.
type Figure struct {
	Month      string
	Category   catalog.Category
	Pairs      int
	Withheld   bool // fewer than MinPairs pairs: every figure is zero
	Deliveries int64
	Matched    int64
	ValueFen   int64
	PriceFen   int64 // value per matched record, rounded half up; 0 if none
}

// Month is one month's figures, by category in the taxonomy's order.
type Month struct {
	Month   string
	Figures []Figure
}

// Monthly returns the figures of the last n months (newest first) that
// have issued statements. Anyone may read them.
func (s *Stats) Monthly(ctx context.Context, n int) ([]Month, error) {
	today := calendar.DateOf(s.P.DB.Now())
	first := calendar.NewDate(today.Year, today.Month-time.Month(n), 1)
	since := first.String()[:7]
	ctx = auth.WithActor(ctx, auth.System) // aggregates only leave here
	var sts []*store.IssuedStatement
	var cats map[string][]string
	err := s.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if sts, err = tx.Statements(ctx, store.StatementFilter{Since: since, Heads: true}); err != nil {
			return err
		}
		cats, err = tx.ListingCategories(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	type cell struct {
		pairs map[[2]string]bool
		f     Figure
	}
	cells := map[[2]string]*cell{} // month, category
	var months []string
	for _, st := range sts {
		// A correction's credits lower the value of the line they credit
		// (of a statement of several months, its order's first line).
		credit := map[string]int64{}
		for _, a := range st.Adjustments {
			credit[a.Order] += a.AmountFen
		}
		for _, l := range st.Lines {
			month := cmp.Or(l.Month, st.Month) // a line of a period of several months names its own
			if !slices.Contains(months, month) {
				months = append(months, month)
			}
			lineCredit := credit[l.Order]
			delete(credit, l.Order)
			for _, cat := range cats[l.Listing] {
				k := [2]string{month, cat}
				c := cells[k]
				if c == nil {
					c = &cell{pairs: map[[2]string]bool{}}
					cells[k] = c
				}
				c.pairs[[2]string{st.Demander, st.Supplier}] = true
				c.f.Deliveries += l.Deliveries
				c.f.Matched += l.Matched
				c.f.ValueFen += l.ChargeFen + lineCredit
			}
		}
	}
	slices.Sort(months)
	slices.Reverse(months)
	tax := s.P.Taxonomy()
	var out []Month
	for _, m := range months {
		mo := Month{Month: m}
		for _, first := range tax.Categories {
			for _, leaf := range first.Children {
				c := cells[[2]string{m, leaf.Code}]
				if c == nil {
					continue
				}
				f := c.f
				f.Month, f.Category, f.Pairs = m, leaf, len(c.pairs)
				if f.Pairs < s.MinPairs {
					f = Figure{Month: m, Category: leaf, Withheld: true}
				} else if f.Matched > 0 {
					f.PriceFen = (f.ValueFen*2 + f.Matched) / (2 * f.Matched)
				}
				mo.Figures = append(mo.Figures, f)
			}
		}
		out = append(out, mo)
	}
	return out, nil
}
