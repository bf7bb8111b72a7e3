package supply

import (
	"fmt"

	"hulian/internal/errs"
)

// Exclusions (a person's deletion or withdrawal, `hulian node dataset
// exclude`) take rows out of every answer. The version passed the k ≥ K
// gate (X-E8) with them in, so the rows left are checked again: per tag
// value, the subjects an answer may still draw on — every row, or the
// rows the consent ledger allows for the order's purpose — less the
// excluded ones. A value some but fewer than K of them carry stops the
// answers until a new version is imported (or, under the ledger, more
// people consent). The check is made once per change of the exclusions or
// of the ledger's view, and costs the excluded rows, not the dataset.

// exclGate is the check as of one exclusions set and one consent view.
type exclGate struct {
	excl    *bitset
	snap    *consentSnap // nil without the ledger
	failing string
}

// exclusionGate returns an error when, with the exclusions taken out, a
// tag value of the rows an answer may draw on points to fewer than K
// people. snap is the consent view of purpose, nil without the ledger.
func (d *datasetData) exclusionGate(purpose string, snap *consentSnap) error {
	ex := d.excluded.Load()
	if ex == nil || len(ex.rows) == 0 {
		return nil
	}
	g, err := d.consentGate()
	if err != nil {
		return err
	}
	d.exclGateMu.Lock()
	defer d.exclGateMu.Unlock()
	eg := d.exclGates[purpose]
	if eg == nil || eg.excl != ex || eg.snap != snap {
		var base gateCounts
		if snap != nil {
			base = snap.counts.clone()
		} else {
			base = d.fullCounts(g).clone()
		}
		for _, row := range ex.rows {
			if snap == nil || snap.bits.has(row) {
				g.add(base, d, int(row), -1)
			}
		}
		eg = &exclGate{excl: ex, snap: snap, failing: g.failing(base)}
		if d.exclGates == nil {
			d.exclGates = map[string]*exclGate{}
		}
		d.exclGates[purpose] = eg
	}
	if eg.failing != "" {
		return errExcludedBelowK(g.k, eg.failing)
	}
	return nil
}

// fullCounts are every row's counts per tag value, counted once per
// version (the gate report counts the same, but by value text; these
// are by the gate's own value indexes).
func (d *datasetData) fullCounts(g *consentGate) gateCounts {
	d.fullOnce.Do(func() {
		d.full = g.newCounts()
		for i := range d.IDs {
			g.add(d.full, d, i, 1)
		}
	})
	return d.full
}

func errExcludedBelowK(k int, failing string) error {
	return errs.New(errs.FailedPrecondition, "dataset",
		fmt.Sprintf("排除部分主体后，可提供的数据中有标签值少于 %d 人（%s）：暂停应答，直至导入新版本（X-E8）", k, failing),
		fmt.Sprintf("with some subjects excluded, a tag value of the data that may be provided points to fewer than %d people (%s): no answers until a new version is imported (X-E8)", k, failing))
}
