package e2e

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"hulian/internal/market"
	"hulian/internal/node/demand"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
)

// Benchmarks of delivery end to end on this machine: a platform and two
// member nodes, each with its SQLite file, talking HTTP on 127.0.0.1.
//
//	go test ./internal/e2e -run XXX -bench Realtime -benchtime 2000x
//	go test ./internal/e2e -run XXX -bench Batch -benchtime 3x
//	HULIAN_BENCH_FULL=1 go test ./internal/e2e -run XXX -bench Batch -benchtime 2x -timeout 60m
//
// HULIAN_BENCH_FULL=1 sizes the batch as the target does (10
// million rows and IDs; 1 million without it) and gives the real-time
// supplier 1 million rows (200,000 without it). HULIAN_BENCH_BATCH=n sets
// the batch's size to n rows and IDs outright.

func full() bool { return os.Getenv("HULIAN_BENCH_FULL") == "1" }

// fixtures are kept across a benchmark's calls (one per b.N) and closed
// by TestMain.
var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*exchange{}
	envs       []*fixtureEnv
)

func cachedExchange(b *testing.B, key string, supRows, demIDs int, method market.Method) *exchange {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if x, ok := fixtures[key]; ok {
		return x
	}
	e := newFixtureEnv(b)
	envs = append(envs, e)
	start := time.Now()
	x := newExchange(e, supRows, demIDs, method)
	b.Logf("fixture %s: %d supplier rows, %d demander IDs, ready in %s", key, supRows, demIDs, time.Since(start).Round(time.Millisecond))
	fixtures[key] = x
	return x
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, e := range envs {
		e.close()
	}
	os.Exit(code)
}

// clients is the number of concurrent demander clients:
// HULIAN_BENCH_CLIENTS, 8 by default.
func clients() int {
	if n, err := strconv.Atoi(os.Getenv("HULIAN_BENCH_CLIENTS")); err == nil && n > 0 {
		return n
	}
	return 8
}

// BenchmarkRealtime: real-time requests of 1,000 tokens from concurrent
// clients through the relay (demander node → platform → supplier node →
// platform → demander node, each request metered, charged, logged and
// receipted), then, in the same run, the supplier node's answer to the
// same requests without the relay (token index probe, HPKE sealing and
// the answer's signature, called in process): the relay's overhead is the
// ratio of their throughputs. b.N is the number of requests.
func BenchmarkRealtime(b *testing.B) {
	rows := 200_000
	if full() {
		rows = 1_000_000
	}
	x := cachedExchange(b, "realtime", rows, 200_000, market.Realtime)
	ctx := context.Background()
	const per = 1000
	ids := x.People.DemList(0, x.People.DemIDs)
	reqs := len(ids) / per
	batch := func(i int) []exid.ExID { i %= reqs; return ids[i*per : (i+1)*per] }
	// The first request builds the supplier's token index for the order.
	if _, err := x.Dem.Demand.Query(ctx, x.OrderID, batch(0)); err != nil {
		b.Fatal(err)
	}

	relay := measure(b, b.N, func(i int) error {
		_, err := x.Dem.Demand.Query(ctx, x.OrderID, batch(i))
		return err
	})

	// The same requests answered directly by the supplier's node.
	peer, err := ecdh.X25519().NewPublicKey(x.Sup.Node.Public().X25519)
	if err != nil {
		b.Fatal(err)
	}
	k, err := ordertoken.Derive(x.Dem.Node.Keys.X25519, peer, x.OrderID)
	if err != nil {
		b.Fatal(err)
	}
	wire := make([][]byte, reqs)
	for i := range wire {
		toks := make([]ordertoken.Token, per)
		k.Tokens(batch(i), toks)
		wire[i] = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(toks))), per*ordertoken.TokenSize)
	}
	demX := x.Dem.Node.Public().X25519
	supID := x.Sup.Node.MemberID()
	// The supplier checks the demander's key against its logged
	// registration, and the request's authenticator under the order key,
	// as for a relayed request.
	dp, err := x.Sup.Node.Delivery()
	if err != nil {
		b.Fatal(err)
	}
	supPeer, err := dp.OrderPeer(ctx, x.OrderID)
	if err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	direct := measure(b, b.N, func(i int) error {
		id := "direct-" + strconv.FormatInt(seq.Add(1), 10)
		nonce := make([]byte, 16)
		rand.Read(nonce)
		_, err := x.Sup.Supply.Answer(ctx, &evidence.Relay{OrderID: x.OrderID, RequestID: id, Supplier: supID, Nonce: base64.RawURLEncoding.EncodeToString(nonce), At: time.Now()},
			&supply.AnswerRequest{OrderID: x.OrderID, RequestID: id, ListingID: x.Listing, DemanderMember: x.Dem.Node.MemberID(), DemanderX25519: demX,
				Columns: []string{"level", "city"}, Tokens: wire[i%reqs], DemanderKeyReceipt: supPeer.PeerKeyReceipt,
				Authenticator: func() []byte { a := k.Authenticator(id, evidence.HashOf(wire[i%reqs])); return a[:] }()})
		return err
	})
	b.ReportMetric(relay.idsPerSec(per), "IDs/s")
	b.ReportMetric(relay.p(0.99), "p99_ms")
	b.ReportMetric(relay.p(0.50), "p50_ms")
	b.ReportMetric(direct.idsPerSec(per), "direct_IDs/s")
	b.ReportMetric(direct.p(0.99), "direct_p99_ms")
	b.ReportMetric(direct.idsPerSec(per)/relay.idsPerSec(per), "relay_overhead_x")
	b.ReportMetric(float64(clients()), "clients")
}

