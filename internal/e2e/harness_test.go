package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/keyring"
	"hulian/internal/market"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/node"
	"hulian/internal/node/demand"
	"hulian/internal/node/platformclient"
	nodeserver "hulian/internal/node/server"
	"hulian/internal/node/supply"
	"hulian/internal/platform"
	pserver "hulian/internal/platform/server"
	"hulian/internal/pricing"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
)

// exchange is a platform and two member nodes on this machine with an
// active order between them: the benchmarks' fixture. Onboarding and the
// market go through the platform's use cases (the demo walks them through
// the API); delivery goes through the real relay over HTTP.
type exchange struct {
	P        *pserver.Main
	Sup, Dem *nodeserver.Main
	OrderID  string
	People   population
	Dir      string
	Listing  string
}

// population is the fixture's people, made from their positions instead
// of kept: a hundred million exIDs on each side would hold 3.4 GB in the
// process whose memory the benchmarks measure. Sup(i) is the supplier's
// row i; Dem(k) the demander's k-th ID, half of them the supplier's
// (every stride-th row) and half people it does not hold, in a scattered
// order.
type population struct {
	SupRows, DemIDs int
	half, stride    int
	seed            [2]uint64 // the supplier's and the strangers' streams
	mul             uint64    // the order's permutation: k → (mul·k + 1) mod DemIDs
}

func newPopulation(supRows, demIDs int) population {
	var b [16]byte
	rand.Read(b[:])
	p := population{SupRows: supRows, DemIDs: demIDs, half: min(demIDs/2, supRows),
		seed: [2]uint64{binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])}}
	p.stride = supRows / max(p.half, 1)
	// A multiplier coprime to DemIDs makes the map a permutation.
	p.mul = 0x9e3779b1
	for gcd(p.mul, uint64(max(demIDs, 1))) != 1 {
		p.mul += 2
	}
	return p
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// mix64 is SplitMix64's finaliser: a bijection of 64-bit numbers whose
// outputs look random, so distinct positions give distinct exIDs.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// person is the i-th exID of a stream: an epoch-1 exID whose output is
// random-looking, as OPRF outputs are without the platform's key.
func (p population) person(stream int, i uint64) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], mix64(i^p.seed[stream]))
	binary.BigEndian.PutUint64(out[8:], mix64(i^p.seed[stream]^0x5851f42d4c957f2d))
	return exid.FromOutput(1, out[:])
}

func (p population) Sup(i int) exid.ExID { return p.person(0, uint64(i)) }

// Dem is the demander's k-th ID.
func (p population) Dem(k int) exid.ExID {
	j, held := p.position(k)
	if held {
		return p.Sup(j * p.stride)
	}
	return p.person(1, uint64(j))
}

func (p population) position(k int) (j int, held bool) {
	j = int((p.mul*uint64(k) + 1) % uint64(p.DemIDs))
	return j, j < p.half
}

// Held says whether the supplier holds the demander's k-th ID.
func (p population) Held(k int) bool { _, held := p.position(k); return held }

// DemList is the demander's IDs from lo to hi.
func (p population) DemList(lo, hi int) []exid.ExID {
	ids := make([]exid.ExID, 0, hi-lo)
	for k := lo; k < hi; k++ {
		ids = append(ids, p.Dem(k))
	}
	return ids
}

// fatalT is what the fixture needs of a test or benchmark.
type fatalT interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// fixtureEnv owns a fixture's directory and servers. A benchmark's
// fixture outlives the benchmark function, which the testing package
// calls again for every b.N, so it is not tied to one test's cleanups.
type fixtureEnv struct {
	t        fatalT
	dir      string
	cleanups []func()
}

func newFixtureEnv(t fatalT) *fixtureEnv {
	dir, err := os.MkdirTemp("", "hulian-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	return &fixtureEnv{t: t, dir: dir}
}

func (e *fixtureEnv) close() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
	os.RemoveAll(e.dir)
}

func must(tb fatalT, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// run serves until the fixture is closed.
func (e *fixtureEnv) run(serve func(context.Context) error, closeFn func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); serve(ctx) }()
	e.cleanups = append(e.cleanups, func() { cancel(); <-done; closeFn() })
}

