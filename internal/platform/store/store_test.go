package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

func newMember(n int) *member.Member {
	return &member.Member{
		ID: auth.NewID("mem_"),
		Application: member.Application{Name: "测试公司", USCC: storetest.USCC(n), Industry: "I64", ContactName: "张三",
			ContactPhone: "021-12345678", ContactEmail: "ops@example.cn", StorageRegion: "CN-SH", Supplier: true},
		Stage: member.StageApplied, Standing: member.StandingGood,
		Applied: member.Step{At: time.Date(2026, 11, 2, 3, 4, 5, 123456000, time.UTC), By: "account:x"},
	}
}

// TestMembers is the shared behaviour of member storage on every engine.
func TestMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Staff(context.Background(), auth.RoleOperator)
		a, b := newMember(1), newMember(2)
		for _, m := range []*member.Member{a, b} {
			if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.CreateMember(ctx, m) }); err != nil {
				t.Fatal(err)
			}
		}
		dup := newMember(1)
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.CreateMember(ctx, dup) })
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate USCC: got %v, want Conflict", err)
		}

		// Round trip, including keys and nullable step times.
		a.Stage, a.Qualified = member.StageQualified, member.Step{At: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), By: "account:op"}
		a.Keys = member.Keys{X25519: make([]byte, 32), Signing: make([]byte, 32)}
		a.Keys.X25519[0] = 9
		if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UpdateMember(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		var got *member.Member
		db.Read(ctx, func(tx *store.Tx) (err error) { got, err = tx.Member(ctx, a.ID, false); return err })
		if diff := cmp.Diff(a, got); diff != "" {
			t.Errorf("member round trip (-want +got):\n%s", diff)
		}

		// Tenant isolation: a member sees itself and nothing else.
		mctx := storetest.AsMember(context.Background(), a.ID)
		var list []*member.Member
		db.Read(mctx, func(tx *store.Tx) (err error) { list, err = tx.ListMembers(mctx, store.MemberFilter{}); return err })
		if len(list) != 1 || list[0].ID != a.ID {
			t.Errorf("member sees %d members, want only itself", len(list))
		}
		err = db.Read(mctx, func(tx *store.Tx) error { _, err := tx.Member(mctx, b.ID, false); return err })
		if !errs.Is(err, errs.NotFound) {
			t.Errorf("member reading another member: got %v, want NotFound", err)
		}
		err = db.Transact(mctx, func(tx *store.Tx) error { return tx.UpdateMember(mctx, b) })
		if !errs.Is(err, errs.NotFound) {
			t.Errorf("member updating another member: got %v, want NotFound", err)
		}
		err = db.Read(context.Background(), func(tx *store.Tx) error {
			_, err := tx.ListMembers(context.Background(), store.MemberFilter{})
			return err
		})
		if !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("anonymous list: got %v, want Unauthenticated", err)
		}
		db.Read(ctx, func(tx *store.Tx) (err error) {
			list, err = tx.ListMembers(ctx, store.MemberFilter{Stage: member.StageApplied})
			return err
		})
		if len(list) != 1 || list[0].ID != b.ID {
			t.Errorf("stage filter: got %d members", len(list))
		}
	})
}

