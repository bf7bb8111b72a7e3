package supply_test

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

// testListing is a listing as the platform returns it, cut to what an
// import reads: one single-valued tag over the CSV column "level".
func testListing(k int, subject string) string {
	return fmt.Sprintf(`{"id":"lst_test","version":3,"subject":%q,"k":%d,"tags":[{"key":"consumption_level","column":"level","value_type":"single","values":["high","low"]}]}`, subject, k)
}

// testID makes the exID of subject i.
func testID(i int) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[8:], uint64(i)+1)
	return exid.FromOutput(1, out[:])
}

// csvOf builds a dataset of n subjects, alternately "high" and "low", with
// a column the listing does not name (it must not be stored).
func csvOf(n int, id func(int) string) string {
	var b strings.Builder
	b.WriteString("exid,level,note\n")
	for i := range n {
		lvl := "high"
		if i%2 == 1 {
			lvl = "low"
		}
		fmt.Fprintf(&b, "%s,%s,unlisted\n", id(i), lvl)
	}
	return b.String()
}

func exidText(i int) string { return testID(i).String() }

// open opens a node with cfg, closed when the test ends, and returns its
// supplier's side.
func open(t *testing.T, cfg node.Config) *supply.Side {
	t.Helper()
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return supply.New(n)
}

// eachNode runs fn on a fresh node of every engine, declared in Shanghai.
func eachNode(t *testing.T, fn func(t *testing.T, dsn, kek string, n *supply.Side)) {
	t.Helper()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			dsn := storagetest.DSN(t, eng)
			kek := keyring.NewKEKText()
			n := open(t, node.Config{DB: dsn, KEKEnv: kek, Region: "cn-sh"})
			fn(t, dsn, kek, n)
		})
	}
}

func importCSV(ctx context.Context, n *supply.Side, name, listing, data string, batch int) (*supply.DatasetImported, error) {
	return n.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: name, Listing: strings.NewReader(listing), In: strings.NewReader(data), IDColumn: "exid", Batch: batch})
}

