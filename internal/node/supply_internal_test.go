package node

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/seal"
)

func memID(i int) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], uint64(i)*0x9e3779b97f4a7c15)
	binary.BigEndian.PutUint64(out[8:], uint64(i))
	return exid.FromOutput(1, out[:])
}

// memDataset is a dataset of rows in memory, sorted by exID, with a
// level column of two values and a city column of 300: row i's values are
// valuesOf(i).
func memDataset(rows int) *datasetData {
	d := &datasetData{name: "mem", columns: []string{"level", "city"}, tagKeys: []string{"consumption_level", "city"}}
	d.ids = make([]exid.ExID, rows)
	for i := range d.ids {
		d.ids[i] = memID(i)
	}
	slices.SortFunc(d.ids, func(a, b exid.ExID) int { return compareExID(&a, &b) })
	codes := [2][]uint32{make([]uint32, rows), make([]uint32, rows)}
	d.cols = make([]dictColumn, 2)
	for _, v := range []string{"high", "low"} {
		d.cols[0].dict = append(d.cols[0].dict, append(binary.AppendUvarint(nil, uint64(len(v))), v...))
	}
	for c := range 300 {
		v := fmt.Sprintf("城市%d", c)
		d.cols[1].dict = append(d.cols[1].dict, append(binary.AppendUvarint(nil, uint64(len(v))), v...))
	}
	for i := range rows {
		codes[0][i], codes[1][i] = uint32(i%2), uint32(i%300)
	}
	d.cols[0].pack(codes[0])
	d.cols[1].pack(codes[1])
	d.excluded.Store(&bitset{words: make([]uint64, (rows+63)/64)})
	return d
}

func valuesOf(i int) []string {
	return []string{[]string{"high", "low"}[i%2], fmt.Sprintf("城市%d", i%300)}
}

func testContext(t testing.TB, d *datasetData) (*orderContext, ordertoken.Key, *ecdh.PrivateKey) {
	t.Helper()
	sup, _ := ecdh.X25519().GenerateKey(rand.Reader)
	dem, _ := ecdh.X25519().GenerateKey(rand.Reader)
	k, err := ordertoken.Derive(sup, dem.PublicKey(), "ord_bench")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := d.index(k)
	if err != nil {
		t.Fatal(err)
	}
	return &orderContext{data: d, index: ix}, k, dem
}

