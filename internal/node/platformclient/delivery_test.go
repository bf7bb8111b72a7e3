package platformclient_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/market"
	"hulian/internal/member"
	"hulian/internal/node"
	"hulian/internal/node/demand"
	"hulian/internal/node/platformclient"
	nodeserver "hulian/internal/node/server"
	"hulian/internal/node/supply"
	"hulian/internal/platform"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/relay"
	pserver "hulian/internal/platform/server"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/storage/storagetest"
)

// deliveryPerson is supplier row i's exID.
func deliveryPerson(i int) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], 0xfeed)
	binary.BigEndian.PutUint64(out[8:], uint64(i))
	return exid.FromOutput(1, out[:])
}

var (
	e2eLevels = []string{"A", "B"}
	e2eCities = []string{"上海", "北京"}
)

// TestDeliveryWithPlatform runs delivery against the real platform: two
// nodes onboarded with their keys, the supplier's dataset behind a listing
// that passed review, an active order; a real-time query and a file query
// in chunks go through the platform's relay to the supplier node's
// AnswerService, the receipts verify with the key both nodes pinned, and
// the demander's destruction is recorded on the platform.
func TestDeliveryWithPlatform(t *testing.T) {
	t.Parallel()
	w := newDeliveryWorld(t, "sqlite")
	ctx, pm, opCtx, sup, dem, o, dir := context.Background(), w.pm, w.opCtx, w.sup, w.dem, w.order, w.dir
	const rows = deliveryRows
	// Real time: the values of the people asked, in the order's columns.
	ids := []exid.ExID{deliveryPerson(3), deliveryPerson(rows + 5), deliveryPerson(10)}
	q, err := dem.m.Demand.Query(ctx, o.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{e2eLevels[1], e2eCities[1]}, nil, {e2eLevels[0], e2eCities[1]}}
	if !slices.Equal(q.Columns, []string{"level", "city"}) || !slices.EqualFunc(q.Values, want, slices.Equal) || q.Receipt.Supplier != sup.id || q.ChargeFen != 2 {
		t.Fatalf("query: columns %v values %v receipt %+v", q.Columns, q.Values, q.Receipt)
	}
	vs, _ := sup.m.Node.VerifierKey(ctx)
	vd, _ := dem.m.Node.VerifierKey(ctx)
	if vs == "" || vs != vd {
		t.Errorf("pinned keys: supplier %q demander %q", vs, vd)
	}

	// A file in chunks of 700 (the listing allows 1,000 per request).
	var in strings.Builder
	in.WriteString("exid\n")
	for i := range 2500 {
		fmt.Fprintf(&in, "%s\n", deliveryPerson(i*2))
	}
	inPath, outPath := filepath.Join(dir, "ids.csv"), filepath.Join(dir, "results.csv")
	os.WriteFile(inPath, []byte(in.String()), 0o600)
	prog, err := dem.m.Demand.QueryFile(ctx, demand.QueryJob{OrderID: o.ID, In: inPath, Out: outPath, Chunk: 700})
	if err != nil {
		t.Fatal(err)
	}
	if prog.Rows != 2500 || prog.Chunks != 4 || prog.Matched != 2000 || prog.ChargeFen != 2000 {
		t.Errorf("file query: %+v", prog)
	}
	got, _ := os.ReadFile(outPath)
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 2501 || lines[0] != "exid,matched,level,city" || lines[1] != deliveryPerson(0).String()+",1,A,上海" || lines[2500] != deliveryPerson(4998).String()+",0,," {
		t.Errorf("results: %d lines, %q … %q", len(lines), lines[:2], lines[len(lines)-1])
	}

	// Destroyed on request: the file goes, the platform records it.
	s, err := dem.m.Demand.DestroyDeliveries(ctx, o.ID)
	if err != nil || s.Destroyed != 5 || s.FilesDeleted != 1 || s.Attested != 5 {
		t.Fatalf("destroy: %+v %v", s, err)
	}
	recorded, err := pm.Relay.Deliveries(opCtx, relay.DeliveryQuery{OrderID: o.ID})
	if err != nil || len(recorded) != 5 {
		t.Fatalf("platform deliveries: %d %v", len(recorded), err)
	}
	for _, r := range recorded {
		if r.DestroyedAt.IsZero() {
			t.Errorf("platform: delivery %s not destroyed", r.RequestID)
		}
	}
	// A supplier node that is down: a clear error and nothing charged.
	before := len(recorded)
	sup.stop()
	if _, err := dem.m.Demand.Query(ctx, o.ID, ids); !errs.Is(err, errs.Unavailable) {
		t.Errorf("supplier down: %v", err)
	}
	if after, _ := pm.Relay.Deliveries(opCtx, relay.DeliveryQuery{OrderID: o.ID}); len(after) != before {
		t.Errorf("a delivery was recorded while the supplier was down")
	}
}