// TestImportDataset covers X-A1: the supplier's rows stay in the node's own
// store, keyed by exID, versioned, with only the listing's tag columns.
func TestImportDataset(t *testing.T) {
	t.Parallel()
	eachNode(t, func(t *testing.T, _, _ string, n *supply.Side) {
		ctx := context.Background()
		res, err := importCSV(ctx, n, "spend", testListing(3, "person"), csvOf(10, exidText), 4)
		if err != nil {
			t.Fatal(err)
		}
		if res.Version != 1 || res.Rows != 10 || !res.Pass {
			t.Fatalf("first import: version %d rows %d pass %v, want 1, 10, true", res.Version, res.Rows, res.Pass)
		}
		got, err := n.DatasetValues(ctx, "spend", []exid.ExID{testID(0), testID(1), testID(99)})
		if err != nil {
			t.Fatal(err)
		}
		want := map[exid.ExID][]string{testID(0): {"high"}, testID(1): {"low"}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("values (-want +got):\n%s", d)
		}

		// A second import is version 2 and current; version 1 is kept.
		res, err = importCSV(ctx, n, "spend", testListing(3, "person"), csvOf(6, func(i int) string { return exidText(i + 100) }), 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Version != 2 {
			t.Fatalf("re-import: version %d, want 2", res.Version)
		}
		got, err = n.DatasetValues(ctx, "spend", []exid.ExID{testID(0), testID(100)})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(map[exid.ExID][]string{testID(100): {"high"}}, got); d != "" {
			t.Errorf("values of version 2 (-want +got):\n%s", d)
		}
		var versions []int
		err = n.DB.Read(ctx, func(tx *nodestore.Tx) error {
			vs, err := tx.DatasetVersions(ctx, "spend")
			for _, v := range vs {
				versions = append(versions, v.Version)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]int{1, 2}, versions); d != "" {
			t.Errorf("versions kept (-want +got):\n%s", d)
		}
		d, err := n.Dataset(ctx, "spend")
		if err != nil {
			t.Fatal(err)
		}
		if d.Version != 2 || d.Rows != 6 || !cmp.Equal(d.Columns, []string{"level"}) {
			t.Errorf("current dataset: %+v", d)
		}
		es, err := n.Events(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if es[0].Kind != nodestore.EventDatasetImported || !strings.Contains(es[0].Detail, "version=2") {
			t.Errorf("latest event %+v, want the import of version 2", es[0])
		}
	})
}

// TestImportBadRowLeavesNothing: a bad row fails the whole version, named
// by its file line (the header is line 1) and column, even when earlier
// batches were written.
func TestImportBadRowLeavesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		row     int
		wantErr string
	}{
		{"malformed exID", csvOf(9, exidText) + "ex1notanexid,high,x\n", 11, "exID"},
		{"repeat across batches", csvOf(9, exidText) + exidText(0) + ",low,x\n", 11, "one row per subject"},
		{"repeat within a batch", csvOf(1, exidText) + exidText(0) + ",low,x\n", 3, "one row per subject"},
		{"short row", csvOf(5, exidText) + exidText(50) + "\n", 7, "columns"},
	}
	eachNode(t, func(t *testing.T, _, _ string, n *supply.Side) {
		ctx := context.Background()
		for _, tt := range tests {
			_, err := importCSV(ctx, n, "bad", testListing(3, "person"), tt.data, 4)
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Row != tt.row || !strings.Contains(e.Reason.EN, tt.wantErr) {
				t.Errorf("%s: got %v (row %d), want Invalid at row %d about %q", tt.name, err, rowOf(err), tt.row, tt.wantErr)
			}
			if tt.name != "short row" && e != nil && e.Field != "exid" {
				t.Errorf("%s: field %q, want the ID column", tt.name, e.Field)
			}
		}
		if _, err := n.Dataset(ctx, "bad"); !errs.Is(err, errs.NotFound) {
			t.Errorf("after failed imports: %v, want NotFound", err)
		}
		var versions int
		err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
			vs, err := tx.DatasetVersions(ctx, "bad")
			versions = len(vs)
			return err
		})
		if err != nil || versions != 0 {
			t.Errorf("versions after failed imports: %d (%v), want none", versions, err)
		}
	})
}

func rowOf(err error) int {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Row
	}
	return -1
}

