package nodestore_test

import (
	"context"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
)

// TestAuthorisations: records are written in one multi-row insert on both
// engines, a subject twice in one import is refused, and the newest
// unrevoked record is the current one.
func TestAuthorisations(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, db *nodestore.DB) {
		ctx := context.Background()
		rec := func(id byte, expires string) *nodestore.Authorisation {
			return &nodestore.Authorisation{ExID: []byte{1, id}, Agreement: []byte{9}, SignedOn: "2026-01-01", ExpiresOn: expires, Salt: []byte{7}}
		}
		add := func(as ...*nodestore.Authorisation) error {
			return db.Transact(ctx, func(tx *nodestore.Tx) error { return tx.AddAuthorisations(ctx, as) })
		}
		if err := add(rec(1, "2027-01-01"), rec(2, "2027-01-01")); err != nil {
			t.Fatal(err)
		}
		if err := add(rec(3, "2027-01-01"), rec(3, "2027-01-02")); !errs.Is(err, errs.Invalid) {
			t.Errorf("a subject twice: %v", err)
		}
		if err := add(rec(1, "2028-01-01")); err != nil {
			t.Fatal(err)
		}
		var cur map[string]*nodestore.Authorisation
		read := func() {
			t.Helper()
			if err := db.Read(ctx, func(tx *nodestore.Tx) (err error) {
				cur, err = tx.CurrentAuthorisations(ctx, [][]byte{{1, 1}, {1, 2}, {1, 3}})
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		read()
		if len(cur) != 2 || cur[string([]byte{1, 1})].ExpiresOn != "2028-01-01" {
			t.Errorf("current: %d records, subject 1 expires %v", len(cur), cur[string([]byte{1, 1})])
		}
		if err := db.Transact(ctx, func(tx *nodestore.Tx) error { _, err := tx.RevokeAuthorisations(ctx, [][]byte{{1, 2}}); return err }); err != nil {
			t.Fatal(err)
		}
		read()
		if _, ok := cur[string([]byte{1, 2})]; ok || len(cur) != 1 {
			t.Errorf("after revoking subject 2: %d records", len(cur))
		}
	})
}
