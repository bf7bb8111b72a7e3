package webhooks_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/platform/webhooks"
)

const helperEnv = "HULIAN_WEBHOOK_HELPER_DB"

var kek = bytes.Repeat([]byte{9}, 32)

func TestMain(m *testing.M) {
	if dsn := os.Getenv(helperEnv); dsn != "" {
		helper(dsn)
		return
	}
	os.Exit(m.Run())
}

// helper sends the outbox until killed.
func helper(dsn string) {
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	sealer, _ := keyring.NewAESGCM(kek)
	webhooks.NewSender(db, sealer, netguard.Policy{Allow: netguard.Loopback}, nil).Run(context.Background(), 50*time.Millisecond)
}

// clock is a settable clock for the database.
type clock struct{ at atomic.Pointer[time.Time] }

func (c *clock) Now() time.Time      { return *c.at.Load() }
func (c *clock) Set(t time.Time)     { c.at.Store(&t) }
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// receiver is a member's webhook endpoint that checks signatures and
// answers with the statuses it is given, then 200.
type receiver struct {
	t      *testing.T
	secret atomic.Pointer[string]
	mu     sync.Mutex
	calls  []string // event IDs, in order
	fail   []int
	hold   chan struct{} // when set, calls wait on it
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := webhooks.Verify(*r.secret.Load(), req.Header, body, time.Now(), time.Minute); err != nil {
			t.Errorf("signature: %v", err)
		}
		if !strings.Contains(string(body), `"id":"`+req.Header.Get(webhooks.HeaderID)+`"`) {
			t.Errorf("the body does not carry the event's ID: %s", body)
		}
		r.mu.Lock()
		r.calls = append(r.calls, req.Header.Get(webhooks.HeaderID))
		status, hold := http.StatusOK, r.hold
		if len(r.fail) > 0 {
			status, r.fail = r.fail[0], r.fail[1:]
		}
		r.mu.Unlock()
		if hold != nil {
			<-hold
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// setup is a platform with one member whose webhook is r.
func setup(t *testing.T, db *store.DB, r *receiver) string {
	t.Helper()
	ctx := context.Background()
	p := platform.New(db, nil)
	sealer, _ := keyring.NewAESGCM(kek)
	p.UseSealer(sealer)
	m, _, err := p.Apply(ctx, platform.Application{Application: member.Application{
		Name: "回调测试有限公司", USCC: storetest.USCC(int(time.Now().UnixNano() % 1e6)), Industry: "I64", ContactName: "张三",
		ContactPhone: "+86 21 5555 0100", ContactEmail: "ops@example.cn", StorageRegion: "CN-SH", Demander: true,
	}, Login: storetest.Name("hook"), DisplayName: "x", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := p.SetQuotaAlerts(auth.WithActor(ctx, auth.System), m.ID, 0, r.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.secret.Store(&secret)
	return m.ID
}

func enqueue(t *testing.T, db *store.DB, member string, ids ...string) {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.System)
	err := db.Transact(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.EnqueueWebhook(ctx, member, id, "order.activated", map[string]string{"order": "ord_1"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func events(t *testing.T, db *store.DB, member string) map[string]*store.WebhookEvent {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.System)
	var es []*store.WebhookEvent
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { es, err = tx.WebhookEvents(ctx, member, 1000); return err }); err != nil {
		t.Fatal(err)
	}
	out := map[string]*store.WebhookEvent{}
	for _, e := range es {
		out[e.ID] = e
	}
	return out
}

func open(t *testing.T, dsn string, c *clock) *store.DB {
	db, err := store.Open(context.Background(), dsn, store.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestRetries: a failing receiver gets the event again, with its ID,
// after a backoff that doubles, until it answers 2xx; an address the
// policy refuses is not called; an event undelivered for a day is given up.
func TestRetries(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			c := &clock{}
			c.Set(time.Now().UTC())
			db := open(t, storetest.DSN(t, engine), c)
			r := newReceiver(t)
			r.fail = []int{503, 500}
			id := setup(t, db, r)
			sealer, _ := keyring.NewAESGCM(kek)
			s := webhooks.NewSender(db, sealer, netguard.Policy{Allow: netguard.Loopback}, nil)
			ctx := context.Background()
			enqueue(t, db, id, "evt_a")
			for i, step := range []struct {
				after time.Duration
				sent  int
			}{{0, 1}, {0, 0}, {9 * time.Second, 0}, {time.Second, 1}, {19 * time.Second, 0}, {time.Second, 1}, {time.Hour, 0}} {
				c.Add(step.after)
				if n, err := s.SendDue(ctx); err != nil || n != step.sent {
					t.Fatalf("step %d: sent %d (%v), want %d", i, n, err, step.sent)
				}
			}
			if got := r.seen(); len(got) != 3 || got[0] != "evt_a" || got[1] != "evt_a" || got[2] != "evt_a" {
				t.Errorf("calls %v, want evt_a three times", got)
			}
			e := events(t, db, id)["evt_a"]
			if e.State() != store.WebhookDelivered || e.Attempts != 3 || e.LastStatus != "200" {
				t.Errorf("after delivery: %+v", e)
			}

			// A policy that refuses loopback: never called, kept, then
			// given up after a day.
			strict := webhooks.NewSender(db, sealer, netguard.Policy{}, nil)
			enqueue(t, db, id, "evt_b")
			if _, err := strict.SendDue(ctx); err != nil {
				t.Fatal(err)
			}
			e = events(t, db, id)["evt_b"]
			if e.State() != store.WebhookPending || !strings.HasPrefix(e.LastStatus, "refused") || len(r.seen()) != 3 {
				t.Errorf("refused address: %+v, calls %d", e, len(r.seen()))
			}
			for range 20 {
				c.Add(2 * time.Hour)
				if _, err := strict.SendDue(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if e = events(t, db, id)["evt_b"]; e.State() != store.WebhookFailed {
				t.Errorf("after a day: %+v", e)
			}
		})
	}
}

// TestReplicas: two senders over one outbox deliver each event once.
func TestReplicas(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			c := &clock{}
			c.Set(time.Now().UTC())
			dsn := storetest.DSN(t, engine)
			db := open(t, dsn, c)
			r := newReceiver(t)
			id := setup(t, db, r)
			var ids []string
			for i := range 60 {
				ids = append(ids, fmt.Sprintf("evt_%03d", i))
			}
			enqueue(t, db, id, ids...)
			sealer, _ := keyring.NewAESGCM(kek)
			var wg sync.WaitGroup
			for _, d := range []*store.DB{db, open(t, dsn, c)} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := webhooks.NewSender(d, sealer, netguard.Policy{Allow: netguard.Loopback}, nil)
					for range 5 {
						if _, err := s.SendDue(context.Background()); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			count := map[string]int{}
			for _, e := range r.seen() {
				count[e]++
			}
			for _, e := range ids {
				if count[e] != 1 {
					t.Errorf("%s sent %d times", e, count[e])
				}
			}
		})
	}
}

// TestKilled: a sender killed (SIGKILL) in the middle of a call loses
// nothing: the event stays in the outbox and, once the claim lapses, is
// sent again with the same ID.
func TestKilled(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			c := &clock{}
			c.Set(time.Now().UTC())
			dsn := storetest.DSN(t, engine)
			db := open(t, dsn, c)
			r := newReceiver(t)
			r.hold = make(chan struct{})
			id := setup(t, db, r)
			enqueue(t, db, id, "evt_killed")

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+dsn)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(20 * time.Second)
			for len(r.seen()) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if len(r.seen()) == 0 {
				cmd.Process.Kill()
				t.Fatal("the helper never called the webhook")
			}
			cmd.Process.Kill() // SIGKILL, mid-call
			cmd.Wait()
			close(r.hold)
			r.mu.Lock()
			r.hold = nil
			r.mu.Unlock()
			if e := events(t, db, id)["evt_killed"]; e.State() != store.WebhookPending || e.Attempts != 1 {
				t.Fatalf("after the kill: %+v", e)
			}
			sealer, _ := keyring.NewAESGCM(kek)
			s := webhooks.NewSender(db, sealer, netguard.Policy{Allow: netguard.Loopback}, nil)
			// The helper claimed it on the real clock: past its lease by
			// that clock, however long the helper took to start.
			c.Set(time.Now().Add(webhooks.Lease + 30*time.Second))
			if n, err := s.SendDue(context.Background()); err != nil || n != 1 {
				t.Fatalf("after the lease: %d %v", n, err)
			}
			if got := r.seen(); len(got) != 2 || got[1] != "evt_killed" {
				t.Errorf("calls %v", got)
			}
			if e := events(t, db, id)["evt_killed"]; e.State() != store.WebhookDelivered {
				t.Errorf("not delivered: %+v", e)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Now()
	body := []byte(`{"id":"evt_1"}`)
	h := http.Header{}
	h.Set(webhooks.HeaderID, "evt_1")
	h.Set(webhooks.HeaderTimestamp, fmt.Sprint(now.Unix()))
	h.Set(webhooks.HeaderSignature, webhooks.Sign("whsec_x", "evt_1", now.Unix(), body))
	if err := webhooks.Verify("whsec_x", h, body, now, time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, check := range map[string]func() error{
		"another secret": func() error { return webhooks.Verify("whsec_y", h, body, now, time.Minute) },
		"another body":   func() error { return webhooks.Verify("whsec_x", h, []byte(`{"id":"evt_2"}`), now, time.Minute) },
		"late":           func() error { return webhooks.Verify("whsec_x", h, body, now.Add(2*time.Minute), time.Minute) },
	} {
		if check() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