// TestExclusion covers X-P1/O-4's hook: an exclusion hides a subject from
// DatasetValues at once, for one dataset or for all of them.
func TestExclusion(t *testing.T) {
	t.Parallel()
	eachNode(t, func(t *testing.T, _, _ string, n *supply.Side) {
		ctx := context.Background()
		for _, name := range []string{"a", "b"} {
			if _, err := importCSV(ctx, n, name, testListing(2, "person"), csvOf(6, exidText), 0); err != nil {
				t.Fatal(err)
			}
		}
		ids := []exid.ExID{testID(0), testID(1), testID(2)}
		if added, err := n.Exclude(ctx, "a", []exid.ExID{testID(0)}, "test"); err != nil || added != 1 {
			t.Fatalf("exclude from a: %d, %v", added, err)
		}
		if added, err := n.Exclude(ctx, "", []exid.ExID{testID(1), testID(1)}, "consent withdrawn"); err != nil || added != 1 {
			t.Fatalf("exclude everywhere: %d, %v", added, err)
		}
		tests := []struct {
			dataset string
			want    []exid.ExID
		}{
			{"a", []exid.ExID{testID(2)}},
			{"b", []exid.ExID{testID(0), testID(2)}},
		}
		for _, tt := range tests {
			got, err := n.DatasetValues(ctx, tt.dataset, ids)
			if err != nil {
				t.Fatal(err)
			}
			var keys []exid.ExID
			for _, id := range ids {
				if _, ok := got[id]; ok {
					keys = append(keys, id)
				}
			}
			if d := cmp.Diff(tt.want, keys); d != "" {
				t.Errorf("dataset %s answers (-want +got):\n%s", tt.dataset, d)
			}
		}
		// A later version does not bring an excluded subject back.
		if _, err := importCSV(ctx, n, "a", testListing(2, "person"), csvOf(6, exidText), 0); err != nil {
			t.Fatal(err)
		}
		got, err := n.DatasetValues(ctx, "a", ids)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got[testID(0)]; ok || len(got) != 1 {
			t.Errorf("version 2 answers %v, want only subject 2", got)
		}
		es, err := n.Events(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(es, func(e nodestore.Event) bool { return e.Kind == nodestore.EventDatasetExcluded })
		if i < 0 || strings.Contains(es[i].Detail, testID(1).String()) {
			t.Errorf("events %+v: want the exclusion recorded, without the exID", es)
		}
	})
}

// TestRegion covers O-6: a node storing outside mainland China refuses
// personal information, at import and when answering, and the refusal
// names --region.
func TestRegion(t *testing.T) {
	t.Parallel()
	eachNode(t, func(t *testing.T, dsn, kek string, n *supply.Side) {
		ctx := context.Background()
		if _, err := importCSV(ctx, n, "p", testListing(2, "person"), csvOf(4, exidText), 0); err != nil {
			t.Fatal(err)
		}
		n.Close()
		tests := []struct {
			region, subject string
			ok              bool
		}{
			{"CN-HK", "person", false},
			{"SG", "person", false},
			{"CN-MO", "", false}, // no declared subject: treated as personal information
			{"SG", "thing", true},
			{"CN-BJ", "person", true},
		}
		for _, tt := range tests {
			m, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: kek, Region: tt.region})
			if err != nil {
				t.Fatal(err)
			}
			_, err = importCSV(ctx, supply.New(m), "q"+strings.ToLower(strings.ReplaceAll(tt.region, "-", "")), testListing(2, tt.subject), csvOf(4, exidText), 0)
			if tt.ok != (err == nil) {
				t.Errorf("%s %s: import err %v, want ok=%v", tt.region, tt.subject, err, tt.ok)
			}
			if !tt.ok && (!errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, i18n.EN), "--region")) {
				t.Errorf("%s: refusal %v does not name --region", tt.region, err)
			}
			_, err = supply.New(m).DatasetValues(ctx, "p", []exid.ExID{testID(0)})
			if tt.region != "CN-BJ" && !errs.Is(err, errs.FailedPrecondition) {
				t.Errorf("%s: serving personal information: %v, want FailedPrecondition", tt.region, err)
			}
			m.Close()
		}
	})
}

// TestRegionUndeclared: without a declared region nothing is imported.
func TestRegionUndeclared(t *testing.T) {
	t.Parallel()
	n := open(t, node.Config{DB: storagetest.DSN(t, "sqlite"), KEKEnv: keyring.NewKEKText()})
	_, err := importCSV(context.Background(), n, "p", testListing(2, "person"), csvOf(4, exidText), 0)
	if !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, i18n.EN), "--region") {
		t.Fatalf("got %v, want a refusal naming --region", err)
	}
	if _, err := node.Open(context.Background(), node.Config{DB: storagetest.DSN(t, "sqlite"), KEKEnv: keyring.NewKEKText(), Region: "Shanghai"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("malformed region: %v, want Invalid", err)
	}
}

