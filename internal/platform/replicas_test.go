package platform_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/keyring"
	"hulian/internal/netguard"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/platform/trading"
	"hulian/internal/pricing"
	"hulian/internal/protocol/evidence"
	"hulian/internal/rpc"
	"hulian/internal/settlement"
	"hulian/internal/storage/storagetest"
)

// TestReplicaJobs: the platform scales as stateless replicas over one
// PostgreSQL database, and every replica runs the background jobs on its
// own ticker. Here three replicas run each job at the same moment — the
// order-expiry sweep, the month's statements, a checkpoint — many times
// over: each job's effect happens exactly once (a row lock, a unique run
// record, a unique checkpoint size), with one log entry each, and the
// log verifies.
func TestReplicaJobs(t *testing.T) {
	t.Parallel()
	dsn, _, _ := storagetest.Database(t)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sealer := testSealer(t)
	e := newRelayEnv(t, db, terms{sealer: sealer, topUp: 10_000_000, price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerQuery, UnitPrice: 3}})
	toks := e.tokens(t, e.people[:30])
	for i := range 5 {
		req := fmt.Sprintf("rt-%d", i)
		if _, err := e.r.Deliver(e.demNode, e.order.ID, req, toks, e.auth(e.order.ID, req, toks), relay.Authorisations{}); err != nil {
			t.Fatal(err)
		}
	}

	// The replicas' clock stands after the order's term and after the
	// month's statements are due.
	later := e.order.Terms.Term.Ends().Add(10 * 24 * time.Hour)
	month := fmt.Sprintf("%04d-%02d", time.Now().Year(), int(time.Now().Month()))
	const replicas = 3
	xs := make([]*exchange.Exchange, replicas)
	for i := range xs {
		rdb, err := store.Open(ctx, dsn, store.Options{Now: func() time.Time { return later }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rdb.Close() })
		x := exchange.New(rdb, nil, nil)
		x.UseSealer(sealer)
		x.Statements.Now = func() time.Time { return later }
		x.Statements.Calendar = testCalendar(t)
		xs[i] = x
	}
	system := auth.WithActor(ctx, auth.System)
	var (
		mu      sync.Mutex
		expired int
		sizes   = map[int64]int{}
	)
	var wg sync.WaitGroup
	for round := range 4 {
		for i, x := range xs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := x.Market.ExpireOrders(system)
				if err != nil {
					t.Errorf("replica %d round %d: expiry: %v", i, round, err)
				}
				if _, _, err := x.Statements.Run(system, month); err != nil {
					t.Errorf("replica %d round %d: statements: %v", i, round, err)
				}
				cp, err := x.Log.Checkpoint(system)
				if err != nil {
					t.Errorf("replica %d round %d: checkpoint: %v", i, round, err)
				}
				mu.Lock()
				expired += n
				if cp != nil {
					sizes[cp.Size]++
				}
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	if expired != 1 {
		t.Errorf("the order was expired %d times across the replicas, want once", expired)
	}
	if n := len(e.entries(t, trading.KindOrderExpired)); n != 2 {
		t.Errorf("%d order.expired entries, want one under each party", n)
	}
	if n := len(e.entries(t, settlement.KindIssued)); n != 2 {
		t.Errorf("%d statement entries, want one under each party", n)
	}
	var stored []store.Checkpoint
	if err := db.Read(system, func(tx *store.Tx) (err error) { stored, err = tx.Checkpoints(system, 0, 1<<40, 1000); return err }); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, cp := range stored {
		if seen[cp.Size] {
			t.Errorf("two checkpoints of size %d", cp.Size)
		}
		seen[cp.Size] = true
	}
	t.Logf("checkpoints returned by size across %d calls: %v; stored: %d", 4*replicas, sizes, len(stored))
	checkExactCharges(t, db, demander{id: e.dem.member.ID, keys: e.demKeys, order: e.order}, 10_000_000, 5)
}

