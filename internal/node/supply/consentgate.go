package supply

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"hulian/internal/compliance/gate"
	"hulian/internal/errs"
)

// The k ≥ 1000 gate (X-E8) passed on the version's rows; an order of a
// node that runs its consent ledger answers only from the rows consent
// allows, and those can be fewer. So for each purpose the node keeps, per
// tag value, how many allowed subjects carry it, adjusted with every row
// the ledger's changes flip, and an order whose purpose leaves some value
// with fewer than K subjects (but more than none) is refused until enough
// people consent or a new version is imported: fewer than K people behind
// a value could be singled out by it.

// consentGate maps each column's dictionary codes to the tag values the
// version's gate report counted.
type consentGate struct {
	k     int
	keys  []string
	names [][]string  // per column: the values counted
	comps [][][]int32 // per column, per dictionary code: the values the code carries
}

// newConsentGate reads the version's report: its K and, per tag key, the
// values it counted. A cell is one value, or a multi-value cell cut at '|'
// and ';', or, for a hit tag (whose only counted value is "1"), a
// membership flag; a part the report did not count is counted under its
// own name, so that it is checked too.
func newConsentGate(d *datasetData) (*consentGate, error) {
	var rep gate.SignedReport
	if err := json.Unmarshal(d.report, &rep); err != nil {
		return nil, fmt.Errorf("dataset %s: its gate report: %w", d.name, err)
	}
	g := &consentGate{k: rep.K, keys: d.tagKeys}
	if g.k <= 0 {
		g.k = gate.DefaultK
	}
	if g.keys == nil {
		g.keys = d.columns
	}
	g.names, g.comps = make([][]string, len(d.Cols)), make([][][]int32, len(d.Cols))
	for c := range d.Cols {
		key := g.keys[c]
		for _, vc := range rep.Counts {
			if vc.Key == key {
				g.names[c] = append(g.names[c], vc.Value)
			}
		}
		hit := slices.Equal(g.names[c], []string{gate.HitValue})
		index := func(v string) int32 {
			i := slices.Index(g.names[c], v)
			if i < 0 {
				g.names[c] = append(g.names[c], v)
				i = len(g.names[c]) - 1
			}
			return int32(i)
		}
		g.comps[c] = make([][]int32, len(d.Cols[c].Dict))
		for code, enc := range d.Cols[c].Dict {
			n, w := binary.Uvarint(enc)
			text := string(enc[w : w+int(n)])
			var parts []int32
			switch {
			case hit:
				if gate.IsHit(text) {
					parts = []int32{0}
				}
			case slices.Contains(g.names[c], strings.TrimSpace(text)):
				parts = []int32{index(strings.TrimSpace(text))}
			default:
				for _, p := range gate.SplitMulti(nil, text) {
					parts = append(parts, index(p))
				}
			}
			g.comps[c][code] = parts
		}
	}
	return g, nil
}

// gateCounts are one purpose's counts: per column, per value, the allowed
// subjects.
type gateCounts [][]int64

func (g *consentGate) newCounts() gateCounts {
	out := make(gateCounts, len(g.names))
	for c := range out {
		out[c] = make([]int64, len(g.names[c]))
	}
	return out
}

// add counts row in (delta 1) or out (delta -1).
func (g *consentGate) add(counts gateCounts, d *datasetData, row int, delta int64) {
	for c := range d.Cols {
		for _, v := range g.comps[c][d.Cols[c].Code(row)] {
			if int(v) < len(counts[c]) {
				counts[c][v] += delta
			}
		}
	}
}

func (counts gateCounts) clone() gateCounts {
	out := make(gateCounts, len(counts))
	for c := range counts {
		out[c] = slices.Clone(counts[c])
	}
	return out
}

// failing describes the first value fewer than K allowed subjects (but
// some) carry; "" if none does.
func (g *consentGate) failing(counts gateCounts) string {
	for c := range counts {
		for v, n := range counts[c] {
			if n > 0 && n < int64(g.k) {
				return fmt.Sprintf("%s=%s: %d", g.keys[c], g.names[c][v], n)
			}
		}
	}
	return ""
}

func (d *datasetData) consentGate() (*consentGate, error) {
	var err error
	d.gateOnce.Do(func() { d.gate, err = newConsentGate(d) })
	if err == nil && d.gate == nil {
		err = fmt.Errorf("dataset %s: its gate report could not be read", d.name)
	}
	return d.gate, err
}

func errBelowK(k int, failing string) error {
	return errs.New(errs.FailedPrecondition, "dataset",
		fmt.Sprintf("同意变更后，可为本订单目的提供的数据中有标签值少于 %d 人（%s）：暂停应答，直至更多人同意或导入新版本（X-E8）", k, failing),
		fmt.Sprintf("after consent changes, a tag value of the data this order's purpose may provide points to fewer than %d people (%s): no answers until more consent or a new version is imported (X-E8)", k, failing))
}
