package platform_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/market"
	"hulian/internal/netguard"
	"hulian/internal/node/suppliertest"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/rpc"
	"hulian/internal/storage/storagetest"
)

// TestDeliveriesThroughDatabaseFaults runs two platform replicas on one
// PostgreSQL database behind a proxy that injects faults, while the
// demander's node sends a batch of 60 chunks and, alongside, real-time
// requests, each sent again under its request ID until it is answered (as
// the node does). In turn: every connection is cut; new connections are
// refused for a while; all traffic is delayed; the database turns
// read-only (a former standby after a failover) and writable again. Every
// failed attempt must be "unavailable", never refused or internal; the jobs
// finish by themselves; and afterwards the quota deducted equals the
// deliveries charged equals the log's amounts, no request is charged twice
// or delivered uncharged, and the whole log verifies.
func TestDeliveriesThroughDatabaseFaults(t *testing.T) {
	t.Parallel()
	dsn, admin, name := storagetest.Database(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := storagetest.NewProxy(t, u.Host)

	kekText := keyring.NewKEKText()
	kek, err := keyring.LoadKEK(keyring.KEKSource{EnvName: "HULIAN_KEK", Env: kekText})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := keyring.NewAESGCM(kek.Key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const topUp = 100_000_000
	e := newRelayEnv(t, db, terms{sealer: sealer, topUp: topUp, price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerQuery, UnitPrice: 3}})
	first := demander{id: e.dem.member.ID, keys: e.demKeys, order: e.order}
	second := e.secondDemander(t, 503, topUp)

	var urls []string
	for range 2 {
		m, err := server.Open(ctx, server.Config{Listen: "127.0.0.1:0", DB: proxy.DSN(t, dsn), KEKEnv: kekText, AllowEndpoints: netguard.Loopback,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { m.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done; m.Close() })
		urls = append(urls, m.URL())
	}

	var (
		mu       sync.Mutex
		failures = map[string]int{} // kind of each failed attempt
		bad      []string
	)
	// deliver sends one request until it is answered, alternating
	// replicas, as the demander's node does.
	deliver := func(d demander, requestID string, toks []byte) bool {
		for attempt := 0; ctx.Err() == nil; attempt++ {
			cl := rpc.NewClient(urls[attempt%2], rpc.WithNodeKey(d.id, d.keys.Sign), rpc.WithTimeout(20*time.Second))
			res, err := cl.Delivery.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: d.order.ID, RequestId: requestID, Tokens: toks, Authenticator: d.auth(e, requestID, toks)}))
			if err == nil {
				if _, err := evidence.OpenReceipt(res.Msg.Receipt, e.vkey); err != nil {
					t.Errorf("%s: receipt %v", requestID, err)
				}
				return true
			}
			err = rpc.FromConnect(err)
			mu.Lock()
			failures[errs.KindOf(err).String()]++
			if msg := errs.Message(err, i18n.ZH); errs.Is(err, errs.Unavailable) && !strings.Contains(msg, "重试") && len(bad) < 10 {
				bad = append(bad, fmt.Sprintf("%s: the message does not say to retry: %s", requestID, msg))
			}
			if !errs.Is(err, errs.Unavailable) && len(bad) < 10 {
				bad = append(bad, fmt.Sprintf("%s: %v (%v)", requestID, err, errs.KindOf(err)))
			}
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
		return false
	}

	const chunks = 60
	var chunksDone atomic.Int64
	batchDone := make(chan struct{})
	go func() {
		defer close(batchDone)
		for i := range chunks {
			people := e.people[(i*10)%900:][:100]
			if !deliver(first, fmt.Sprintf("batch-%03d", i), first.tokens(t, e, people)) {
				return
			}
			chunksDone.Add(1)
		}
	}()
	var wg sync.WaitGroup
	var realtime [2]atomic.Int64 // by demander
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := []demander{first, second}[w%2]
			toks := d.tokens(t, e, e.people[w*20:][:20])
			for i := 0; ; i++ {
				select {
				case <-batchDone:
					return
				default:
				}
				if deliver(d, fmt.Sprintf("rt-%d-%d", w, i), toks) {
					realtime[w%2].Add(1)
				}
			}
		}()
	}

	after := func(n int64) {
		for deadline := time.Now().Add(2 * time.Minute); chunksDone.Load() < n && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
	}
	terminate := func() {
		if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
			t.Error(err)
		}
	}
	after(5)
	t.Log("fault: every connection cut")
	proxy.Cut()
	after(15)
	t.Log("fault: connections refused for 4 s, longer than a transaction retries")
	proxy.Refuse(true)
	proxy.Cut()
	time.Sleep(4 * time.Second)
	proxy.Refuse(false)
	after(25)
	t.Log("fault: traffic delayed 100 ms a chunk for 1.5 s")
	proxy.Delay(100 * time.Millisecond)
	time.Sleep(1500 * time.Millisecond)
	proxy.Delay(0)
	after(35)
	t.Log("fault: the database read-only for 4 s")
	if _, err := admin.Exec("ALTER DATABASE " + name + " SET default_transaction_read_only = on"); err != nil {
		t.Fatal(err)
	}
	terminate()
	time.Sleep(4 * time.Second)
	if _, err := admin.Exec("ALTER DATABASE " + name + " SET default_transaction_read_only = off"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-batchDone:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the batch did not finish by itself: %d of %d chunks", chunksDone.Load(), chunks)
	}
	wg.Wait()
	if chunksDone.Load() != chunks {
		t.Fatalf("%d of %d chunks delivered", chunksDone.Load(), chunks)
	}
	mu.Lock()
	t.Logf("%d chunks and %d + %d real-time requests from two demanders delivered; failed attempts by kind: %v", chunks, realtime[0].Load(), realtime[1].Load(), failures)
	for _, b := range bad {
		t.Errorf("a fault answered other than unavailable: %s", b)
	}
	if failures[errs.Unavailable.String()] == 0 {
		t.Error("no attempt failed: the faults were not felt")
	}
	mu.Unlock()
	checkExactCharges(t, db, first, topUp, chunks+int(realtime[0].Load()))
	checkExactCharges(t, db, second, topUp, int(realtime[1].Load()))
}

