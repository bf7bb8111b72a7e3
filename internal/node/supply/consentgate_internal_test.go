package supply

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"hulian/internal/compliance/gate"
)

func dictOf(vals ...string) [][]byte {
	var out [][]byte
	for _, v := range vals {
		out = append(out, append(binary.AppendUvarint(nil, uint64(len(v))), v...))
	}
	return out
}

// TestConsentGateCounts: the gate over consented rows counts a cell's
// values as the gate does — one value, the parts of a multi-value cell,
// membership of a hit tag — and names the first value below K.
func TestConsentGateCounts(t *testing.T) {
	t.Parallel()
	d := &datasetData{name: "t", columns: []string{"level", "hobbies", "vip"}, tagKeys: []string{"level", "hobbies", "vip"}}
	d.cols = []dictColumn{{dict: dictOf("high", "low")}, {dict: dictOf("golf|tea", "tea", "chess; tea")}, {dict: dictOf("是", "否")}}
	rows := [][3]uint32{{0, 0, 0}, {0, 1, 0}, {1, 2, 1}, {1, 1, 1}}
	for c := range d.cols {
		codes := make([]uint32, len(rows))
		for r := range rows {
			codes[r] = rows[r][c]
		}
		d.cols[c].pack(codes)
	}
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