// TestReplicasKilled runs three platform processes over one PostgreSQL
// database behind a round-robin proxy, as a deployment scales out, while
// the demander's node sends real-time requests through the proxy, each
// again under its request ID until answered. Replicas are killed with
// SIGKILL at random moments mid-delivery and started again. Nothing is
// lost or doubled: every delivery has exactly one entry and one charge,
// the charges add up to the quota's decrease, and the log verifies.
func TestReplicasKilled(t *testing.T) {
	if os.Getenv(envChildDB) != "" {
		t.Skip("in the platform process")
	}
	t.Parallel()
	dsn, _, _ := storagetest.Database(t)
	kekText := keyring.NewKEKText()
	kek, err := keyring.LoadKEK(keyring.KEKSource{EnvName: "HULIAN_KEK", Env: kekText})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keyring.NewAESGCM(kek.Key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const topUp = 100_000_000
	e := newRelayEnv(t, db, terms{sealer: sealer, topUp: topUp, price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerQuery, UnitPrice: 3}})

	const replicas = 3
	var mu sync.Mutex
	children := make([]*child, replicas)
	for i := range children {
		children[i] = startChild(t, dsn, kekText)
	}
	defer func() {
		for _, c := range children {
			c.kill()
		}
	}()
	// The proxy sends each request to the next replica in turn; a replica
	// that is down answers 502 and the node sends the request again.
	var next atomic.Uint64
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			mu.Lock()
			c := children[next.Add(1)%replicas]
			mu.Unlock()
			u, _ := url.Parse(c.url)
			r.SetURL(u)
		},
		ErrorLog: log.New(io.Discard, "", 0),
	})
	defer proxy.Close()

	toks := e.tokens(t, e.people[:20])
	const workers = 4
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	done := make([]int, workers)
	var answered atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; {
				cl := rpc.NewClient(proxy.URL, rpc.WithNodeKey(e.dem.member.ID, e.demKeys.Sign), rpc.WithTimeout(5*time.Second))
				req := fmt.Sprintf("rep-%d-%d", w, i)
				res, err := cl.Delivery.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: e.order.ID, RequestId: req, Tokens: toks, Authenticator: e.auth(e.order.ID, req, toks)}))
				if err != nil {
					if ctx.Err() == nil {
						time.Sleep(20 * time.Millisecond)
					}
					continue
				}
				if _, err := evidence.OpenReceipt(res.Msg.Receipt, e.vkey); err != nil {
					t.Errorf("%s: receipt %v", req, err)
				}
				i++
				done[w] = i
				answered.Add(1)
			}
		}()
	}
	kills := 4
	if testing.Short() || raceEnabled {
		kills = 2
	}
	for k := range kills {
		from := answered.Load()
		for deadline := time.Now().Add(60 * time.Second); answered.Load() < from+5 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
		i := rand.IntN(replicas)
		mu.Lock()
		victim := children[i]
		mu.Unlock()
		victim.kill()
		t.Logf("kill %d: replica %d", k+1, i)
		restarted := startChild(t, dsn, kekText)
		mu.Lock()
		children[i] = restarted
		mu.Unlock()
	}
	from := answered.Load()
	for deadline := time.Now().Add(60 * time.Second); answered.Load() < from+10 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	wg.Wait()
	total := 0
	for _, n := range done {
		total += n
	}
	t.Logf("%d deliveries answered through %d replicas over %d kills", total, replicas, kills)
	checkExactCharges(t, db, demander{id: e.dem.member.ID, keys: e.demKeys, order: e.order}, topUp, total)
}

// BenchmarkReplicas measures real-time delivery through one and through two
// platform replicas over one PostgreSQL database, the requests spread over
// the replicas in turn, eight at a time, each of 1,000 tokens, through the
// whole HTTP path (the node's signed call, the relay, the supplier node,
// the charge and log entry). On one machine the replicas share its cores:
// the figure shows what a second replica costs, not what a second machine
// would add.
func BenchmarkReplicas(b *testing.B) {
	dsn, _, _ := storagetest.Database(b)
	kekText := keyring.NewKEKText()
	kek, err := keyring.LoadKEK(keyring.KEKSource{EnvName: "HULIAN_KEK", Env: kekText})
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := keyring.NewAESGCM(kek.Key)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	e := newRelayEnv(b, db, terms{sealer: sealer, topUp: 1 << 50, price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 1}})
	toks := e.tokens(b, e.people)
	var urls []string
	for range 2 {
		m, err := server.Open(ctx, server.Config{Listen: "127.0.0.1:0", DB: dsn, KEKEnv: kekText, AllowEndpoints: netguard.Loopback,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() { m.Run(ctx); close(done) }()
		b.Cleanup(func() { cancel(); <-done; m.Close() })
		urls = append(urls, m.URL())
	}
	var seq atomic.Int64
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			clients := make([]*rpc.Client, n)
			for i := range clients {
				clients[i] = rpc.NewClient(urls[i], rpc.WithNodeKey(e.dem.member.ID, e.demKeys.Sign), rpc.WithTimeout(30*time.Second))
			}
			b.SetParallelism(4) // 8 at a time on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					req := fmt.Sprintf("bench-%d", i)
					cl := clients[int(i)%n]
					if _, err := cl.Delivery.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: e.order.ID, RequestId: req, Tokens: toks, Authenticator: e.auth(e.order.ID, req, toks)})); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(len(toks)/16*b.N)/b.Elapsed().Seconds(), "IDs/s")
		})
	}
}
