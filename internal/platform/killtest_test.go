package platform_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/keyring"
	"hulian/internal/netguard"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/protocol/evidence"
	"hulian/internal/rpc"
)

const (
	envChildDB  = "HULIAN_RELAY_KILL_DB"
	envChildKEK = "HULIAN_RELAY_KILL_KEK"
)

// TestRelayKillChild is the platform process of TestRelayKill: it serves
// the database it is given until it is killed. It does nothing in a normal
// run.
func TestRelayKillChild(t *testing.T) {
	dsn := os.Getenv(envChildDB)
	if dsn == "" {
		t.Skip("the platform process of TestRelayKill")
	}
	m, err := server.Open(context.Background(), server.Config{Listen: "127.0.0.1:0", DB: dsn, KEKEnv: os.Getenv(envChildKEK), AllowEndpoints: netguard.Loopback})
	if err != nil {
		fmt.Println("FAILED", err)
		os.Exit(1)
	}
	fmt.Println("LISTEN", m.URL())
	m.Run(context.Background()) // until SIGKILL
}

// child is a running platform process.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, dsn, kek string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRelayKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChildDB+"="+dsn, envChildKEK+"="+kek)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "LISTEN ") || strings.HasPrefix(l, "FAILED ") {
				lines <- l
			}
		}
		close(lines)
	}()
	select {
	case l, ok := <-lines:
		if !ok || !strings.HasPrefix(l, "LISTEN ") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("platform process did not start: %q", l)
		}
		return &child{cmd: cmd, url: strings.TrimPrefix(l, "LISTEN ")}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("platform process did not start in time")
	}
	return nil
}

func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// TestRelayKill runs the platform as a separate process on each engine
// (a SQLite file, a PostgreSQL database), fires deliveries at it and kills it with SIGKILL at random moments. The
// demander's node retries each request ID until it is answered. At the
// end every delivery has exactly one delivery.completed entry and one
// quota movement of its charge, the charges add up to the quota's
// decrease, and the whole log verifies: a charge never lands without its
// entry, nor an entry without its charge.
func TestRelayKill(t *testing.T) {
	if os.Getenv(envChildDB) != "" {
		t.Skip("in the platform process")
	}
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) { relayKill(t, storetest.DSN(t, eng)) })
	}
}

func relayKill(t *testing.T, dsn string) {
	kills := 5
	if testing.Short() || raceEnabled {
		kills = 3
	}
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
	const topUp = 100_000_000
	e := newRelayEnv(t, db, terms{sealer: sealer, topUp: topUp, price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerQuery, UnitPrice: 3}})
	db.Close()

	toks := e.tokens(t, e.people[:20])
	c := startChild(t, dsn, kekText)
	var mu sync.Mutex
	url := c.url
	current := func() string { mu.Lock(); defer mu.Unlock(); return url }

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
				cl := rpc.NewClient(current(), rpc.WithNodeKey(e.dem.member.ID, e.demKeys.Sign), rpc.WithTimeout(5*time.Second))
				req := fmt.Sprintf("kill-%d-%d", w, i)
				res, err := cl.Delivery.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: e.order.ID, RequestId: req, Tokens: toks, Authenticator: e.auth(e.order.ID, req, toks)}))
				if err != nil {
					if ctx.Err() == nil {
						time.Sleep(20 * time.Millisecond) // the platform is down or restarting: retry the same request ID
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
	for k := range kills {
		// Kill at a random moment once this process has answered at least
		// once: a slow start (under the race detector, on a busy machine)
		// must not turn the test into a series of kills during start-up.
		from := answered.Load()
		for deadline := time.Now().Add(60 * time.Second); answered.Load() == from && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(400)) * time.Millisecond)
		c.kill()
		t.Logf("kill %d", k+1)
		next := startChild(t, dsn, kekText)
		mu.Lock()
		c, url = next, next.url
		mu.Unlock()
	}
	from := answered.Load()
	for deadline := time.Now().Add(60 * time.Second); answered.Load() == from && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	wg.Wait()
	c.kill()

	db, err = store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	total := 0
	for _, n := range done {
		total += n
	}
	t.Logf("%d deliveries answered over %d kills", total, kills)
	checkExactCharges(t, db, demander{id: e.dem.member.ID, keys: e.demKeys, order: e.order}, topUp, total)
}
