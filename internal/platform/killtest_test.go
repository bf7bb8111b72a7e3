package platform_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/keyring"
	"hulian/internal/netguard"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
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

// TestRelayKill runs the platform as a separate process on a SQLite file,
// fires deliveries at it and kills it with SIGKILL at random moments. The
// demander's node retries each request ID until it is answered. At the
// end every delivery has exactly one delivery.completed entry and one
// quota movement of its charge, the charges add up to the quota's
// decrease, and the whole log verifies: a charge never lands without its
// entry, nor an entry without its charge.
func TestRelayKill(t *testing.T) {
	if os.Getenv(envChildDB) != "" {
		t.Skip("in the platform process")
	}
	kills := 5
	if testing.Short() || raceEnabled {
		kills = 3
	}
	dir := t.TempDir()
	dsn := "sqlite://" + filepath.Join(dir, "platform.db")
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
	staff := auth.WithActor(context.Background(), auth.System)
	total := 0
	for _, n := range done {
		total += n
	}
	if total == 0 {
		t.Fatal("no delivery completed")
	}
	err = db.Read(staff, func(tx *store.Tx) error {
		ds, err := tx.Deliveries(staff, store.DeliveryQuery{Limit: 1000})
		if err != nil {
			return err
		}
		if len(ds) < total {
			t.Errorf("%d deliveries recorded, %d answered", len(ds), total)
		}
		entries, err := tx.LogEntries(staff, store.LogFilter{Kind: relay.KindDeliveryCompleted, Limit: 1000})
		if err != nil {
			return err
		}
		perRequest := map[string]int{}
		for _, en := range entries {
			for _, d := range ds {
				if strings.Contains(string(en.Payload), `"request_id":"`+d.RequestID+`"`) {
					perRequest[d.RequestID]++
				}
			}
		}
		moves, err := tx.Movements(staff, e.dem.member.ID, time.Time{}, 10000)
		if err != nil {
			return err
		}
		amounts := map[int64]int{}
		var deducted int64
		for _, m := range moves {
			if m.Kind == store.MovementDeduct {
				amounts[m.AmountFen]++
				deducted += m.AmountFen
			}
		}
		var charged int64
		for _, d := range ds {
			if perRequest[d.RequestID] != 1 {
				t.Errorf("%s has %d completed entries", d.RequestID, perRequest[d.RequestID])
			}
			charged += d.ChargeFen
		}
		if len(entries) != len(ds) || amounts[60] != len(ds) || len(amounts) != 1 {
			t.Errorf("%d deliveries, %d entries, movements by amount %v", len(ds), len(entries), amounts)
		}
		acct, err := tx.QuotaAccount(staff, e.dem.member.ID, false)
		if err != nil {
			return err
		}
		if charged != deducted || acct.BalanceFen != topUp-charged || acct.DeductedFen != charged {
			t.Errorf("charged %d, deducted %d, balance %d (from %d)", charged, deducted, acct.BalanceFen, topUp)
		}
		t.Logf("%d deliveries over %d kills, %d fen", len(ds), kills, charged)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := db.VerifyLog(staff, store.VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Errorf("log verification after the kills: %+v %v", rep, err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
