package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"hulian/internal/errs"
	"hulian/internal/storage"
	"hulian/internal/storage/storagetest"
)

// TestPostgresFaults: a dropped connection before commit is retried on a
// new one without the caller noticing; a database that turned read-only
// (as a former standby after a failover) is "unavailable", not an internal
// error; and once it takes writes again, the pool's read-only sessions are
// discarded and the next transaction writes, without a restart.
func TestPostgresFaults(t *testing.T) {
	t.Parallel()
	dsn, admin, name := storagetest.Database(t)
	db := openSuite(t, dsn)
	ctx := context.Background()
	write := func(id string) error {
		return db.Transact(ctx, func(tx *storage.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO things (id, n, ok) VALUES ($1, 1, true)`, id)
			return err
		})
	}
	kill := func() {
		t.Helper()
		if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name); err != nil {
			t.Fatal(err)
		}
	}
	if err := write("a"); err != nil {
		t.Fatal(err)
	}
	kill()
	if err := write("b"); err != nil {
		t.Errorf("after the connections were killed: %v", err)
	}
	if n := db.Faults(storage.FaultRetried); n == 0 {
		t.Error("the retried connection loss was not counted")
	}

	if _, err := admin.Exec("ALTER DATABASE " + name + " SET default_transaction_read_only = on"); err != nil {
		t.Fatal(err)
	}
	kill()
	if r := db.Ready(ctx); r.OK() || !r.ReadOnly || r.Write || !r.Read {
		t.Errorf("readiness of a read-only database: %+v", r)
	}
	err := write("c")
	if !errs.Is(err, errs.Unavailable) {
		t.Fatalf("writing to a read-only database: %v (kind %v), want unavailable", err, errs.KindOf(err))
	}
	if msg := errs.Message(err, "zh-CN"); msg != "数据库暂时无法访问，请稍后重试" {
		t.Errorf("message %q", msg)
	}
	if n := db.Faults(storage.FaultUnavailable); n != 1 {
		t.Errorf("%d unavailable answers counted, want 1", n)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(db.FaultMetrics("test_db_errors_total"))
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 {
		t.Fatalf("gather: %v %v", mfs, err)
	}
	counts := map[string]float64{}
	for _, m := range mfs[0].Metric {
		counts[m.Label[0].GetValue()] = m.Counter.GetValue()
	}
	if counts["unavailable"] != 1 || counts["unavailable_retried"] == 0 || len(counts) != 3 {
		t.Errorf("metrics by kind: %v", counts)
	}
	if _, err := admin.Exec("ALTER DATABASE " + name + " SET default_transaction_read_only = off"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := write("d"); err != nil {
		t.Errorf("once writable again: %v", err)
	}
	if r := db.Ready(ctx); !r.OK() {
		t.Errorf("readiness once writable: %+v", r)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("writes came back after %v", d)
	}
}
