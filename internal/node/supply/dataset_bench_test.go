package supply_test

import (
	"context"
	"strings"
	"testing"

	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

// BenchmarkImportDataset imports 20,000 exID rows per iteration into
// SQLite, scan and gate included.
func BenchmarkImportDataset(b *testing.B) {
	const rows = 20000
	n := openBench(b, node.Config{DB: storagetest.DSN(b, "sqlite"), KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
	defer n.Close()
	data := csvOf(rows, exidText)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := n.ImportDataset(context.Background(), supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "bench", Listing: strings.NewReader(testListing(1000, "person")), In: strings.NewReader(data), IDColumn: "exid"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDatasetValues looks up 1,000 exIDs in a 20,000-row dataset.
func BenchmarkDatasetValues(b *testing.B) {
	n := openBench(b, node.Config{DB: storagetest.DSN(b, "sqlite"), KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
	defer n.Close()
	ctx := context.Background()
	if _, err := n.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "bench", Listing: strings.NewReader(testListing(1000, "person")), In: strings.NewReader(csvOf(20000, exidText)), IDColumn: "exid"}); err != nil {
		b.Fatal(err)
	}
	ids := make([]exid.ExID, 1000)
	for i := range ids {
		ids[i] = testID(i * 20)
	}
	for b.Loop() {
		got, err := n.DatasetValues(ctx, "bench", ids)
		if err != nil || len(got) != len(ids) {
			b.Fatal(len(got), err)
		}
	}
	b.ReportMetric(float64(len(ids)*b.N)/b.Elapsed().Seconds(), "ids/s")
}

func openBench(b *testing.B, cfg node.Config) *supply.Side {
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return supply.New(n)
}
