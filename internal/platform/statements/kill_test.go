package statements_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/keyring"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/statements"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/settlement"
)

const helperEnv = "HULIAN_STATEMENTS_HELPER_DB"

var kek = []byte("0123456789abcdef0123456789abcdef")

func TestMain(m *testing.M) {
	if dsn := os.Getenv(helperEnv); dsn != "" {
		ctx := auth.WithActor(context.Background(), auth.System)
		s, _, err := open(ctx, dsn)
		if err == nil {
			fmt.Println("running")
			_, _, err = s.Run(ctx, "2026-10")
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Println("done")
		return
	}
	os.Exit(m.Run())
}

// open is the statements of the platform at dsn, due for October 2026.
func open(ctx context.Context, dsn string) (*statements.Statements, *store.DB, error) {
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		return nil, nil, err
	}
	sealer, _ := keyring.NewAESGCM(kek)
	p := platform.New(db, nil)
	p.UseSealer(sealer)
	log := logkeeper.New(p)
	if _, err := log.EnsureKey(ctx); err != nil {
		return nil, nil, err
	}
	return statements.New(log), db, nil
}

// TestKilled: a statement run killed (SIGKILL) at any moment leaves the
// month's statements all issued with their entries or none of them, and
// the log intact; running again completes it.
func TestKilled(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := auth.WithActor(context.Background(), auth.System)
			dsn := storetest.DSN(t, engine)
			at := time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC)
			db, err := store.Open(ctx, dsn, store.Options{Now: func() time.Time { return at }})
			if err != nil {
				t.Fatal(err)
			}
			const pairs = 600
			err = db.Transact(ctx, func(tx *store.Tx) error {
				for i := range pairs * 2 {
					p := i % pairs
					if _, err := tx.Append(ctx, fmt.Sprintf("mem_d%d", p), settlement.KindDelivered, fmt.Sprintf("ord_%d", p), bizlog.P{
						"demander": fmt.Sprintf("mem_d%d", p), "supplier": "mem_s", "queried": 10, "matched": 5, "charge_fen": 3}); err != nil {
						return err
					}
				}
				return nil
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			s, db, err := open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			count := func() (issued, entries int) {
				sts, err := s.List(ctx, store.StatementFilter{Month: "2026-10"})
				if err != nil {
					t.Fatal(err)
				}
				err = db.Read(ctx, func(tx *store.Tx) error {
					return tx.EachLogEntry(ctx, settlement.KindIssued, time.Time{}, time.Now().Add(time.Hour), func(*bizlog.Entry) error { entries++; return nil })
				})
				if err != nil {
					t.Fatal(err)
				}
				return len(sts), entries
			}
			for round, wait := range []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond, 3 * time.Second} {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), helperEnv+"="+dsn)
				out, _ := cmd.StdoutPipe()
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				line, _ := bufio.NewReader(out).ReadString('\n')
				if strings.TrimSpace(line) != "running" {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("round %d: the helper said %q", round, line)
				}
				time.Sleep(wait)
				cmd.Process.Kill()
				cmd.Wait()
				issued, entries := count()
				if !(issued == 0 && entries == 0) && !(issued == pairs && entries == 2*pairs) {
					t.Fatalf("round %d (killed after %v): %d statements, %d entries — half a run", round, wait, issued, entries)
				}
				t.Logf("killed after %v: %d statements", wait, issued)
			}
			if sts, _, err := s.Run(ctx, "2026-10"); err != nil || len(sts) != pairs {
				t.Fatalf("rerun: %d %v", len(sts), err)
			}
			if issued, entries := count(); issued != pairs || entries != 2*pairs {
				t.Errorf("after the rerun: %d statements, %d entries", issued, entries)
			}
			rep, err := s.Log.Verify(ctx)
			if err != nil || !rep.OK() {
				t.Errorf("the log after the kills: %v %v", err, rep)
			}
		})
	}
}
