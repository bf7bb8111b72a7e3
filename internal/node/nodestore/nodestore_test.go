package nodestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/errs"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/nodestore"
	"hulian/internal/storage/storagetest"
)

// each runs fn as a parallel subtest on a fresh node database of every
// engine, so SQLite and PostgreSQL pass the same behaviour suite.
func each(t *testing.T, fn func(t *testing.T, db *nodestore.DB)) {
	t.Helper()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			db, err := nodestore.Open(context.Background(), storagetest.DSN(t, eng), nodestore.Options{})
			if err != nil {
				t.Fatalf("open %s: %v", eng, err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, db)
		})
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, db *nodestore.DB) {
		ctx := context.Background()
		err := db.Read(ctx, func(tx *nodestore.Tx) error {
			_, err := tx.ActiveKey(ctx, nodekey.PurposeX25519)
			return err
		})
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("no key yet: got %v, want NotFound", err)
		}
		want := &nodestore.SealedKey{
			ID: "key_1", Purpose: nodekey.PurposeX25519, Public: []byte{1, 2, 3}, Sealed: []byte{0, 255, 7},
			Sealer: "aes-256-gcm", KEKID: "kek1", Created: time.Date(2026, 11, 2, 3, 4, 5, 123456000, time.UTC),
		}
		if err := db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.InsertKey(ctx, want) }); err != nil {
			t.Fatal(err)
		}
		var got *nodestore.SealedKey
		if err := db.Read(ctx, func(tx *nodestore.Tx) (err error) {
			got, err = tx.ActiveKey(ctx, nodekey.PurposeX25519)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}

		// A second active key of the same purpose loses, and leaves nothing.
		dup := *want
		dup.ID = "key_2"
		err = db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.InsertKey(ctx, &dup) })
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("second active key: got %v, want Conflict", err)
		}
		other := &nodestore.SealedKey{ID: "key_3", Purpose: nodekey.PurposeEd25519, Public: []byte{9}, Sealed: []byte{8}, Sealer: "aes-256-gcm", KEKID: "kek1"}
		if err := db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.InsertKey(ctx, other) }); err != nil {
			t.Fatal(err)
		}
		var all []*nodestore.SealedKey
		if err := db.Read(ctx, func(tx *nodestore.Tx) (err error) { all, err = tx.Keys(ctx); return err }); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, k := range all {
			ids = append(ids, k.ID)
		}
		if d := cmp.Diff([]string{"key_1", "key_3"}, ids); d != "" {
			t.Errorf("keys (-want +got):\n%s", d)
		}
	})
}

func TestSettingsAndEvents(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, db *nodestore.DB) {
		ctx := context.Background()
		tests := []struct {
			name, value string
		}{
			{nodestore.SettingMemberID, "mem_a"},
			{nodestore.SettingMemberID, "mem_b"}, // replaces
			{nodestore.SettingPlatformURL, "https://hulian.example.cn"},
		}
		for _, tt := range tests {
			if err := db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.SetSetting(ctx, tt.name, tt.value) }); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]string{}
		err := db.Read(ctx, func(tx *nodestore.Tx) error {
			for _, n := range []string{nodestore.SettingMemberID, nodestore.SettingPlatformURL, "unset"} {
				v, err := tx.Setting(ctx, n)
				if err != nil {
					return err
				}
				got[n] = v
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{nodestore.SettingMemberID: "mem_b", nodestore.SettingPlatformURL: "https://hulian.example.cn", "unset": ""}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("settings (-want +got):\n%s", d)
		}

		for _, k := range []string{nodestore.EventKeysGenerated, nodestore.EventKeysRegistered, nodestore.EventIntegrated} {
			if err := db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.Record(ctx, k, "d:"+k) }); err != nil {
				t.Fatal(err)
			}
		}
		var es []nodestore.Event
		if err := db.Read(ctx, func(tx *nodestore.Tx) (err error) { es, err = tx.Events(ctx, 2); return err }); err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range es {
			kinds = append(kinds, e.Kind)
			if e.At.IsZero() || e.Detail != "d:"+e.Kind {
				t.Errorf("event %+v: missing time or detail", e)
			}
		}
		if d := cmp.Diff([]string{nodestore.EventIntegrated, nodestore.EventKeysRegistered}, kinds); d != "" {
			t.Errorf("events newest first (-want +got):\n%s", d)
		}
	})
}

// TestMigrateIdempotent checks a second start applies nothing and that the
// node's version table does not collide with the platform's.
func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, db *nodestore.DB) {
		applied, err := db.Migrate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Errorf("second migrate applied %v", applied)
		}
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	t.Parallel()
	_, err := nodestore.Open(context.Background(), "mysql://x", nodestore.Options{})
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("got %v, want Invalid", err)
	}
}