// side is a member with its running node.
type side struct {
	m    *nodeserver.Main
	ctx  context.Context
	id   string
	kek  string
	dsn  string
	name string
	stop func()
}

// deliveryWorld is a platform with a supplier and a demander onboarded,
// the supplier's dataset "spend" of deliveryRows people listed, and an
// active batch order between them, paid for.
type deliveryWorld struct {
	pm       *pserver.Main
	p        *exchange.Exchange
	opCtx    context.Context
	sup, dem *side
	listing  *catalog.Listing
	order    *market.Order
	dir      string
}

const deliveryRows = 4000 // k = 1000 per value

func newDeliveryWorld(t *testing.T, eng string) *deliveryWorld {
	t.Helper()
	ctx := context.Background()
	pm := startPlatform(t, eng)
	p := pm.Exchange
	op, err := p.CreateStaff(ctx, auth.RoleOperator, storetest.Name("op"), "运营员", "correct horse battery staple", true)
	if err != nil {
		t.Fatal(err)
	}
	opCtx := auth.WithActor(ctx, op.Actor())
	dir := t.TempDir()

	seed := int(time.Now().UnixNano() % 1e8)
	onboard := func(n int, name string, supplier bool) *side {
		m, acct, err := p.Apply(ctx, platform.Application{
			Application: member.Application{Name: "配送测试公司" + name, USCC: storetest.USCC(seed + n), Industry: "I64", ContactName: "李四",
				ContactPhone: "021-12345678", ContactEmail: "ops@example.cn", StorageRegion: "CN-SH", Supplier: supplier, Demander: !supplier},
			Login: storetest.Name(name), DisplayName: "李四", Password: "correct horse battery staple",
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Review(opCtx, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		mctx := auth.WithActor(ctx, acct.Actor())
		if _, err := p.SignAgreement(mctx, m.ID, p.Agreement); err != nil {
			t.Fatal(err)
		}
		token, _, err := p.CreateToken(mctx, "node", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
		if err != nil {
			t.Fatal(err)
		}
		s := &side{ctx: mctx, id: m.ID, kek: keyring.NewKEKText(), dsn: "sqlite://" + filepath.Join(dir, name+".db"), name: name}
		if eng != "sqlite" {
			s.dsn = storagetest.DSN(t, eng)
		}
		cfg := nodeserver.Config{Listen: "127.0.0.1:0", MaintainEvery: time.Hour, Node: node.Config{DB: s.dsn, KEKEnv: s.kek, MemberID: m.ID,
			PlatformURL: pm.URL(), Region: "CN-SH", NewPlatform: platformclient.New}}
		first, err := node.Open(ctx, cfg.Node)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.RegisterKeys(ctx, token); err != nil {
			t.Fatal(err)
		}
		first.Close()
		// Started, the node integrates (step 4) and registers its endpoint.
		s.m, err = nodeserver.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- s.m.Run(rctx) }()
		var once sync.Once
		s.stop = func() {
			once.Do(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("%s node: %v", name, err)
				}
				s.m.Close()
			})
		}
		t.Cleanup(s.stop)
		<-s.m.EndpointTried()
		if u, err := s.m.Node.PublicURL(ctx); err != nil || u != s.m.URL() {
			t.Fatalf("%s endpoint %q %v", name, u, err)
		}
		return s
	}
	sup, dem := onboard(1, "supplier", true), onboard(2, "demander", false)

	l, err := p.Listings.CreateListing(sup.ctx, &catalog.Listing{
		Kind: catalog.Dataset, Title: "配送测试数据集", Subject: catalog.SubjectPerson, IDType: ident.Mobile,
		Tags: []catalog.Tag{
			{Key: "level", Name: "等级", Category: "behaviour.consumption", Description: "消费等级", ValueType: catalog.ValueSingle, Values: e2eLevels, Column: "lvl"},
			{Key: "city", Name: "城市", Category: "behaviour.location", Description: "常住城市", ValueType: catalog.ValueSingle, Values: e2eCities, Column: "city"},
		},
		Limit: catalog.Limit{Description: "测试", Keywords: []string{"测试"}, Language: "zh", SourceIndustry: "I64", Processing: "direct",
			Traversal: catalog.Traversal{IDsPerRequest: 1000, IDsPerDay: 1 << 40, RequestsPerMinute: 1 << 30}, DataSource: "accumulated"},
		Term:  catalog.Term{UpdateFrequency: "monthly", StatisticsPeriod: "近 12 个月", RetentionDays: 30},
		Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	const rows = deliveryRows
	var data strings.Builder
	data.WriteString("exid,lvl,city\n")
	for i := range rows {
		fmt.Fprintf(&data, "%s,%s,%s\n", deliveryPerson(i), e2eLevels[i%2], e2eCities[(i/2)%2])
	}
	lj, _ := json.Marshal(l)
	res, err := sup.m.Supply.ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "spend", Listing: bytes.NewReader(lj), In: strings.NewReader(data.String()), IDColumn: "exid"})
	if err != nil || !res.Pass {
		t.Fatalf("import: %+v %v", res, err)
	}
	ds, err := sup.m.Supply.Dataset(ctx, "spend")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []func() error{
		func() error { _, err := p.Listings.SubmitListing(sup.ctx, l.ID, ds.Report); return err },
		func() error { _, err := p.Listings.StartReview(opCtx, l.ID); return err },
		func() error { _, err := p.Listings.DecideListing(opCtx, l.ID, true, ""); return err },
		func() error { _, err := p.Listings.PublishListing(sup.ctx, l.ID); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	today := calendar.DateOf(time.Now())
	d, err := p.Market.PublishDemand(dem.ctx, &market.Demand{Title: "测试", Purpose: "集成测试", Scope: "测试数据", Method: market.Method("batch"), Scenario: "测试",
		Term: market.Term{Start: today, End: today.AddDays(30)}, Categories: []string{"behaviour"}, EnterpriseNature: "private", MonthlyVolume: 1000, HitRateBP: 5000})
	if err != nil {
		t.Fatal(err)
	}
	of, err := p.Market.MakeOffer(sup.ctx, d.ID, &market.Offer{ListingID: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	o, err := p.Market.SelectOffer(dem.ctx, of.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Market.SignConfirmation(dem.ctx, o.ID, market.DemandSide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if o, err = p.Market.SignConfirmation(sup.ctx, o.ID, market.SupplySide, o.TermsHash); err != nil || o.Status != market.Active {
		t.Fatalf("order %v %v", o.Status, err)
	}
	if _, err := p.TopUp(opCtx, dem.id, 1_000_000, "e2e-"+o.ID, ""); err != nil {
		t.Fatal(err)
	}

	return &deliveryWorld{pm: pm, p: p, opCtx: opCtx, sup: sup, dem: dem, listing: l, order: o, dir: dir}
}

// TestPrepareOrders: the supplier's node builds the token index of its
// active order before the order's first request, from the demander's key
// the platform gives and the log proves; a second pass finds it ready, a
// request answers from it, and the demander's node has nothing to prepare.
func TestPrepareOrders(t *testing.T) {
	t.Parallel()
	w := newDeliveryWorld(t, "sqlite")
	ctx := context.Background()
	p, err := w.sup.m.Supply.PrepareOrders(ctx)
	if err != nil || p.Built != 1 || p.Ready != 0 {
		t.Fatalf("first pass: %+v %v", p, err)
	}
	if p, err = w.sup.m.Supply.PrepareOrders(ctx); err != nil || p.Built != 0 || p.Ready != 1 {
		t.Fatalf("second pass: %+v %v", p, err)
	}
	q, err := w.dem.m.Demand.Query(ctx, w.order.ID, []exid.ExID{deliveryPerson(3)})
	if err != nil || len(q.Values) != 1 || q.Values[0] == nil {
		t.Fatalf("a query after preparing: %+v %v", q, err)
	}
	if p, err = w.sup.m.Supply.PrepareOrders(ctx); err != nil || p.Ready != 1 || p.Built != 0 {
		t.Fatalf("after the query: %+v %v", p, err)
	}
	if p, err = w.dem.m.Supply.PrepareOrders(ctx); err != nil || p != (supply.Prepared{}) {
		t.Fatalf("the demander's node: %+v %v", p, err)
	}
}