// checkExactCharges checks what no fault may break: every delivery has
// exactly one delivery.completed entry and one quota deduction of its
// charge, the deductions add up to the account's decrease and to the
// charges in the log's entries, and the whole
// log verifies. want is how many deliveries were answered (at least that
// many are recorded: one may commit after its caller gave up).
func checkExactCharges(t *testing.T, db *store.DB, dem demander, topUp int64, want int) {
	t.Helper()
	staff := auth.WithActor(context.Background(), auth.System)
	err := db.Read(staff, func(tx *store.Tx) error {
		ds, err := tx.Deliveries(staff, store.DeliveryQuery{OrderID: dem.order.ID, Limit: 1000})
		if err != nil {
			return err
		}
		if len(ds) == 1000 {
			t.Fatal("more deliveries than one page: the check would miss some")
		}
		if len(ds) < want || want == 0 {
			t.Errorf("%d deliveries recorded, %d answered", len(ds), want)
		}
		var entries []bizlog.Entry
		for from := int64(0); ; {
			page, err := tx.LogEntries(staff, store.LogFilter{Member: dem.id, Kind: relay.KindDeliveryCompleted, From: from, Limit: 1000})
			if err != nil {
				return err
			}
			entries = append(entries, page...)
			if len(page) < 1000 {
				break
			}
			from = page[len(page)-1].Seq + 1
		}
		perRequest := map[string]int{}
		var logged int64
		for _, en := range entries {
			var p struct {
				RequestID string `json:"request_id"`
				ChargeFen int64  `json:"charge_fen"`
			}
			if err := json.Unmarshal(en.Payload, &p); err != nil || p.RequestID == "" {
				t.Errorf("entry %d: %s %v", en.Seq, en.Payload, err)
			}
			perRequest[p.RequestID]++
			logged += p.ChargeFen
		}
		moves, err := tx.Movements(staff, dem.id, time.Time{}, 100_000)
		if err != nil {
			return err
		}
		var deducted []int64
		var sumDeducted int64
		for _, m := range moves {
			if m.Kind == store.MovementDeduct {
				deducted = append(deducted, m.AmountFen)
				sumDeducted += m.AmountFen
			}
		}
		var charges []int64
		var charged int64
		for _, d := range ds {
			if perRequest[d.RequestID] != 1 {
				t.Errorf("%s has %d delivery.completed entries", d.RequestID, perRequest[d.RequestID])
			}
			charges = append(charges, d.ChargeFen)
			charged += d.ChargeFen
		}
		slices.Sort(deducted)
		slices.Sort(charges)
		if len(entries) != len(ds) || !slices.Equal(deducted, charges) {
			t.Errorf("%d deliveries, %d entries; deductions and charges differ: %d and %d of them", len(ds), len(entries), len(deducted), len(charges))
		}
		acct, err := tx.QuotaAccount(staff, dem.id, false)
		if err != nil {
			return err
		}
		if charged != sumDeducted || logged != charged || acct.BalanceFen != topUp-charged || acct.DeductedFen != charged {
			t.Errorf("charged %d, deducted %d, logged %d, balance %d (from %d)", charged, sumDeducted, logged, acct.BalanceFen, topUp)
		}
		t.Logf("%s: %d deliveries, %d fen, all charged once", dem.id, len(ds), charged)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := db.VerifyLog(staff, store.VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Errorf("log verification: %+v %v", rep, err)
	}
}

// demander is a demander's node as the fault test drives it: its member,
// keys and active order with the relay environment's supplier.
type demander struct {
	id    string
	keys  suppliertest.Keys
	order *market.Order
}

// tokens and auth are the node's tokens for people and its authenticator
// of a request.
func (d demander) tokens(t testing.TB, e *relayEnv, people []exid.ExID) []byte {
	t.Helper()
	b, err := suppliertest.Tokens(d.keys.X25519, e.supKeys.X25519.PublicKey(), d.order.ID, people)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (d demander) auth(e *relayEnv, requestID string, tokens []byte) []byte {
	return suppliertest.Authenticator(d.keys.X25519, e.supKeys.X25519.PublicKey(), d.order.ID, requestID, tokens)
}

// secondDemander onboards another demander with its own active order for
// the environment's listing and tops its quota up.
func (e *relayEnv) secondDemander(t *testing.T, n int, topUp int64) demander {
	t.Helper()
	keys := suppliertest.NewKeys()
	dem := onboardKeys(t, e.p, e.op, n, false, true, keys)
	d, err := e.p.Market.PublishDemand(dem.ctx, demand())
	if err != nil {
		t.Fatal(err)
	}
	of, err := e.p.Market.MakeOffer(e.sup.ctx, d.ID, &market.Offer{ListingID: e.listing.ID})
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.p.Market.SelectOffer(dem.ctx, of.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Market.SignConfirmation(dem.ctx, o.ID, market.DemandSide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if o, err = e.p.Market.SignConfirmation(e.sup.ctx, o.ID, market.SupplySide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.TopUp(e.op, dem.member.ID, topUp, fmt.Sprintf("pay-%d", n), ""); err != nil {
		t.Fatal(err)
	}
	return demander{id: dem.member.ID, keys: keys, order: o}
}
