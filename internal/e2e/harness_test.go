package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
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
	SupIDs   []exid.ExID // the supplier's rows
	DemIDs   []exid.ExID // the demander's list: half of them the supplier's
	Dir      string
	Listing  string
}

// randomExIDs makes n distinct exIDs of epoch 1: random outputs, which is
// what OPRF outputs look like without the platform's key.
func randomExIDs(n int) []exid.ExID {
	out := make([]exid.ExID, n)
	buf := make([]byte, 16*n)
	rand.Read(buf)
	for i := range out {
		out[i] = exid.FromOutput(1, buf[16*i:16*i+16])
	}
	return out
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

	x.SupIDs = randomExIDs(supRows)
	in := filepath.Join(dir, "supplier.csv")
	must(tb, writeRows(in, []string{"exid", "level", "city"}, len(x.SupIDs), func(i int, rec []string) []string {
		return append(rec, x.SupIDs[i].String(), levels[i%4], cities[(i/4)%4])
	}))
	lj, err := jsonListing(l)
	must(tb, err)
	f, err := os.Open(in)
	must(tb, err)
	res, err := x.Sup.Supply.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "bench", Listing: lj, In: f, IDColumn: "exid"})
	f.Close()
	must(tb, err)
	if !res.Pass {
		tb.Fatalf("the gate failed: %+v", res.Table)
	}
	os.Remove(in)
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

	// The demander's list: half of it a spread of the supplier's rows,
	// half people the supplier does not hold, shuffled.
	half := min(demIDs/2, len(x.SupIDs))
	x.DemIDs = make([]exid.ExID, 0, demIDs)
	for i := range half {
		x.DemIDs = append(x.DemIDs, x.SupIDs[i*(len(x.SupIDs)/max(half, 1))])
	}
	x.DemIDs = append(x.DemIDs, randomExIDs(demIDs-half)...)
	mrand.Shuffle(len(x.DemIDs), func(i, j int) { x.DemIDs[i], x.DemIDs[j] = x.DemIDs[j], x.DemIDs[i] })
	return x
}

// writeRows writes a CSV file of n rows.
func writeRows(path string, header []string, n int, row func(i int, rec []string) []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write(header)
	rec := make([]string, 0, len(header))
	for i := range n {
		w.Write(row(i, rec[:0]))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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
	must(t, writeRows(in, []string{"exid"}, len(x.DemIDs), func(i int, rec []string) []string { return append(rec, x.DemIDs[i].String()) }))
	p, err := x.Dem.Demand.QueryFile(ctx, demand.QueryJob{OrderID: x.OrderID, In: in, Out: out, Column: "exid"})
	must(t, err)
	if p.Rows != 4000 || p.Matched != 2000 || p.Chunks != 1 {
		t.Errorf("file query: %+v", p)
	}
	held := map[exid.ExID]bool{}
	for _, id := range x.SupIDs {
		held[id] = true
	}
	want := 0
	for _, id := range x.DemIDs[:1000] {
		if held[id] {
			want++
		}
	}
	r, err := x.Dem.Demand.Query(ctx, x.OrderID, x.DemIDs[:1000])
	must(t, err)
	if r.Matched != want {
		t.Errorf("real-time query matched %d, want %d", r.Matched, want)
	}
}