// TestAnswerEncoding: the answer written from the dictionaries is the
// canonical encoding package seal writes and parses, with duplicates
// answered once, excluded rows left out and columns in the order's order.
func TestAnswerEncoding(t *testing.T) {
	t.Parallel()
	d := memDataset(5000)
	oc, k, dem := testContext(t, d)
	row := func(id exid.ExID) int {
		i, _ := slices.BinarySearchFunc(d.ids, id, func(a, b exid.ExID) int { return compareExID(&a, &b) })
		return i
	}
	d.excluded.Load().words[row(memID(7))>>6] |= 1 << (uint(row(memID(7))) & 63)
	var asked []exid.ExID
	for i := range 4000 {
		asked = append(asked, memID(i*3), memID(i*3)) // every other is absent beyond 5000; each asked twice
	}
	tokens := make([]ordertoken.Token, len(asked))
	k.Tokens(asked, tokens)
	raw := bytes.Join(func() [][]byte {
		var b [][]byte
		for i := range tokens {
			b = append(b, tokens[i][:])
		}
		return b
	}(), nil)
	_, sk, _ := ed25519.GenerateKey(rand.Reader)
	a, err := oc.answer(sk, dem.PublicKey(), "ord_bench", "rq_1", raw, evidence.HashOf(raw), []int{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := seal.Open(dem, "ord_bench", "rq_1", a.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	var want seal.Answer
	for i := 0; i*3 < 5000; i++ {
		if i*3 == 7 {
			continue
		}
		v := valuesOf(row(memID(i * 3)))
		want.Matches = append(want.Matches, seal.Match{Token: k.Token(memID(i * 3)), Values: []string{v[1], v[0]}})
	}
	wantPlain, err := want.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain, wantPlain) {
		t.Fatalf("answer differs from the canonical encoding (%d vs %d bytes)", len(plain), len(wantPlain))
	}
	if a.Queried != 8000 || a.Matched != uint64(len(want.Matches)) {
		t.Errorf("queried %d matched %d", a.Queried, a.Matched)
	}
	st := evidence.Answer{OrderID: "ord_bench", RequestID: "rq_1", Queried: a.Queried, Matched: a.Matched, Tokens: evidence.HashOf(raw), Commitment: seal.Commitment(a.Sealed)}
	if err := st.Verify(sk.Public().(ed25519.PublicKey), a.Signature); err != nil {
		t.Error(err)
	}
}

func TestSortMatches(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 100, 5000, 70000} {
		ms := make([]match, n)
		for i := range ms {
			ms[i] = match{hi: r.Uint64(), lo: r.Uint64(), ref: uint32(i)}
			if i > 0 && i%10 == 0 {
				ms[i] = ms[i-1] // duplicates
			}
		}
		want := slices.Clone(ms)
		slices.SortStableFunc(want, cmpMatch)
		got := sortMatches(slices.Clone(ms))
		if !slices.EqualFunc(got, want, func(a, b match) bool { return cmpMatch(a, b) == 0 }) {
			t.Errorf("n=%d: not sorted like the library", n)
		}
	}
}

func TestAnswerCache(t *testing.T) {
	t.Parallel()
	c := newAnswerCache(1000, DefaultAnswerCacheTTL)
	now := mustNow()
	h1, h2 := evidence.HashOf([]byte("a")), evidence.HashOf([]byte("b"))
	a := &Answer{Sealed: make([]byte, 400)}
	if got := c.put("o", "r1", h1, a, now); got != a {
		t.Fatal("put returned another answer")
	}
	if got, ok, err := c.get("o", "r1", h1, now); !ok || err != nil || got != a {
		t.Fatal("cached answer not found")
	}
	if _, _, err := c.get("o", "r1", h2, now); !errs.Is(err, errs.Conflict) {
		t.Errorf("other tokens: %v", err)
	}
	// A second answer computed concurrently loses to the first.
	if got := c.put("o", "r1", h1, &Answer{Sealed: make([]byte, 400)}, now); got != a {
		t.Error("a second answer replaced the first")
	}
	c.put("o", "r2", h1, &Answer{Sealed: make([]byte, 400)}, now)
	c.put("o", "r3", h1, &Answer{Sealed: make([]byte, 400)}, now) // evicts r1
	if _, ok, _ := c.get("o", "r1", h1, now); ok {
		t.Error("the oldest answer was not evicted")
	}
	if _, ok, _ := c.get("o", "r3", h1, now.Add(2*DefaultAnswerCacheTTL)); ok {
		t.Error("an expired answer was kept")
	}
}

// FuzzQueryInput: the file query's reader never panics, and any input it
// refuses is an invalid-input error that names the file.
func FuzzQueryInput(f *testing.F) {
	good := memID(1).String()
	for _, s := range []string{"exid\n" + good + "\n", "exid,x\n" + good + ",1\n\n", "exid\nex1bad\n", "a,b\n1\n", "exid\n\"unclosed\n", "", "\xef\xbb\xbfexid\n" + good + "\n", "exid\n" + good + "\n" + good + "\n"} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		n := &Node{}
		rd, err := scan.NewReader(bytes.NewReader(data), scan.EncodingAuto)
		if err != nil {
			return
		}
		col, err := rd.Column("exid")
		if err != nil {
			return
		}
		work := make(chan *queryChunk, 1<<16)
		err = n.readChunks(context.Background(), rd, QueryJob{In: "in.csv", Column: "exid"}, col, int(size%8)+1, 0, 0, work)
		close(work)
		rows := 0
		for c := range work {
			if len(c.keys) != len(c.ids) || len(c.keys) == 0 || len(c.keys) > int(size%8)+1 || c.first != rows+1 {
				t.Fatalf("chunk %+v", c)
			}
			rows += len(c.keys)
		}
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || !strings.HasPrefix(e.Field, "in.csv") {
				t.Fatalf("error %#v", err)
			}
		}
	})
}