// newExchange builds the fixture: a supplier dataset of supRows exIDs with
// two tags, a demander list of demIDs exIDs, and an active order of method
// (realtime or batch) with quota enough for everything.
func newExchange(e *fixtureEnv, supRows, demIDs int, method market.Method) *exchange {
	tb := e.t
	tb.Helper()
	ctx := context.Background()
	dir := e.dir
	x := &exchange{Dir: dir}
	var err error
	x.P, err = pserver.Open(ctx, pserver.Config{Listen: "127.0.0.1:0", DB: "sqlite://" + filepath.Join(dir, "platform.db"), KEKEnv: keyring.NewKEKText(), AllowEndpoints: netguard.Loopback})
	must(tb, err)
	e.run(x.P.Run, x.P.Close)
	p := x.P.Exchange
	op, err := p.CreateStaff(ctx, auth.RoleOperator, "operator", "运营员", "correct horse battery staple", true)
	must(tb, err)
	opCtx := auth.WithActor(ctx, op.Actor())

	type side struct {
		ctx   context.Context
		id    string
		token string
	}
	onboard := func(i int, supplier bool) side {
		code := ""
		for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
			if s := fmt.Sprintf("91310000MA1K%05d%c", 70000+i, c); ident.CheckUSCC(s) == nil {
				code = s
			}
		}
		m, acct, err := p.Apply(ctx, platform.Application{Application: member.Application{Name: "基准测试公司" + strconv.Itoa(i), USCC: code, Industry: "I64",
			ContactName: "张三", ContactPhone: "021-5555 0100", ContactEmail: "ops@example.cn", StorageRegion: "CN-SH", Supplier: supplier, Demander: !supplier},
			Login: "member" + strconv.Itoa(i), DisplayName: "员工", Password: "correct horse battery staple"})
		must(tb, err)
		_, err = p.Review(opCtx, m.ID, true, "")
		must(tb, err)
		mctx := auth.WithActor(ctx, acct.Actor())
		_, err = p.SignAgreement(mctx, m.ID, p.Agreement)
		must(tb, err)
		tok, _, err := p.CreateToken(mctx, "node", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
		must(tb, err)
		return side{ctx: mctx, id: m.ID, token: tok}
	}
	sup, dem := onboard(1, true), onboard(2, false)
	// HULIAN_BENCH_LOG=1 shows the nodes' logs: among them how long a
	// version took to load and an order's index to build.
	var logger *slog.Logger
	if os.Getenv("HULIAN_BENCH_LOG") == "1" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	openNode := func(name string, s side) *nodeserver.Main {
		m, err := nodeserver.Open(ctx, nodeserver.Config{Listen: "127.0.0.1:0", NoAutoIntegrate: true, Node: node.Config{
			DB: "sqlite://" + filepath.Join(dir, name+".db"), KEKEnv: keyring.NewKEKText(), MemberID: s.id, PlatformURL: x.P.URL(),
			Region: "CN-SH", NewPlatform: platformclient.New, Logger: logger}})
		must(tb, err)
		_, err = m.Node.RegisterKeys(ctx, s.token)
		must(tb, err)
		_, err = m.Node.Integrate(ctx)
		must(tb, err)
		e.run(m.Run, m.Close)
		<-m.EndpointTried()
		return m
	}
	x.Sup, x.Dem = openNode("supplier", sup), openNode("demander", dem)

	levels := []string{"A", "B", "C", "D"}
	cities := []string{"上海", "北京", "广州", "深圳"}
	l, err := p.Listings.CreateListing(sup.ctx, &catalog.Listing{
		Kind: catalog.Dataset, Title: "基准测试数据集", Subject: catalog.SubjectPerson, IDType: ident.Mobile,
		Tags: []catalog.Tag{
			{Key: "level", Name: "等级", Category: "behaviour.consumption", Description: "消费等级", ValueType: catalog.ValueSegment, Values: levels, Column: "level"},
			{Key: "city", Name: "城市", Category: "behaviour.location", Description: "常住城市", ValueType: catalog.ValueSingle, Values: cities, Column: "city"},
		},
		Limit: catalog.Limit{Description: "基准测试", Keywords: []string{"基准"}, Language: "zh", SourceIndustry: "I64", Processing: "direct",
			Traversal: catalog.Traversal{IDsPerRequest: 1000, IDsPerDay: 1 << 40, RequestsPerMinute: 1 << 30}, DataSource: "accumulated"},
		Term:  catalog.Term{UpdateFrequency: "monthly", StatisticsPeriod: "近 12 个月", RetentionDays: 30},
		Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 1},
	})
	must(tb, err)
	x.Listing = l.ID

	x.People = newPopulation(supRows, demIDs)
	lj, err := jsonListing(l)
	must(tb, err)
	// The dataset's CSV is made as the import reads it.
	in := &rowStream{header: "exid,level,city\n", n: supRows, row: func(b []byte, i int) []byte {
		b, _ = x.People.Sup(i).AppendText(b)
		return append(append(append(append(append(b, ','), levels[i%4]...), ','), cities[(i/4)%4]...), '\n')
	}}
	res, err := x.Sup.Supply.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "bench", Listing: lj, In: in, IDColumn: "exid"})
	must(tb, err)
	if !res.Pass {
		tb.Fatalf("the gate failed: %+v", res.Table)
	}
	ds, err := x.Sup.Supply.Dataset(ctx, "bench")
	must(tb, err)
	_, err = p.Listings.SubmitListing(sup.ctx, l.ID, ds.Report)
	must(tb, err)
	_, err = p.Listings.StartReview(opCtx, l.ID)
	must(tb, err)
	_, err = p.Listings.DecideListing(opCtx, l.ID, true, "")
	must(tb, err)
	_, err = p.Listings.PublishListing(sup.ctx, l.ID)
	must(tb, err)

	today := calendar.DateOf(time.Now())
	d, err := p.Market.PublishDemand(dem.ctx, &market.Demand{Title: "基准", Purpose: "性能测试", Scope: "测试数据", Method: method, Scenario: "测试",
		Term: market.Term{Start: today, End: today.AddDays(30)}, Categories: []string{"behaviour"}, EnterpriseNature: "private",
		MonthlyVolume: int64(demIDs), HitRateBP: 5000})
	must(tb, err)
	of, err := p.Market.MakeOffer(sup.ctx, d.ID, &market.Offer{ListingID: l.ID})
	must(tb, err)
	o, err := p.Market.SelectOffer(dem.ctx, of.ID)
	must(tb, err)
	_, err = p.Market.SignConfirmation(dem.ctx, o.ID, market.DemandSide, o.TermsHash)
	must(tb, err)
	o, err = p.Market.SignConfirmation(sup.ctx, o.ID, market.SupplySide, o.TermsHash)
	must(tb, err)
	if o.Status != market.Active {
		tb.Fatalf("order %s", o.Status)
	}
	x.OrderID = o.ID
	_, err = p.TopUp(opCtx, dem.id, 1<<50, "bench-"+o.ID, "")
	must(tb, err)
	return x
}

