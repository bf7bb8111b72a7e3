package supply

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/colstore"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/tokenindex"
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
	d := &datasetData{name: "mem", columns: []string{"level", "city"}, tagKeys: []string{"consumption_level", "city"}, Data: &colstore.Data{}}
	d.IDs = make([]exid.ExID, rows)
	for i := range d.IDs {
		d.IDs[i] = memID(i)
	}
	slices.SortFunc(d.IDs, func(a, b exid.ExID) int { return bytes.Compare(a[:], b[:]) })
	vals := make([][]string, rows)
	for i := range rows {
		vals[i] = valuesOf(i)
	}
	d.Cols = columnsOf(vals)
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
		i, _ := d.Find(id)
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
	a, _, err := oc.answer(sk, digest.SHA256, dem.PublicKey(), "ord_bench", "rq_1", raw, evidence.HashOf(raw), []int{1, 0}, nil)
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
	b.ReportMetric(float64(len(d.IDs)*b.N)/b.Elapsed().Seconds(), "rows/s")
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
		if _, _, err := oc.answer(sk, digest.SHA256, dem.PublicKey(), "ord_bench", "rq_1", raw, h, []int{0, 1}, nil); err != nil {
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

// BenchmarkLoadDataset reads a version of 100,000 rows from SQLite into
// memory: the cold start of the first order over it.
// BenchmarkLoadDataset reads a version into memory: with every field in
// clear (the baseline), and with the city graded sensitive, so encrypted
// at rest under AES-256-GCM or, under the 国密 profile, SM4-GCM.
func BenchmarkLoadDataset(b *testing.B) {
	for _, c := range []struct{ name, profile string }{{"clear", ""}, {"aes-256-gcm", keyring.ProfileDefault}, {"sm4-gcm", keyring.ProfileGM}} {
		b.Run(c.name, func(b *testing.B) { benchLoad(b, c.profile, c.name != "clear") })
	}
}

func benchLoad(b *testing.B, profile string, sensitive bool) {
	const rows = 100_000
	ctx := context.Background()
	nd, err := node.Open(ctx, node.Config{DB: "sqlite://" + b.TempDir() + "/node.db", KEKEnv: keyring.NewKEKText(), Region: "CN-SH", Crypto: profile})
	if err != nil {
		b.Fatal(err)
	}
	defer nd.Close()
	n := New(nd)
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
	if _, err := n.ImportDataset(ctx, DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "bench", Listing: strings.NewReader(listing), In: strings.NewReader(data.String()), IDColumn: "exid", Batch: 5000}); err != nil {
		b.Fatal(err)
	}
	if sensitive {
		committee := &nodestore.Account{Login: "bench", Roles: []string{"committee"}}
		if _, err := grading.Confirm(ctx, nd, committee, "bench", "city", "location", 0, ""); err != nil {
			b.Fatal(err)
		}
	}
	var v *nodestore.DatasetVersion
	n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		v, err = tx.CurrentDatasetVersion(ctx, "bench")
		return err
	})
	b.ResetTimer()
	for b.Loop() {
		d, err := n.loadDatasetData(ctx, v)
		if err != nil || len(d.IDs) != rows {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestWarm: a version imported by another process is loaded by the
// serving node's Warm before any request asks for it, and let go once a
// newer one is current; the importing process keeps what it built.
func TestWarm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, kek := "sqlite://"+t.TempDir()+"/node.db", keyring.NewKEKText()
	open := func() *Side {
		nd, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: kek, Region: "CN-SH"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nd.Close() })
		return New(nd)
	}
	serving, other := open(), open()
	importOnce := func() int64 {
		var data strings.Builder
		data.WriteString("exid,level\n")
		for i := range 400 {
			fmt.Fprintf(&data, "%s,%s\n", memID(i), valuesOf(i)[0])
		}
		listing := `{"id":"lst_warm","version":1,"subject":"person","k":100,"tags":[{"key":"level","column":"level","value_type":"single","values":["high","low"]}]}`
		res, err := other.ImportDataset(ctx, DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "warm",
			Listing: strings.NewReader(listing), In: strings.NewReader(data.String()), IDColumn: "exid"})
		if err != nil || !res.Pass {
			t.Fatalf("import: %+v %v", res, err)
		}
		var v *nodestore.DatasetVersion
		if err := other.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { v, err = tx.CurrentDatasetVersion(ctx, "warm"); return err }); err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	loaded := func(s *Side, id int64) bool {
		s.cache.mu.Lock()
		defer s.cache.mu.Unlock()
		return s.cache.datasets[id] != nil
	}
	first := importOnce()
	if !loaded(other, first) || loaded(serving, first) {
		t.Fatal("the importing process does not keep its version, or the other has it without loading")
	}
	if err := serving.Warm(ctx); err != nil || !loaded(serving, first) {
		t.Fatalf("warm: %v, loaded %t", err, loaded(serving, first))
	}
	second := importOnce()
	if err := serving.Warm(ctx); err != nil || !loaded(serving, second) || loaded(serving, first) {
		t.Fatalf("after a new version: %v, new %t, old %t", err, loaded(serving, second), loaded(serving, first))
	}
	if loaded(other, first) {
		t.Error("the importing process keeps a version no longer current")
	}
}

