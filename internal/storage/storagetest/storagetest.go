// Package storagetest gives tests throw-away databases on every engine, so
// that the platform's and the nodes' behaviour suites each run against
// SQLite and PostgreSQL alike (river's driver test suite is the model).
//
// PostgreSQL comes from HULIAN_TEST_POSTGRES (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Each test gets
// its own schema, so tests run in parallel. In CI (CI set) a missing
// HULIAN_TEST_POSTGRES fails the test instead of skipping PostgreSQL;
// elsewhere the skip is said in the test's output.
package storagetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Engines lists the engines to test on.
func Engines(t testing.TB) []string {
	if os.Getenv("HULIAN_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("HULIAN_TEST_POSTGRES is not set: CI must test PostgreSQL too")
	}
	t.Log("HULIAN_TEST_POSTGRES is not set: testing on SQLite only")
	return []string{"sqlite"}
}

// Each runs fn as a parallel subtest of every engine, with the URL of a
// fresh, empty database on it.
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Helper()
	for _, eng := range Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			fn(t, DSN(t, eng))
		})
	}
}

// DSN returns the URL of a fresh, empty database on engine, removed when
// the test ends. file names the SQLite file inside the test's folder.
func DSN(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "test.db")
	case "postgres":
		return postgresSchema(t)
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

func postgresSchema(t testing.TB) string {
	base := os.Getenv("HULIAN_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("HULIAN_TEST_POSTGRES is not set: CI must test PostgreSQL too")
		}
		t.Skip("HULIAN_TEST_POSTGRES not set: skipping PostgreSQL")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [8]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Database creates a PostgreSQL database of its own for one test, which it may set
// read-only and whose connections it may kill without touching the other
// tests' schemas. Skipped without PostgreSQL, failed in CI.
func Database(t testing.TB) (dsn string, admin *sql.DB, name string) {
	t.Helper()
	base := os.Getenv("HULIAN_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("HULIAN_TEST_POSTGRES is not set: CI must test PostgreSQL too")
		}
		t.Skip("HULIAN_TEST_POSTGRES not set: skipping this PostgreSQL test")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name = "faults_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
		admin.Exec("DROP DATABASE IF EXISTS " + name)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String(), admin, name
}

// Dump returns what a copy of the database at dsn would give away: for
// SQLite the bytes of its file and write-ahead log, for PostgreSQL every
// row of every table in the test's schema as JSON text (a bytea as hex),
// each line led by its table's name. Privacy tests grep it.
func Dump(t testing.TB, dsn string) []byte {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres") {
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "sqlite:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		var out []byte
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		if len(out) == 0 {
			t.Fatalf("no database file at %s", path)
		}
		return out
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables in the schema: %v", len(tables), tables)
	}
	var out bytes.Buffer
	for _, table := range tables {
		rs, err := db.Query(`SELECT row_to_json(x)::text FROM "` + table + `" x`)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var row string
			if err := rs.Scan(&row); err != nil {
				t.Fatal(err)
			}
			out.WriteString(table + " " + row + "\n")
		}
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Binary columns as stored, not as the hex JSON shows them: a search
	// must see what a copy of their bytes would.
	cols, err := db.Query(`SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type = 'bytea'`)
	if err != nil {
		t.Fatal(err)
	}
	var binary [][2]string
	for cols.Next() {
		var tc [2]string
		if err := cols.Scan(&tc[0], &tc[1]); err != nil {
			t.Fatal(err)
		}
		binary = append(binary, tc)
	}
	cols.Close()
	for _, tc := range binary {
		rs, err := db.Query(`SELECT "` + tc[1] + `" FROM "` + tc[0] + `" WHERE "` + tc[1] + `" IS NOT NULL`)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var b []byte
			if err := rs.Scan(&b); err != nil {
				t.Fatal(err)
			}
			out.WriteString(tc[0] + "." + tc[1] + " ")
			out.Write(b)
			out.WriteByte('\n')
		}
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}