// rowStream is a CSV of n rows made as it is read: header, then row(b, i)
// appended for each i.
type rowStream struct {
	header  string
	n, next int
	row     func(b []byte, i int) []byte
	buf     []byte
	started bool
}

func (r *rowStream) Read(p []byte) (int, error) {
	if !r.started {
		r.buf, r.started = append(r.buf, r.header...), true
	}
	for len(r.buf) < len(p) && r.next < r.n {
		r.buf = r.row(r.buf, r.next)
		r.next++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[:copy(r.buf, r.buf[n:])]
	return n, nil
}

// writeDemList writes the demander's list of IDs to a CSV file.
func (x *exchange) writeDemList(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, &rowStream{header: "exid\n", n: n, row: func(b []byte, k int) []byte {
		b, _ = x.People.Dem(k).AppendText(b)
		return append(b, '\n')
	}})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// jsonListing is the listing as the platform returns it, for the node's
// import.
func jsonListing(l *catalog.Listing) (io.Reader, error) {
	b, err := json.Marshal(l)
	return bytes.NewReader(b), err
}

// TestExchangeHarness checks the benchmarks' fixture at a small size: a
// batch order answers a file in one chunk and real-time requests, each
// matching exactly the supplier's rows asked.
func TestExchangeHarness(t *testing.T) {
	t.Parallel()
	e := newFixtureEnv(t)
	t.Cleanup(e.close)
	x := newExchange(e, 8000, 4000, market.Batch)
	ctx := context.Background()
	in, out := filepath.Join(e.dir, "in.csv"), filepath.Join(e.dir, "out.csv")
	must(t, x.writeDemList(in, x.People.DemIDs))
	p, err := x.Dem.Demand.QueryFile(ctx, demand.QueryJob{OrderID: x.OrderID, In: in, Out: out, Column: "exid"})
	must(t, err)
	if p.Rows != 4000 || p.Matched != 2000 || p.Chunks != 1 {
		t.Errorf("file query: %+v", p)
	}
	// The population's own account of who is held, checked against the
	// supplier's rows.
	held := map[exid.ExID]bool{}
	for i := range x.People.SupRows {
		held[x.People.Sup(i)] = true
	}
	if len(held) != x.People.SupRows {
		t.Fatalf("%d distinct supplier rows of %d", len(held), x.People.SupRows)
	}
	want := 0
	for k := range 1000 {
		if x.People.Held(k) != held[x.People.Dem(k)] {
			t.Fatalf("ID %d: held %v", k, held[x.People.Dem(k)])
		}
		if x.People.Held(k) {
			want++
		}
	}
	r, err := x.Dem.Demand.Query(ctx, x.OrderID, x.People.DemList(0, 1000))
	must(t, err)
	if r.Matched != want {
		t.Errorf("real-time query matched %d, want %d", r.Matched, want)
	}
}
