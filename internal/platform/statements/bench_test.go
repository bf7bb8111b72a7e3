package statements_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/statements"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/settlement"
)

var benchEntries = flag.Int("statements.entries", 100_000, "delivery entries in the benchmark's month (the target is 10,000,000)")

// fill writes n delivery entries for 1,000 pairs of members (one order
// each) spread over November 2026, straight into the log's table, a few
// hundred rows a statement: the statements read entries, not the tree, so
// the benchmark skips building it.
func fill(b *testing.B, db *store.DB, n int) {
	b.Helper()
	start := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC) // 1 November in Beijing
	step := 30 * 24 * time.Hour / time.Duration(n)
	const per = 250 // rows a statement: 2,000 parameters
	tx, err := db.Writer().Begin()
	if err != nil {
		b.Fatal(err)
	}
	var q strings.Builder
	args := make([]any, 0, 8*per)
	flush := func() {
		if len(args) == 0 {
			return
		}
		if _, err := tx.Exec(`INSERT INTO log_entries (seq, at, actor, member_id, kind, object, payload, leaf_hash) VALUES `+q.String(), args...); err != nil {
			b.Fatal(err)
		}
		q.Reset()
		args = args[:0]
	}
	for seq := range n {
		p := seq % 1000
		payload := fmt.Sprintf(`{"charge_fen":%d,"demander":"mem_d%03d","listing":"lst_%03d","matched":%d,"queried":%d,"supplier":"mem_s%03d"}`, seq%97, p, p, seq%7, 10, p%50)
		if q.Len() > 0 {
			q.WriteByte(',')
		}
		k := len(args)
		fmt.Fprintf(&q, "($%d,$%d,'node:x',$%d,$%d,$%d,$%d,$%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7)
		args = append(args, seq, start.Add(time.Duration(seq)*step), fmt.Sprintf("mem_d%03d", p), settlement.KindDelivered, fmt.Sprintf("ord_%03d", p), []byte(payload), []byte{0})
		if len(args) == 7*per {
			flush()
		}
		if seq%100_000 == 99_999 {
			flush()
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			if tx, err = db.Writer().Begin(); err != nil {
				b.Fatal(err)
			}
		}
	}
	flush()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkStatements computes a month's statements for 1,000 pairs from
// the log, beside the baseline of a plain GROUP BY over the same rows in
// the database (which sums in SQL and returns 1,000 rows).
func BenchmarkStatements(b *testing.B) {
	for _, engine := range storetest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine, store.Options{})
			fill(b, db, *benchEntries)
			s := statements.New(logkeeper.New(platform.New(db, nil)))
			ctx := auth.WithActor(context.Background(), auth.System)
			sum := `json_extract(payload, '$.charge_fen')`
			if engine == "postgres" {
				sum = `(convert_from(payload, 'UTF8')::jsonb->>'charge_fen')::bigint`
			}
			start, end, _ := settlement.ParseMonth("2026-11")
			b.Run("statements", func(b *testing.B) {
				for b.Loop() {
					sts, err := s.Compute(ctx, "2026-11", false)
					if err != nil || len(sts) != 1000 {
						b.Fatalf("%d statements, %v", len(sts), err)
					}
				}
				b.ReportMetric(float64(*benchEntries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			})
			b.Run("group-by", func(b *testing.B) {
				for b.Loop() {
					rows, err := db.Reader().Query(`SELECT object, COUNT(*), SUM(`+sum+`) FROM log_entries WHERE kind = $1 AND at >= $2 AND at < $3 GROUP BY object`,
						settlement.KindDelivered, start, end)
					if err != nil {
						b.Fatal(err)
					}
					n := 0
					for rows.Next() {
						n++
					}
					rows.Close()
					if n != 1000 {
						b.Fatalf("%d groups", n)
					}
				}
				b.ReportMetric(float64(*benchEntries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			})
		})
	}
}