// TestGateReport: the stored report is signed by the node's Ed25519 key
// and the platform's check accepts it when every value reaches k, and
// rejects it naming a value under k.
func TestGateReport(t *testing.T) {
	t.Parallel()
	eachNode(t, func(t *testing.T, _, _ string, n *supply.Side) {
		ctx := context.Background()
		l := &catalog.Listing{ID: "lst_test", Version: 3, Tags: []catalog.Tag{{Key: "consumption_level", ValueType: catalog.ValueSingle, Values: []string{"high", "low"}}}}
		tests := []struct {
			name    string
			n       int
			wantErr string
		}{
			{"pass", 2 * gate.MinK, ""},
			{"under k", 2*gate.MinK - 1, `value "low" points to only 999 individuals`},
		}
		for _, tt := range tests {
			res, err := importCSV(ctx, n, "g"+strings.ReplaceAll(tt.name, " ", ""), testListing(gate.MinK, "person"), csvOf(tt.n, exidText), 0)
			if err != nil {
				t.Fatal(err)
			}
			d, err := n.Dataset(ctx, res.Name)
			if err != nil {
				t.Fatal(err)
			}
			if !ed25519.Verify(n.Public().Signing, d.Report.SignedBytes(), d.Report.Signature) {
				t.Errorf("%s: the stored report does not verify against the node's key", tt.name)
			}
			err = d.Report.Check(l, n.Public().Signing, gate.MinK)
			if tt.wantErr == "" {
				if err != nil || !d.GatePass {
					t.Errorf("%s: check %v, pass %v", tt.name, err, d.GatePass)
				}
				continue
			}
			if err == nil || !strings.Contains(errs.Message(err, i18n.EN), tt.wantErr) || d.GatePass {
				t.Errorf("%s: check %v (pass %v), want %q", tt.name, err, d.GatePass, tt.wantErr)
			}
			// A version that failed the gate never answers.
			if _, err := n.DatasetValues(ctx, res.Name, nil); !errs.Is(err, errs.FailedPrecondition) {
				t.Errorf("%s: values of a failed version: %v", tt.name, err)
			}
		}
	})
}

// TestImportRawIDs: raw IDs are translated batch by batch and only exIDs
// are stored; a rejected raw ID names its row.
func TestImportRawIDs(t *testing.T) {
	t.Parallel()
	eachNode(t, func(t *testing.T, _, _ string, n *supply.Side) {
		ctx := context.Background()
		translate := func(_ context.Context, raw []string) ([]exid.Result, error) {
			res := make([]exid.Result, len(raw))
			for i, r := range raw {
				var k int
				if _, err := fmt.Sscanf(r, "1380000%04d", &k); err != nil {
					res[i].Err = errs.Invalidf("mobile", "不是手机号", "not a mobile number")
					continue
				}
				res[i].ExID = testID(k)
			}
			return res, nil
		}
		raw := func(i int) string { return fmt.Sprintf("1380000%04d", i) }
		im := supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "raw", Listing: strings.NewReader(testListing(2, "person")), In: strings.NewReader(csvOf(7, raw)), IDColumn: "exid", Batch: 3, Translate: translate}
		if _, err := n.ImportDataset(ctx, im); err != nil {
			t.Fatal(err)
		}
		got, err := n.DatasetValues(ctx, "raw", []exid.ExID{testID(6)})
		if err != nil || !cmp.Equal(got, map[exid.ExID][]string{testID(6): {"high"}}) {
			t.Errorf("values %v, %v", got, err)
		}
		im.Listing, im.In = strings.NewReader(testListing(2, "person")), strings.NewReader(csvOf(4, raw)+"12345,low,x\n")
		_, err = n.ImportDataset(ctx, im)
		if rowOf(err) != 6 || !strings.Contains(errs.Message(err, i18n.EN), "not a mobile number") {
			t.Errorf("rejected raw ID: %v", err)
		}
	})
}

// TestImportDeclaration (P-6, O-7): an import declares the data
// de-identified or anonymised and states its source; the signed report
// carries the declaration, which the platform checks at listing.
func TestImportDeclaration(t *testing.T) {
	t.Parallel()
	eachNode(t, func(t *testing.T, _, _ string, n *supply.Side) {
		ctx := context.Background()
		for _, im := range []supply.DatasetImport{
			{Status: "deidentified", Source: " "},
			{Status: "pseudonymous", Source: "会员消费记录"},
		} {
			im.Name, im.Listing, im.In, im.IDColumn = "spend", strings.NewReader(testListing(2, "person")), strings.NewReader(csvOf(6, exidText)), "exid"
			if _, err := n.ImportDataset(ctx, im); !errs.Is(err, errs.Invalid) {
				t.Errorf("declaration %q/%q: %v", im.Status, im.Source, err)
			}
		}
		res, err := importCSV(ctx, n, "spend", testListing(2, "person"), csvOf(6, exidText), 0)
		if err != nil || res.Report.Status != "deidentified" || res.Report.Source == "" {
			t.Fatalf("the report's declaration: %+v %v", res.Report, err)
		}
	})
}
