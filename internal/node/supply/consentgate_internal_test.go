package supply

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"hulian/internal/compliance/gate"
	"hulian/internal/node/colstore"
	"hulian/internal/protocol/exid"
)

// columnsOf is the columns of rows of values, in the order given (their
// exIDs ascend), each dictionary in the order its values first appear.
func columnsOf(rows [][]string) []colstore.Column {
	b := colstore.NewBuilder(len(rows[0]))
	for i, r := range rows {
		var out [16]byte
		binary.BigEndian.PutUint64(out[:8], uint64(i))
		b.Add(exid.FromOutput(1, out[:]), r, i+1)
	}
	d, err := b.Build()
	if err != nil {
		panic(err)
	}
	return d.Cols
}

// TestConsentGateCounts: the gate over consented rows counts a cell's
// values as the gate does — one value, the parts of a multi-value cell,
// membership of a hit tag — and names the first value below K.
func TestConsentGateCounts(t *testing.T) {
	t.Parallel()
	d := &datasetData{name: "t", columns: []string{"level", "hobbies", "vip"}, tagKeys: []string{"level", "hobbies", "vip"}, Data: &colstore.Data{}}
	dicts := [][]string{{"high", "low"}, {"golf|tea", "tea", "chess; tea"}, {"是", "否"}}
	rows := [][3]uint32{{0, 0, 0}, {0, 1, 0}, {1, 2, 1}, {1, 1, 1}}
	vals := make([][]string, len(rows))
	for r := range rows {
		for c := range dicts {
			vals[r] = append(vals[r], dicts[c][rows[r][c]])
		}
	}
	d.Cols = columnsOf(vals)
	rep := gate.SignedReport{K: 2, Counts: []gate.ValueCount{{Key: "level", Value: "high"}, {Key: "level", Value: "low"},
		{Key: "hobbies", Value: "golf"}, {Key: "hobbies", Value: "tea"}, {Key: "hobbies", Value: "chess"}, {Key: "vip", Value: gate.HitValue}}}
	d.report, _ = json.Marshal(rep)
	g, err := newConsentGate(d)
	if err != nil {
		t.Fatal(err)
	}
	counts := g.newCounts()
	for r := range rows {
		g.add(counts, d, r, 1)
	}
	// high 2, low 2; golf 1, tea 4, chess 1; vip 2.
	if got := g.failing(counts); got != "hobbies=golf: 1" {
		t.Errorf("failing: %q", got)
	}
	if counts[2][0] != 2 || counts[1][1] != 4 {
		t.Errorf("counts: %v", counts)
	}
	g.add(counts, d, 0, -1) // high falls to 1; golf to none, no longer a finding
	if got := g.failing(counts); got != "level=high: 1" || counts[1][0] != 0 {
		t.Errorf("after removing row 0: %q", got)
	}
}
