package supply_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

// TestImportResumes: an import of raw IDs interrupted part-way resumes
// without translating again the batches it had translated, for the same
// raw IDs only; the raw IDs are not kept; the staged exIDs go when the
// version commits, or after StageTTL when no import takes them up.
func TestImportResumes(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storagetest.DSN(t, eng)
			var now atomic.Pointer[time.Time]
			start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
			now.Store(&start)
			n := open(t, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "cn-sh", Now: func() time.Time { return *now.Load() }})

			var calls, translated atomic.Int64
			failAt := int64(3) // the third batch's translation fails: the platform went away
			translate := func(_ context.Context, raw []string) ([]exid.Result, error) {
				if calls.Add(1) == failAt {
					return nil, errs.New(errs.Unavailable, "", "平台暂不可用", "the platform is unavailable")
				}
				translated.Add(int64(len(raw)))
				res := make([]exid.Result, len(raw))
				for i, r := range raw {
					var k int
					fmt.Sscanf(r, "1380000%04d", &k)
					res[i].ExID = testID(k)
				}
				return res, nil
			}
			raw := func(i int) string { return fmt.Sprintf("1380000%04d", i) }
			im := func(data string) supply.DatasetImport {
				return supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "raw", Listing: strings.NewReader(testListing(2, "person")),
					In: strings.NewReader(data), IDColumn: "exid", Batch: 3, Translate: translate}
			}
			data := csvOf(10, raw) // four batches: 3, 3, 3 and 1 rows
			if _, err := n.ImportDataset(ctx, im(data)); !errs.Is(err, errs.Unavailable) {
				t.Fatalf("interrupted import: %v", err)
			}
			if translated.Load() != 6 {
				t.Fatalf("%d IDs translated before the interruption", translated.Load())
			}
			if dump := storagetest.Dump(t, dsn); bytes.Contains(dump, []byte(raw(1))) {
				t.Error("a raw ID is kept in the node's database")
			}

			// Run again: the two batches translated are taken from their
			// stage, the other two translated.
			calls.Store(0)
			translated.Store(0)
			failAt = 0
			var progress []supply.ImportProgress
			j := im(data)
			j.Progress = func(p supply.ImportProgress) { progress = append(progress, p) }
			res, err := n.ImportDataset(ctx, j)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 10 || res.Resumed != 6 || translated.Load() != 4 {
				t.Errorf("resumed import: %d rows, %d resumed, %d translated; want 10, 6, 4", res.Rows, res.Resumed, translated.Load())
			}
			if len(progress) == 0 || progress[len(progress)-1] != (supply.ImportProgress{Rows: 10, Resumed: 6}) {
				t.Errorf("progress %+v", progress)
			}
			got, err := n.DatasetValues(ctx, "raw", []exid.ExID{testID(0), testID(4), testID(9)})
			if err != nil || !cmp.Equal(got, map[exid.ExID][]string{testID(0): {"high"}, testID(4): {"high"}, testID(9): {"low"}}) {
				t.Errorf("values %v, %v", got, err)
			}
			if c := stages(t, n); c != 0 {
				t.Errorf("%d batches still staged after the version committed", c)
			}

			// A stage is taken for the same raw IDs only: an input whose
			// first batch changed translates that batch again.
			failAt, calls = 2, atomic.Int64{}
			translated.Store(0)
			if _, err := n.ImportDataset(ctx, im(data)); !errs.Is(err, errs.Unavailable) {
				t.Fatalf("second interrupted import: %v", err)
			}
			failAt = 0
			translated.Store(0)
			changed := strings.Replace(data, raw(1), raw(11), 1)
			res, err = n.ImportDataset(ctx, im(changed))
			if err != nil || res.Resumed != 0 || translated.Load() != 10 {
				t.Errorf("changed input: %+v %v, %d translated", res, err, translated.Load())
			}

			// What an import left and nobody took up goes after StageTTL.
			failAt, calls = 2, atomic.Int64{}
			if _, err := n.ImportDataset(ctx, im(data)); !errs.Is(err, errs.Unavailable) {
				t.Fatalf("third interrupted import: %v", err)
			}
			if d, err := n.DropStaleStages(ctx); err != nil || d != 0 || stages(t, n) != 1 {
				t.Errorf("a fresh stage dropped: %d %v", d, err)
			}
			later := start.Add(supply.StageTTL + time.Hour)
			now.Store(&later)
			if d, err := n.DropStaleStages(ctx); err != nil || d != 1 || stages(t, n) != 0 {
				t.Errorf("stale stages: %d dropped, %v", d, err)
			}
		})
	}
}

// stages counts the batches imports have staged on n.
func stages(t *testing.T, n *supply.Side) int {
	t.Helper()
	var c int
	if err := n.DB.Read(context.Background(), func(tx *nodestore.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM node_import_stages`).Scan(&c)
	}); err != nil {
		t.Fatal(err)
	}
	return c
}
