package supply_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"hulian/internal/compliance/scan"
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

// BenchmarkImportLarge imports HULIAN_BENCH_ROWS exID rows (1,000,000 by
// default; the figure is 10,000,000) into a fresh node of each
// engine, beside its baseline in the same run: reading the same CSV alone
// with the import's reader. peak_heap_MB is the largest heap seen while
// the import ran.
func BenchmarkImportLarge(b *testing.B) {
	rows := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("HULIAN_BENCH_ROWS")); err == nil && n > 0 {
		rows = n
	}
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			rd, err := scan.NewReader(&csvStream{rows: rows}, scan.EncodingAuto)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				if _, err := rd.Next(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != rows {
				b.Fatalf("%d rows read", n)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	for _, eng := range storagetest.Engines(b) {
		b.Run("import/"+eng, func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				n := openBench(b, node.Config{DB: storagetest.DSN(b, eng), KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
				runtime.GC()
				stop := heapPeak(&peak)
				b.StartTimer()
				res, err := n.ImportDataset(context.Background(), supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "bench",
					Listing: strings.NewReader(testListing(1000, "person")), In: &csvStream{rows: rows}, IDColumn: "exid"})
				b.StopTimer()
				stop()
				if err != nil || res.Rows != int64(rows) {
					b.Fatal(res, err)
				}
				n.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
		})
	}
}

// csvStream is a dataset CSV of rows subjects, made as it is read (a
// hundred million rows do not fit in memory as text): exIDs in the random
// order real ones have, alternately "high" and "low", and a column the
// listing does not name.
type csvStream struct {
	rows, next int
	buf        []byte
}

func (c *csvStream) Read(p []byte) (int, error) {
	if len(c.buf) == 0 && c.next == 0 {
		c.buf = append(c.buf, "exid,level,note\n"...)
	}
	for len(c.buf) < len(p) && c.next < c.rows {
		x := uint64(c.next) * 0x9e3779b97f4a7c15 // a bijection: distinct, scattered
		var out [16]byte
		binary.BigEndian.PutUint64(out[:8], x^(x>>29))
		binary.BigEndian.PutUint64(out[8:], uint64(c.next))
		c.buf, _ = exid.FromOutput(1, out[:]).AppendText(c.buf)
		c.buf = append(c.buf, []string{",high,unlisted\n", ",low,unlisted\n"}[c.next%2]...)
		c.next++
	}
	if len(c.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.buf)
	c.buf = c.buf[:copy(c.buf, c.buf[n:])]
	return n, nil
}

// heapPeak samples the heap in use until stopped, keeping the largest.
func heapPeak(peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }
}
