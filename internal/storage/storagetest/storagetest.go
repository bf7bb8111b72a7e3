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
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
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