// BenchmarkContextBuild is an order's first request on a supplier of a
// million rows: the tokens of every row and their index.
func BenchmarkContextBuild(b *testing.B) {
	d := memDataset(1_000_000)
	sup, _ := ecdh.X25519().GenerateKey(rand.Reader)
	dem, _ := ecdh.X25519().GenerateKey(rand.Reader)
	k, _ := ordertoken.Derive(sup, dem.PublicKey(), "ord_bench")
	for b.Loop() {
		ix, err := d.index(k)
		if err != nil {
			b.Fatal(err)
		}
		ix.Release()
	}
	b.ReportMetric(float64(len(d.ids)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func benchAnswer(b *testing.B, rows, asked int) {
	d := memDataset(rows)
	oc, k, dem := testContext(b, d)
	defer oc.index.Release()
	ids := make([]exid.ExID, asked)
	for i := range ids {
		ids[i] = memID(i * 2) // half beyond the dataset when asked ≥ rows/2
	}
	tokens := make([]ordertoken.Token, asked)
	k.Tokens(ids, tokens)
	raw := make([]byte, 0, asked*16)
	for i := range tokens {
		raw = append(raw, tokens[i][:]...)
	}
	h := evidence.HashOf(raw)
	_, sk, _ := ed25519.GenerateKey(rand.Reader)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := oc.answer(sk, dem.PublicKey(), "ord_bench", "rq_1", raw, h, []int{0, 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(asked*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkAnswer1000 is a real-time request of 1,000 tokens against a
// million rows: lookup, encoding, sealing and signing.
func BenchmarkAnswer1000(b *testing.B) { benchAnswer(b, 1_000_000, 1000) }

// BenchmarkAnswerChunk is a batch chunk of a million tokens against a
// million rows, half of them matching.
func BenchmarkAnswerChunk(b *testing.B) { benchAnswer(b, 1_000_000, 1_000_000) }

func mustNow() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) }

// FuzzAppendField: the results are quoted exactly as encoding/csv quotes.
func FuzzAppendField(f *testing.F) {
	for _, s := range []string{"", "a", "a,b", `say "hi"`, " lead", "\u3000全角", "line\nbreak", `\.`, "cr\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want strings.Builder
		w := csv.NewWriter(&want)
		w.Write([]string{s, "x"})
		w.Flush()
		got := string(appendField(nil, s)) + ",x\n"
		if got != want.String() {
			t.Fatalf("%q: got %q, encoding/csv %q", s, got, want.String())
		}
	})
}

// BenchmarkLoadDataset reads a version of 100,000 rows from SQLite into
// memory: the cold start of the first order over it.
func BenchmarkLoadDataset(b *testing.B) {
	const rows = 100_000
	ctx := context.Background()
	n, err := Open(ctx, Config{DB: "sqlite://" + b.TempDir() + "/node.db", KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	var data strings.Builder
	data.WriteString("exid,level,city\n")
	for i := range rows {
		v := valuesOf(i)
		fmt.Fprintf(&data, "%s,%s,%s\n", memID(i), v[0], v[1])
	}
	cities := make([]string, 300)
	for c := range cities {
		cities[c] = fmt.Sprintf("%q", fmt.Sprintf("城市%d", c))
	}
	listing := `{"id":"lst_bench","version":1,"subject":"person","k":100,"tags":[{"key":"level","column":"level","value_type":"single","values":["high","low"]},` +
		`{"key":"city","column":"city","value_type":"single","values":[` + strings.Join(cities, ",") + `]}]}`
	if _, err := n.ImportDataset(ctx, DatasetImport{Name: "bench", Listing: strings.NewReader(listing), In: strings.NewReader(data.String()), IDColumn: "exid", Batch: 5000}); err != nil {
		b.Fatal(err)
	}
	var v *nodestore.DatasetVersion
	n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		v, err = tx.CurrentDatasetVersion(ctx, "bench")
		return err
	})
	b.ResetTimer()
	for b.Loop() {
		d, err := n.loadDatasetData(ctx, v)
		if err != nil || len(d.ids) != rows {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
