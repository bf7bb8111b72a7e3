package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/digest"
	"hulian/internal/keyring"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// settleDB is a platform database whose log holds deliveries in October
// 2026 (three for one pair, one for another) and, if future is set, one in
// May 2099; its KEK is returned for the commands.
func settleDB(t *testing.T, future bool) (dsn, kek string) {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.System)
	dsn = "sqlite://" + filepath.Join(t.TempDir(), "platform.db")
	kek = keyring.NewKEKText()
	at := time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC)
	db, err := store.Open(ctx, dsn, store.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, err := keyring.ParseKEK("HULIAN_KEK", kek)
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := keyring.NewAESGCM(key)
	p := platform.New(db, nil)
	p.UseSealer(sealer)
	if _, err := logkeeper.New(p).EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	deliver := func(order, demander, supplier string, charge int64) {
		err := db.Transact(ctx, func(tx *store.Tx) error {
			_, err := tx.Append(ctx, demander, settlement.KindDelivered, order, bizlog.P{"demander": demander, "supplier": supplier, "listing": "lst_1",
				"queried": 100, "matched": 40, "charge_fen": charge, "request_id": "r"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []int64{400, 250, 0} {
		deliver("ord_a", "mem_dem", "mem_sup", c)
	}
	deliver("ord_b", "mem_dem2", "mem_sup", 1234)
	if future {
		db.Close()
		at = time.Date(2099, 5, 10, 2, 0, 0, 0, time.UTC)
		db2, err := store.Open(ctx, dsn, store.Options{Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		defer db2.Close()
		db = db2
		deliver("ord_c", "mem_dem", "mem_sup", 77)
	}
	return dsn, kek
}

// TestSettleCmd: `hulian settle run` issues a past month's statements once
// and prints them (JSON with --json); a month not yet due is a provisional
// preview that issues nothing; `hulian settle verify` recomputes them from
// an export bundle and exits 1 naming an altered one.
func TestSettleCmd(t *testing.T) {
	t.Parallel()
	dsn, kek := settleDB(t, true)
	holidays := filepath.Join(t.TempDir(), "holidays.txt")
	if err := os.WriteFile(holidays, []byte("year 2099 test file, not a notice\n2099-01-01 holiday test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HULIAN_KEK": kek, "HULIAN_HOLIDAYS": holidays}

	code, out, stderr := runCLI(t, env, "settle", "run", "--db", dsn, "--month", "2026-10", "--json")
	if code != 0 {
		t.Fatalf("settle run: %d %s", code, stderr)
	}
	var got struct {
		Provisional bool
		IssueAt     string `json:"issue_at"`
		Statements  []struct {
			ID       string
			TotalFen int64 `json:"total_fen"`
			Seq      int64
			Lines    []struct{ Deliveries int64 }
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// November 2026: the 1st is a Sunday; the third working day is the 4th.
	totals := map[int64]int64{} // total → deliveries
	for _, st := range got.Statements {
		if st.Seq == 0 || len(st.Lines) != 1 {
			t.Errorf("statement %s: seq %d, %d lines", st.ID, st.Seq, len(st.Lines))
			continue
		}
		totals[st.TotalFen] = st.Lines[0].Deliveries
	}
	if got.Provisional || got.IssueAt != "2026-11-04T01:00:00Z" || len(got.Statements) != 2 || totals[650] != 3 || totals[1234] != 1 {
		t.Errorf("issued: %+v", got)
	}
	code, out2, _ := runCLI(t, env, "settle", "run", "--db", dsn, "--month", "2026-10", "--json")
	if code != 0 || out2 != out {
		t.Errorf("a second run differs:\n%s\n%s", out, out2)
	}
	code, out, _ = runCLI(t, env, "settle", "run", "--db", dsn, "--month", "2026-10")
	if code != 0 || !strings.Contains(out, "Statements for 2026-10") || !strings.Contains(out, "6.50") || !strings.Contains(out, "18.84") {
		t.Errorf("the table: %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, env, "settle", "run", "--db", dsn, "--month", "2099-05")
	if code != 0 || !strings.Contains(out, "PROVISIONAL") || !strings.Contains(out, "0.77") {
		t.Errorf("a month not yet due: %d\n%s", code, out)
	}
	missing := "sqlite://" + filepath.Join(t.TempDir(), "none.db")
	if code, _, stderr := runCLI(t, env, "settle", "run", "--db", missing, "--month", "2026-10"); code != 2 || !strings.Contains(stderr, "no platform database") {
		t.Errorf("a missing database: %d %s", code, stderr)
	}
	if _, err := os.Stat(strings.TrimPrefix(missing, "sqlite://")); err == nil {
		t.Error("a database was made")
	}
	for _, args := range [][]string{{"--month", "2026-13"}, {"--month", "2098-05"}} {
		if code, _, stderr := runCLI(t, env, append([]string{"settle", "run", "--db", dsn}, args...)...); code != 2 {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}

	checkpoint(t, dsn, kek)
	bundle := filepath.Join(t.TempDir(), "log.bundle")
	if code, _, stderr := runCLI(t, env, "log", "export", "--db", dsn, "--out", bundle); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	code, out, stderr = runCLI(t, env, "settle", "verify", "--bundle", bundle)
	if code != 0 || !strings.Contains(out, "2 statements match") {
		t.Errorf("verify: %d %q %q", code, out, stderr)
	}
	// The 2099 preview wrote nothing: two statements, each logged under
	// both parties.
	if code, _, stderr := runCLI(t, env, "settle", "verify"); code != 2 || !strings.Contains(stderr, "--bundle") {
		t.Errorf("verify without a bundle: %d %s", code, stderr)
	}

	// A statement logged with a total its deliveries do not make: the log
	// is intact, the statement is not.
	ctx := auth.WithActor(context.Background(), auth.System)
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wrong := &settlement.Statement{ID: settlement.ID("2026-10", "mem_dem", "mem_sup"), Month: "2026-10", Demander: "mem_dem", Supplier: "mem_sup", TotalFen: 651,
		Lines: []settlement.Line{{Order: "ord_a", Listing: "lst_1", Deliveries: 3, Queried: 300, Matched: 120, ChargeFen: 651, FirstSeq: 1, LastSeq: 3}}}
	wrong.Seal(digest.SHA256)
	payload, _ := wrong.Payload("", 0)
	if err := db.Transact(ctx, func(tx *store.Tx) error {
		_, err := tx.Append(ctx, "mem_dem", settlement.KindIssued, wrong.ID, payload)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	checkpoint(t, dsn, kek)
	if code, _, stderr := runCLI(t, env, "log", "export", "--db", dsn, "--out", bundle+"2"); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	code, out, _ = runCLI(t, env, "settle", "verify", "--bundle", bundle+"2")
	if code != 1 || !strings.Contains(out, wrong.ID) || !strings.Contains(out, "total 651 fen, the log's deliveries make 650") {
		t.Errorf("a wrong statement: %d %q", code, out)
	}
}

// checkpoint signs a checkpoint of the log at dsn, as the running platform
// does every few seconds.
func checkpoint(t *testing.T, dsn, kek string) {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.System)
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	key, _ := keyring.ParseKEK("HULIAN_KEK", kek)
	sealer, _ := keyring.NewAESGCM(key)
	p := platform.New(db, nil)
	p.UseSealer(sealer)
	if _, err := logkeeper.New(p).Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
}
