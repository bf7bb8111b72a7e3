package gate

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
)

func table(t testing.TB, in string, l Listing) Report {
	t.Helper()
	rd, err := scan.NewReader(strings.NewReader(in), "")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := NewTable(rd.Header, "id", l)
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := tb.Add(rd.Row(), rec); err != nil {
			t.Fatal(err)
		}
	}
	return tb.Report()
}

func TestTableCounts(t *testing.T) {
	t.Parallel()
	// Subject a appears twice, apart: it must still count once while the
	// value is below K.
	in := "id,city,interest\na,北京,运动|旅游\nb,北京,运动;运动\nc,上海,\na,北京,旅游\n"
	l := Listing{K: 3, Tags: []Tag{{Column: "city", Key: "城市", ValueType: Single}, {Column: "interest", Key: "兴趣", ValueType: Multi}}}
	r := table(t, in, l)
	got := map[string]int{}
	for _, v := range r.Values {
		got[v.Column+"="+v.Value] = v.Subjects
	}
	want := map[string]int{"city=北京": 2, "city=上海": 1, "interest=运动": 2, "interest=旅游": 1} // a is counted once for 北京 and 旅游
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if r.Pass || r.Failures != 4 || r.Rows != 4 {
		t.Errorf("verdict pass=%v failures=%d rows=%d, want fail with 4 failures in 4 rows", r.Pass, r.Failures, r.Rows)
	}
	if r.Values[0].Subjects != 1 || r.Values[0].Pass {
		t.Errorf("failing values are not listed first: %+v", r.Values)
	}
}

func TestTablePassAndAdjacentDuplicates(t *testing.T) {
	t.Parallel()
	in := "id,g\na,x\na,x\nb,x\nc,x\n"
	r := table(t, in, Listing{K: 3, Tags: []Tag{{Column: "g"}}})
	if !r.Pass || r.Values[0].Subjects != 3 || r.AdjacentDuplicateRows != 1 {
		t.Errorf("report %+v, want a pass with 3 subjects and 1 adjacent duplicate", r)
	}
}

func TestListingErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`{`, `{"tags":[]}`, `{"tags":[{"column":""}]}`, `{"tags":[{"column":"a","value_type":"x"}]}`, `{"tags":[{"column":"a"},{"column":"a"}]}`, `{"k":-1,"tags":[{"column":"a"}]}`} {
		if _, err := ParseListing(strings.NewReader(in)); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseListing(%s) = %v, want invalid", in, err)
		}
	}
	l, err := ParseListing(strings.NewReader(`{"tags":[{"column":"a"}],"extra":{"x":1}}`))
	if err != nil || l.K != DefaultK || l.Tags[0].ValueType != Single || l.Tags[0].Key != "a" {
		t.Errorf("ParseListing defaults: %+v, %v", l, err)
	}
	if _, err := NewTable([]string{"id", "a"}, "id", Listing{K: 1, Tags: []Tag{{Column: "id"}}}); err == nil {
		t.Error("the ID column accepted as a tag")
	}
	if _, err := NewTable([]string{"id", "a"}, "id", Listing{K: 1, Tags: []Tag{{Column: "b"}}}); err == nil {
		t.Error("a missing tag column accepted")
	}
}

// benchFile is one row per subject with 10 tag columns of 5 to 50 values.
func benchFile(rows int) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	hdr := []string{"id"}
	for c := range 10 {
		hdr = append(hdr, fmt.Sprintf("t%d", c))
	}
	w.Write(hdr)
	rec := make([]string, 11)
	for i := range rows {
		rec[0] = fmt.Sprintf("ex1%028d", i)
		for c := range 10 {
			rec[c+1] = fmt.Sprintf("v%d", (i*(c+7)+c)%(5+c*5))
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// benchRows sizes BenchmarkTable; the 10M figure of the docs comes from
// go test -bench Table -benchtime 1x ./internal/compliance/gate -args -gate.rows=10000000
var benchRows = flag.Int("gate.rows", 1_000_000, "rows of the generated file in BenchmarkTable")

// BenchmarkTable builds the table of a generated 10-tag file, one row per
// subject (CSV reading included).
func BenchmarkTable(b *testing.B) {
	data := benchFile(*benchRows)
	l := Listing{K: DefaultK}
	for c := range 10 {
		l.Tags = append(l.Tags, Tag{Column: fmt.Sprintf("t%d", c), ValueType: Single})
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rd, err := scan.NewReader(bytes.NewReader(data), "")
		if err != nil {
			b.Fatal(err)
		}
		tb, err := NewTable(rd.Header, "id", l)
		if err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			tb.Add(rd.Row(), rec)
		}
		if r := tb.Report(); !r.Pass {
			b.Fatalf("unexpected failures: %d", r.Failures)
		}
	}
}