// TestWarmMemory: Warm and an importing process keep current versions
// only within the memory for datasets, newest first; one left out still
// answers, loaded on its request.
func TestWarmMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, kek := "sqlite://"+t.TempDir()+"/node.db", keyring.NewKEKText()
	open := func() *Side {
		nd, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: kek, Region: "CN-SH"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nd.Close() })
		s := New(nd)
		s.SetMemory(0, 10_000) // one version of 400 rows (about 7.2 kB), not two
		return s
	}
	serving, importing := open(), open()
	imp := func(name string, from int) int64 {
		var data strings.Builder
		data.WriteString("exid,level\n")
		for i := from; i < from+400; i++ {
			fmt.Fprintf(&data, "%s,%s\n", memID(i), valuesOf(i)[0])
		}
		listing := `{"id":"lst_warm","version":1,"subject":"person","k":100,"tags":[{"key":"level","column":"level","value_type":"single","values":["high","low"]}]}`
		res, err := importing.ImportDataset(ctx, DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: name,
			Listing: strings.NewReader(listing), In: strings.NewReader(data.String()), IDColumn: "exid"})
		if err != nil || !res.Pass {
			t.Fatalf("import: %+v %v", res, err)
		}
		var v *nodestore.DatasetVersion
		if err := importing.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { v, err = tx.CurrentDatasetVersion(ctx, name); return err }); err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	loaded := func(s *Side, id int64) bool {
		s.cache.mu.Lock()
		defer s.cache.mu.Unlock()
		return s.cache.datasets[id] != nil
	}
	older := imp("older", 0)
	newer := imp("newer", 1000)
	if !loaded(importing, newer) || loaded(importing, older) {
		t.Errorf("the importing process keeps the older version (%t) or not the newer (%t)", loaded(importing, older), loaded(importing, newer))
	}
	if err := serving.Warm(ctx); err != nil || !loaded(serving, newer) || loaded(serving, older) {
		t.Fatalf("warm: %v; newer %t, older %t", err, loaded(serving, newer), loaded(serving, older))
	}
	// The older one still answers.
	got, err := serving.DatasetValues(ctx, "older", []exid.ExID{memID(3)})
	if err != nil || len(got) != 1 {
		t.Errorf("values of the version left out: %v %v", got, err)
	}
	serving.SetMemory(0, DefaultDatasetBudget)
	if err := serving.Warm(ctx); err != nil || !loaded(serving, newer) || !loaded(serving, older) {
		t.Errorf("warm with room for both: %v; newer %t, older %t", err, loaded(serving, newer), loaded(serving, older))
	}
}

// TestFits: an order's index is prepared within the index budget beside
// those kept, or alone beyond it, which a request would keep as well.
func TestFits(t *testing.T) {
	t.Parallel()
	s := newSupplier()
	s.budget = 1000
	if !s.fits(5000) {
		t.Error("an index alone beyond the budget is not prepared")
	}
	toks := make([]ordertoken.Token, 30)
	for i := range toks {
		toks[i][0], toks[i][1] = byte(i), 1
	}
	ix, err := tokenindex.Build(toks, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Release()
	s.orders["ord_kept"] = &orderContext{key: "ord_kept", index: ix, data: &datasetData{Data: &colstore.Data{}}}
	kept := ix.Bytes()
	if !s.fits(s.budget-kept) || s.fits(s.budget-kept+1) || s.fits(5000) {
		t.Errorf("beside an index of %d bytes in a budget of %d: fits %t, %t, %t", kept, s.budget, s.fits(s.budget-kept), s.fits(s.budget-kept+1), s.fits(5000))
	}
}
