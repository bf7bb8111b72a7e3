// Package storetest opens throw-away platform databases on every engine, so
// that one behaviour suite runs against SQLite and PostgreSQL alike.
//
// PostgreSQL comes from HULIAN_TEST_POSTGRES (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Each test gets
// its own schema, so tests run in parallel. In CI (CI set) a missing
// HULIAN_TEST_POSTGRES fails the test instead of skipping PostgreSQL.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"hulian/internal/auth"
	"hulian/internal/ident"
	"hulian/internal/store"
)

// Engines lists the engines to test on.
func Engines(t testing.TB) []string {
	if os.Getenv("HULIAN_TEST_POSTGRES") != "" {
		return []string{"sqlite", "postgres"}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("HULIAN_TEST_POSTGRES is not set: CI must test PostgreSQL too")
	}
	return []string{"sqlite"}
}

// Each runs fn as a parallel subtest on a fresh database of every engine.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, eng := range Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			fn(t, Open(t, eng, store.Options{}))
		})
	}
}

// Open returns a migrated, empty database on engine, closed and removed
// when the test ends.
func Open(t testing.TB, engine string, opt store.Options) *store.DB {
	t.Helper()
	dsn := DSN(t, engine)
	db, err := store.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// DSN returns the URL of a fresh, empty database on engine.
func DSN(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "platform.db")
	case "postgres":
		return postgresSchema(t)
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

func postgresSchema(t testing.TB) string {
	base := os.Getenv("HULIAN_TEST_POSTGRES")
	if base == "" {
		t.Skip("HULIAN_TEST_POSTGRES not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	schema := "t_" + auth.NewID("")
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

// Staff returns ctx acting as platform staff of role.
func Staff(ctx context.Context, role auth.Role) context.Context {
	return auth.WithActor(ctx, auth.Actor{AccountID: "acc_test_" + string(role), Role: role, Name: string(role)})
}

// AsMember returns ctx acting as a member's staff.
func AsMember(ctx context.Context, memberID string) context.Context {
	return auth.WithActor(ctx, auth.Actor{AccountID: "acc_test_" + memberID, MemberID: memberID, Role: auth.RoleMember, Name: memberID})
}

// Name is a unique suffix for test data.
func Name(prefix string) string { return fmt.Sprintf("%s%d", prefix, time.Now().UnixNano()) }

// usccChars is GB 32100-2015's character set in value order.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// USCC returns a valid, distinct 统一社会信用代码 for n: registration
// management department 9 (industry and commerce), type 1 (enterprise),
// division 310000 (Shanghai), then n, then the check character found by
// asking the validator.
func USCC(n int) string {
	prefix := fmt.Sprintf("91310000%09d", n%1_000_000_000)
	for i := 0; i < len(usccChars); i++ {
		if s := prefix + string(usccChars[i]); ident.CheckUSCC(s) == nil {
			return s
		}
	}
	panic("storetest: no check character for " + prefix)
}