// TestLogAppend checks that entries commit with their change or not at all,
// and that concurrent appends form one gap-free sequence.
func TestLogAppend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Staff(context.Background(), auth.RoleOperator)
		rollback := errs.Invalidf("x", "回滚", "roll back")
		err := db.Transact(ctx, func(tx *store.Tx) error {
			if _, err := tx.Append(ctx, "", "test.rolled_back", "o", bizlog.P{"n": 1}); err != nil {
				return err
			}
			return rollback
		})
		if err != rollback {
			t.Fatal(err)
		}
		const workers, each = 8, 10
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if err := db.Transact(ctx, func(tx *store.Tx) error {
						_, err := tx.Append(ctx, "mem_x", "test.appended", "o", bizlog.P{"i": i})
						return err
					}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		var entries []bizlog.Entry
		var size int64
		db.Read(ctx, func(tx *store.Tx) (err error) {
			if size, err = tx.LogSize(ctx); err != nil {
				return err
			}
			entries, err = tx.LogEntries(ctx, store.LogFilter{Limit: 1000})
			return err
		})
		if size != workers*each || len(entries) != workers*each {
			t.Fatalf("size %d, %d entries; want %d", size, len(entries), workers*each)
		}
		for i, e := range entries {
			if e.Seq != int64(i) || e.Kind != "test.appended" {
				t.Fatalf("entry %d: seq %d kind %s", i, e.Seq, e.Kind)
			}
		}
		// A member reads only the entries that concern it.
		other := storetest.AsMember(context.Background(), "mem_y")
		db.Read(other, func(tx *store.Tx) (err error) { entries, err = tx.LogEntries(other, store.LogFilter{}); return err })
		if len(entries) != 0 {
			t.Errorf("another member sees %d entries", len(entries))
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Staff(context.Background(), auth.RoleOperator)
		acct := &store.Account{ID: auth.NewID("acc_"), Role: auth.RoleOperator, Login: "op", DisplayName: "运营", PasswordHash: "x", CreatedBy: "system"}
		if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.CreateAccount(ctx, acct) }); err != nil {
			t.Fatal(err)
		}
		err := db.Transact(ctx, func(tx *store.Tx) error {
			return tx.CreateAccount(ctx, &store.Account{ID: auth.NewID("acc_"), Role: auth.RoleOperator, Login: "op", DisplayName: "x", PasswordHash: "x"})
		})
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate login: %v", err)
		}
		secret, digest := auth.NewSecret("hls_")
		db.Transact(ctx, func(tx *store.Tx) error {
			return tx.CreateSession(ctx, digest, acct.ID, "csrf", tx.Now().Add(time.Hour))
		})
		var s *store.Session
		if err := db.Read(ctx, func(tx *store.Tx) (err error) { s, err = tx.SessionByDigest(ctx, auth.Digest(secret)); return err }); err != nil {
			t.Fatal(err)
		}
		if s.Account.ID != acct.ID || s.CSRF != "csrf" {
			t.Errorf("session %+v", s)
		}
		db.Transact(ctx, func(tx *store.Tx) error { return tx.DeleteSession(ctx, digest) })
		err = db.Read(ctx, func(tx *store.Tx) error { _, err := tx.SessionByDigest(ctx, digest); return err })
		if !errs.Is(err, errs.NotFound) {
			t.Errorf("deleted session: %v", err)
		}

		actx := auth.WithActor(context.Background(), acct.Actor())
		tsecret, tdigest := auth.NewSecret("hlt_")
		expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		tok := &store.Token{ID: auth.NewID("tok_"), Name: "ci", Scope: auth.ScopeSet{auth.ScopeExID, auth.ScopeMarket}, Expires: expires}
		if err := db.Transact(actx, func(tx *store.Tx) error { return tx.CreateToken(actx, tok, tdigest) }); err != nil {
			t.Fatal(err)
		}
		var got *store.Account
		var gotTok *store.Token
		db.Read(ctx, func(tx *store.Tx) (err error) {
			gotTok, got, err = tx.TokenAccount(ctx, auth.Digest(tsecret))
			return err
		})
		if got == nil || got.ID != acct.ID || got.Login != acct.Login {
			t.Fatalf("token account: %+v", got)
		}
		if gotTok.Scope.String() != "exid,market" || !gotTok.Expires.Equal(expires) || !gotTok.Live(time.Now()) || gotTok.Live(expires) {
			t.Errorf("token %+v: scope, expiry or liveness wrong", gotTok)
		}
		var listed []store.Token
		db.Read(actx, func(tx *store.Tx) (err error) { listed, err = tx.ListTokens(actx); return err })
		if len(listed) != 1 || listed[0].Scope.String() != "exid,market" || !listed[0].Expires.Equal(expires) {
			t.Errorf("listed tokens %+v", listed)
		}
		db.Transact(actx, func(tx *store.Tx) error { return tx.RevokeToken(actx, tok.ID) })
		db.Read(ctx, func(tx *store.Tx) (err error) { gotTok, _, err = tx.TokenAccount(ctx, tdigest); return err })
		if gotTok.Revoked.IsZero() || gotTok.Live(time.Now()) {
			t.Errorf("revoked token still live: %+v", gotTok)
		}
		err = db.Read(ctx, func(tx *store.Tx) error { _, _, err := tx.TokenAccount(ctx, auth.Digest("hlt_unknown")); return err })
		if !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown token: %v", err)
		}

		// Nonces: a second use is a replay.
		exp := time.Now().Add(time.Minute)
		if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UseNonce(ctx, "mem_a", "n1", exp) }); err != nil {
			t.Fatal(err)
		}
		err = db.Transact(ctx, func(tx *store.Tx) error { return tx.UseNonce(ctx, "mem_a", "n1", exp) })
		if !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("replayed nonce: %v", err)
		}
	})
}