// series is a measured series of requests: wall time and each latency.
type series struct {
	n         int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r series) idsPerSec(per int) float64 { return float64(r.n*per) / r.elapsed.Seconds() }

// p returns the q-quantile of the latencies in milliseconds.
func (r series) p(q float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	l := slices.Clone(r.latencies)
	slices.Sort(l)
	return float64(l[min(len(l)-1, int(q*float64(len(l))))].Microseconds()) / 1000
}

// measure runs n calls of fn over clients() goroutines with the
// benchmark timer on.
func measure(b *testing.B, n int, fn func(i int) error) series {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				t := time.Now()
				if err := fn(i); err != nil {
					failed.Store(&err)
					return
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	return series{n: n, elapsed: elapsed, latencies: lat}
}

// BenchmarkBatch: the demander's file of N exIDs → tokens → the platform's
// relay in chunks → the supplier's index of N rows → sealed results →
// the demander's results file, with N = 1 million (10 million with
// HULIAN_BENCH_FULL=1). The first run includes building the supplier's
// token index for the order (reported as cold_s), unless it was prepared
// (HULIAN_BENCH_PREPARE=1); later runs reuse it.
func BenchmarkBatch(b *testing.B) {
	n := 1_000_000
	if full() {
		n = 10_000_000
	}
	if v, err := strconv.Atoi(os.Getenv("HULIAN_BENCH_BATCH")); err == nil && v > 0 {
		n = v
	}
	x := cachedExchange(b, "batch", n, n, market.Batch)
	in := filepath.Join(x.Dir, "batch-in.csv")
	if _, err := os.Stat(in); err != nil {
		must(b, x.writeDemList(in, n))
	}
	ctx := context.Background()
	// HULIAN_BENCH_PREPARE=1 first does what the supplier's node does
	// within a maintenance period of an order's activation: build the
	// order's token index ahead of its first request. cold_s then measures
	// a first batch that finds it built.
	if os.Getenv("HULIAN_BENCH_PREPARE") == "1" && batchCold.Load() == 0 {
		p, err := x.Sup.Supply.PrepareOrders(ctx)
		if err != nil || p.Built+p.Ready != 1 {
			b.Fatalf("prepare: %+v %v", p, err)
		}
	}
	// The peak resident memory of the runs, not of the fixture's import.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	var total time.Duration
	stop := profileRuns(b)
	defer stop()
	b.ResetTimer()
	for i := range b.N {
		out := filepath.Join(filepath.Dir(in), "batch-out-"+strconv.Itoa(i)+".csv")
		start := time.Now()
		p, err := x.Dem.Demand.QueryFile(ctx, demand.QueryJob{OrderID: x.OrderID, In: in, Out: out, Column: "exid"})
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if int(p.Rows) != n || int(p.Matched) != n/2 {
			b.Fatalf("%d rows, %d matched; want %d, %d", p.Rows, p.Matched, n, n/2)
		}
		if batchCold.Load() == 0 {
			batchCold.Store(int64(took))
		}
		total += took
		b.StopTimer()
		os.Remove(out)
		b.StartTimer()
	}
	b.StopTimer()
	mean := total / time.Duration(b.N)
	b.ReportMetric(mean.Seconds(), "s")
	b.ReportMetric(float64(n)/mean.Seconds(), "IDs/s")
	b.ReportMetric(time.Duration(batchCold.Load()).Seconds(), "cold_s")
	b.ReportMetric(peakRSS(), "peak_RSS_GB")
}

// resetPeakRSS starts the process's peak resident memory (VmHWM) afresh
// (Linux's clear_refs; elsewhere peakRSS reads 0).
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is the process's peak resident memory in GB since the last
// resetPeakRSS: the platform's, both nodes' and the fixture's together.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if kb, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 64)
			return n / (1 << 20)
		}
	}
	return 0
}

// batchCold is the first batch run's time, which built the supplier's
// token index for the order; the testing package may have run it in an
// earlier call of the benchmark.
var batchCold atomic.Int64

// profileRuns profiles the runs alone, without the fixture's setup:
// HULIAN_BENCH_CPUPROFILE names the CPU profile's file and
// HULIAN_BENCH_TRACE the execution trace's, each overwritten by the
// benchmark's last call.
func profileRuns(b *testing.B) (stop func()) {
	var stops []func()
	if path := os.Getenv("HULIAN_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		must(b, err)
		must(b, pprof.StartCPUProfile(f))
		stops = append(stops, func() { pprof.StopCPUProfile(); f.Close() })
	}
	if path := os.Getenv("HULIAN_BENCH_TRACE"); path != "" {
		f, err := os.Create(path)
		must(b, err)
		must(b, trace.Start(f))
		stops = append(stops, func() { trace.Stop(); f.Close() })
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}
