package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"hulian/internal/errs"
	"hulian/internal/storage"
	"hulian/internal/storage/sqlcol"
	"hulian/internal/storage/storagetest"
)

// The storage layer's own behaviour suite: what both stores rely on, run
// on every engine, so an engine cannot drift from the other. It uses a
// schema of its own, so it depends on neither store.

var suiteMigrations = map[string]fstest.MapFS{
	"sqlite": {"00001_things.sql": {Data: []byte(`-- +goose Up
CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER NOT NULL, ok BOOLEAN NOT NULL, at TIMESTAMP, blob BLOB);
-- +goose Down
DROP TABLE things;
`)}},
	"postgres": {"00001_things.sql": {Data: []byte(`-- +goose Up
CREATE TABLE things (id TEXT PRIMARY KEY, n BIGINT NOT NULL, ok BOOLEAN NOT NULL, at TIMESTAMPTZ, blob BYTEA);
-- +goose Down
DROP TABLE things;
`)}},
}

var suiteSchema = storage.Schema{
	Name:         "suite",
	Migrations:   func(engine string) fs.FS { return suiteMigrations[engine] },
	VersionTable: "suite_goose_version",
}

var thingColumns = sqlcol.Of("id text", "n bigint", "ok boolean", "at timestamptz", "blob bytea")

func openSuite(t *testing.T, dsn string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), dsn, suiteSchema, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStorageSuite(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db := openSuite(t, dsn)
		at := time.Date(2026, 2, 17, 1, 2, 3, 456789000, time.UTC) // 除夕, Beijing morning

		t.Run("ready", func(t *testing.T) {
			if r := db.Ready(ctx); !r.OK() || r.Schema != 1 || r.Want != 1 {
				t.Errorf("readiness %+v", r)
			}
		})

		t.Run("insert rows and read them back", func(t *testing.T) {
			rows := [][]any{
				{"a", int64(1), true, at, []byte{0, 1, 2}},
				{"b", int64(-7), false, at.Add(time.Hour), []byte("x")},
			}
			err := db.Transact(ctx, func(tx *storage.Tx) error {
				q, args := tx.Eng.InsertRows("things", thingColumns, rows)
				_, err := tx.Exec(ctx, q, args...)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Read(ctx, func(tx *storage.Tx) error {
				cond, args := tx.Eng.In("id", 2, []string{"a", "b", "zz"})
				rs, err := tx.Query(ctx, `SELECT id, n, ok, at, blob FROM things WHERE n > $1 AND `+cond+` ORDER BY id`, append([]any{int64(-100)}, args...)...)
				if err != nil {
					return err
				}
				defer rs.Close()
				i := 0
				for rs.Next() {
					var id string
					var n int64
					var ok bool
					var got time.Time
					var blob []byte
					if err := rs.Scan(&id, &n, &ok, &got, &blob); err != nil {
						return err
					}
					want := rows[i]
					if id != want[0] || n != want[1] || ok != want[2] || !got.Equal(want[3].(time.Time)) || !bytes.Equal(blob, want[4].([]byte)) {
						t.Errorf("row %d: %v %v %v %v %v, want %v", i, id, n, ok, got, blob, want)
					}
					i++
				}
				if i != 2 {
					t.Errorf("%d rows", i)
				}
				return rs.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("placeholders reused and out of order", func(t *testing.T) {
			err := db.Read(ctx, func(tx *storage.Tx) error {
				var n int64
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM things WHERE (id = $2 OR id = $1) AND n <> $3 AND id <> '$1'`, "a", "b", int64(99)).Scan(&n); err != nil {
					return err
				}
				if n != 2 {
					t.Errorf("count %d, want 2", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})

		t.Run("unique violation is reported as such", func(t *testing.T) {
			err := db.Transact(ctx, func(tx *storage.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO things (id, n, ok) VALUES ($1, $2, $3)`, "a", int64(5), true)
				return err
			})
			if err == nil || !db.Eng().IsUniqueViolation(err) {
				t.Errorf("duplicate key: %v", err)
			}
		})

		t.Run("a failed or panicking transaction leaves nothing", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Transact(ctx, func(tx *storage.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO things (id, n, ok) VALUES ($1, $2, $3)`, "c", int64(3), true); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Errorf("error %v", err)
			}
			func() {
				defer func() { recover() }()
				db.Transact(ctx, func(tx *storage.Tx) error {
					tx.Exec(ctx, `INSERT INTO things (id, n, ok) VALUES ($1, $2, $3)`, "d", int64(4), true)
					panic("mid-transaction")
				})
			}()
			var n int64
			db.Read(ctx, func(tx *storage.Tx) error {
				return tx.QueryRow(ctx, `SELECT COUNT(*) FROM things WHERE id IN ('c', 'd')`).Scan(&n)
			})
			if n != 0 {
				t.Errorf("%d rows of failed transactions remain", n)
			}
		})

		t.Run("a read transaction cannot write", func(t *testing.T) {
			err := db.Read(ctx, func(tx *storage.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO things (id, n, ok) VALUES ($1, $2, $3)`, "r", int64(1), true)
				return err
			})
			if err == nil {
				t.Error("a read-only transaction wrote a row")
			}
		})

		t.Run("NULL times", func(t *testing.T) {
			err := db.Transact(ctx, func(tx *storage.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO things (id, n, ok, at) VALUES ($1, $2, $3, $4)`, "z", int64(0), false, storage.NullTime(time.Time{}))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			db.Read(ctx, func(tx *storage.Tx) error {
				var nt = storage.NullTime(at)
				if err := tx.QueryRow(ctx, `SELECT at FROM things WHERE id = 'z'`).Scan(&nt); err != nil {
					t.Fatal(err)
				}
				if got := storage.FromNull(nt); !got.IsZero() {
					t.Errorf("NULL read back as %v", got)
				}
				return nil
			})
		})

		t.Run("one instant per transaction, in UTC", func(t *testing.T) {
			db.Transact(ctx, func(tx *storage.Tx) error {
				if tx.Now().Location() != time.UTC || tx.Now() != tx.Now() || tx.Now().Nanosecond()%1000 != 0 {
					t.Errorf("transaction time %v", tx.Now())
				}
				return nil
			})
		})
	})
}

// TestMigrationsTakeTurns: processes opening one database at once apply
// each migration once (PostgreSQL's advisory lock, SQLite's file lock).
func TestMigrationsTakeTurns(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		var wg sync.WaitGroup
		applied := make(chan int, 4)
		for range 4 {
			wg.Go(func() {
				db, err := storage.Open(context.Background(), dsn, suiteSchema, storage.Options{NoMigrate: true})
				if err != nil {
					t.Error(err)
					return
				}
				defer db.Close()
				v, err := db.Migrate(context.Background())
				if err != nil {
					t.Error(err)
				}
				applied <- len(v)
			})
		}
		wg.Wait()
		close(applied)
		total := 0
		for n := range applied {
			total += n
		}
		if total != 1 {
			t.Errorf("the one migration was applied %d times", total)
		}
	})
}

func TestUnknownEngine(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{"mysql://x", "", "file.db"} {
		if _, err := storage.Open(context.Background(), dsn, suiteSchema, storage.Options{}); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q: %v", dsn, err)
		}
	}
}
