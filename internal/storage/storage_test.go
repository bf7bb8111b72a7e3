package storage_test

import (
	"context"
	"testing"

	"hulian/internal/node/nodestore"
	"hulian/internal/platform/store"
	"hulian/internal/storage"
	"hulian/internal/storage/storagetest"
)

// TestSharesDatabaseWithPlatform: a node and a platform migrate the same
// database (one PostgreSQL schema, as a small deployment or the demo might)
// without touching each other's tables or versions.
func TestSharesDatabaseWithPlatform(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storagetest.DSN(t, eng)
			p, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			n, err := nodestore.Open(ctx, dsn, nodestore.Options{})
			if err != nil {
				t.Fatalf("node after platform: %v", err)
			}
			defer n.Close()
			if applied, err := p.Migrate(ctx); err != nil || len(applied) != 0 {
				t.Errorf("platform migrate after node: applied %v, err %v", applied, err)
			}
		})
	}
}

// TestRedact: a database URL is printed without its password.
func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://hulian:s3cret@db:5432/x?sslmode=verify-full": "postgres://hulian:xxxxx@db:5432/x?sslmode=verify-full",
		"postgres://hulian@db/x":                                 "postgres://hulian@db/x",
		"sqlite:///var/lib/hulian/platform.db":                   "sqlite:///var/lib/hulian/platform.db",
	} {
		if got := storage.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
