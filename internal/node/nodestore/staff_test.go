package nodestore_test

import (
	"context"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
)

// TestStaff: accounts and sessions on both engines — a taken login is a
// conflict, a session resolves to its account until it expires or the
// account is disabled, and a new password ends the account's sessions.
func TestStaff(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, db *nodestore.DB) {
		ctx := context.Background()
		a := &nodestore.Account{ID: "nac_1", Login: "ops", DisplayName: "运维", PasswordHash: "h1", CreatedBy: "test"}
		tx := func(fn func(tx *nodestore.Tx) error) error { return db.Transact(ctx, fn) }
		if err := tx(func(tx *nodestore.Tx) error { return tx.CreateAccount(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		dup := &nodestore.Account{ID: "nac_2", Login: "ops", DisplayName: "x", PasswordHash: "h", CreatedBy: "test"}
		if err := tx(func(tx *nodestore.Tx) error { return tx.CreateAccount(ctx, dup) }); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate login: %v", err)
		}
		session := func(d string) (*nodestore.Session, error) {
			var s *nodestore.Session
			err := db.Read(ctx, func(tx *nodestore.Tx) (err error) { s, err = tx.SessionByDigest(ctx, []byte(d)); return err })
			return s, err
		}
		err := tx(func(tx *nodestore.Tx) error {
			if err := tx.CreateSession(ctx, []byte("live"), a.ID, "c1", tx.Now().Add(time.Hour)); err != nil {
				return err
			}
			return tx.CreateSession(ctx, []byte("old"), a.ID, "c2", tx.Now().Add(-time.Second))
		})
		if err != nil {
			t.Fatal(err)
		}
		if s, err := session("live"); err != nil || s.Account.Login != "ops" || s.CSRF != "c1" {
			t.Errorf("live session: %+v %v", s, err)
		}
		if _, err := session("old"); !errs.Is(err, errs.NotFound) {
			t.Errorf("expired session: %v", err)
		}
		if err := tx(func(tx *nodestore.Tx) error { return tx.SetPassword(ctx, a.ID, "h2") }); err != nil {
			t.Fatal(err)
		}
		if _, err := session("live"); !errs.Is(err, errs.NotFound) {
			t.Errorf("session after a new password: %v", err)
		}
		var n int
		err = tx(func(tx *nodestore.Tx) error {
			if err := tx.CreateSession(ctx, []byte("again"), a.ID, "c3", tx.Now().Add(time.Hour)); err != nil {
				return err
			}
			if ok, err := tx.DisableAccount(ctx, a.ID); err != nil || !ok {
				t.Errorf("disable: %v %v", ok, err)
			}
			if ok, err := tx.DisableAccount(ctx, a.ID); err != nil || ok {
				t.Errorf("disable twice: %v %v", ok, err)
			}
			n, err = tx.CountAccounts(ctx)
			return err
		})
		if err != nil || n != 0 {
			t.Errorf("live accounts %d %v", n, err)
		}
		if _, err := session("again"); !errs.Is(err, errs.NotFound) {
			t.Errorf("session of a disabled account: %v", err)
		}
		var got *nodestore.Account
		if err := db.Read(ctx, func(tx *nodestore.Tx) (err error) { got, err = tx.AccountByLogin(ctx, "ops"); return err }); err != nil || got.Disabled == nil || got.PasswordHash != "h2" {
			t.Errorf("account %+v %v", got, err)
		}
	})
}
