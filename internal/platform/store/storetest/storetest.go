// Package storetest opens throw-away platform databases on every engine
// (through storage/storagetest), so that the platform store's behaviour
// suite runs against SQLite and PostgreSQL alike, and gives tests actors
// and valid test data.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"hulian/internal/auth"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/ident"
	"hulian/internal/storage/storagetest"
)

// Engines lists the engines to test on (see storagetest.Engines).
func Engines(t testing.TB) []string { return storagetest.Engines(t) }

// Each runs fn as a parallel subtest on a fresh database of every engine.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	storagetest.Each(t, func(t *testing.T, dsn string) {
		fn(t, open(t, dsn, store.Options{}))
	})
}

// Open returns a migrated, empty database on engine, closed and removed
// when the test ends.
func Open(t testing.TB, engine string, opt store.Options) *store.DB {
	t.Helper()
	return open(t, DSN(t, engine), opt)
}

func open(t testing.TB, dsn string, opt store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, opt)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// DSN returns the URL of a fresh, empty database on engine.
func DSN(t testing.TB, engine string) string { return storagetest.DSN(t, engine) }

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
