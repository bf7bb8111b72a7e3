package platform_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

func application(n int) platform.Application {
	return platform.Application{
		Application: member.Application{Name: "上海测试数据有限公司", USCC: storetest.USCC(n), Industry: "I64", ContactName: "王五",
			ContactPhone: "021-87654321", ContactEmail: "dpo@example.cn", StorageRegion: "CN-SH", Supplier: true, Demander: true},
		Login: "member-admin", DisplayName: "王五", Password: "correct horse battery staple",
	}
}

// TestOnboardingAttributed runs the four steps of X-M2 through the use
// cases and checks that each is attributed to its actor, in the member row
// and in the business log, and that trading opens only after step four.
func TestOnboardingAttributed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := platform.New(db, nil)
		op, err := p.CreateStaff(ctx, auth.RoleOperator, "admin", "管理员", "a long operator password", true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.CreateStaff(ctx, auth.RoleOperator, "admin2", "管理员", "a long operator password", true); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("second bootstrap: %v", err)
		}
		opCtx := auth.WithActor(ctx, op.Actor())

		m, acct, err := p.Apply(ctx, application(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.Apply(ctx, application(1)); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate application: %v", err)
		}
		memCtx := auth.WithActor(ctx, acct.Actor())
		trade := func() error {
			return db.Transact(memCtx, func(tx *store.Tx) error { _, err := platform.RequireTrading(memCtx, tx); return err })
		}
		if err := trade(); !errs.Is(err, errs.FailedPrecondition) {
			t.Fatalf("trading after applying: %v", err)
		}
		if _, err := p.Review(memCtx, m.ID, true, ""); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("member reviewing itself: %v", err)
		}
		if _, err := p.Review(opCtx, m.ID, true, "资料齐全"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.SignAgreement(memCtx, m.ID, p.Agreement); err != nil {
			t.Fatal(err)
		}
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		x := make([]byte, 32)
		rand.Read(x)
		if _, err := p.RegisterKeys(memCtx, m.ID, member.Keys{X25519: x, Signing: pub}); err != nil {
			t.Fatal(err)
		}
		if err := trade(); err == nil {
			t.Fatal("trading allowed before the integration test")
		}
		if _, err := p.PassIntegration(memCtx, m.ID); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("integration by a person instead of the node: %v", err)
		}
		nodeCtx := auth.WithActor(ctx, auth.NodeActor(m.ID))
		got, err := p.PassIntegration(nodeCtx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := trade(); err != nil {
			t.Fatalf("trading after onboarding: %v", err)
		}
		if got.Stage != member.StageActive {
			t.Errorf("stage %s", got.Stage)
		}
		want := map[string]string{ // step → actor
			"qualified":  op.Actor().Ref(),
			"agreed":     acct.Actor().Ref(),
			"opened":     acct.Actor().Ref(),
			"integrated": "node:" + m.ID,
		}
		steps := map[string]member.Step{"qualified": got.Qualified, "agreed": got.Agreed, "opened": got.Opened, "integrated": got.Integrated}
		for name, s := range steps {
			if s.By != want[name] || s.At.IsZero() {
				t.Errorf("step %s attributed to %q at %v, want %q", name, s.By, s.At, want[name])
			}
		}

		var entries []bizlog.Entry
		db.Read(opCtx, func(tx *store.Tx) (err error) {
			entries, err = tx.LogEntries(opCtx, store.LogFilter{Member: m.ID})
			return err
		})
		var kinds []string
		for _, e := range entries {
			kinds = append(kinds, e.Kind+"@"+e.Actor)
		}
		wantKinds := []string{
			bizlog.KindMemberApplied + "@" + acct.Actor().Ref(),
			bizlog.KindAccountCreated + "@" + acct.Actor().Ref(),
			bizlog.KindMemberQualified + "@" + op.Actor().Ref(),
			bizlog.KindMemberAgreed + "@" + acct.Actor().Ref(),
			bizlog.KindMemberOpened + "@" + acct.Actor().Ref(),
			bizlog.KindMemberIntegrated + "@node:" + m.ID,
		}
		if len(kinds) != len(wantKinds) {
			t.Fatalf("log entries %v, want %v", kinds, wantKinds)
		}
		for i := range kinds {
			if kinds[i] != wantKinds[i] {
				t.Errorf("entry %d: %s, want %s", i, kinds[i], wantKinds[i])
			}
		}
	})
}

// TestFailedChangeLeavesNothing checks that a transition refused half-way
// writes neither the change nor a log entry.
func TestFailedChangeLeavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := platform.New(db, nil)
		op, _ := p.CreateStaff(ctx, auth.RoleOperator, "admin", "管理员", "a long operator password", true)
		opCtx := auth.WithActor(ctx, op.Actor())
		m, _, err := p.Apply(ctx, application(2))
		if err != nil {
			t.Fatal(err)
		}
		var before int64
		db.Read(opCtx, func(tx *store.Tx) (err error) { before, err = tx.LogSize(opCtx); return err })
		if _, err := p.Review(opCtx, m.ID, false, " "); !errs.Is(err, errs.Invalid) {
			t.Fatalf("empty reason: %v", err)
		}
		var after int64
		db.Read(opCtx, func(tx *store.Tx) (err error) { after, err = tx.LogSize(opCtx); return err })
		got, _ := p.Member(opCtx, m.ID)
		if after != before || got.Stage != member.StageApplied {
			t.Errorf("refused review left log %d→%d, stage %s", before, after, got.Stage)
		}
	})
}

func TestLoginAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := platform.New(db, nil)
		if _, err := p.CreateStaff(ctx, auth.RoleOperator, "admin", "管理员", "short", true); !errs.Is(err, errs.Invalid) {
			t.Errorf("short password: %v", err)
		}
		op, err := p.CreateStaff(ctx, auth.RoleOperator, "Admin", "管理员", "a long operator password", true)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.Login(ctx, "admin", "wrong password!!"); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("wrong password: %v", err)
		}
		if _, _, err := p.Login(ctx, "nobody", "wrong password!!"); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("unknown login: %v", err)
		}
		secret, s, err := p.Login(ctx, " ADMIN ", "a long operator password")
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Session(ctx, secret)
		if err != nil || got.Account.ID != op.ID || got.CSRF != s.CSRF {
			t.Fatalf("session: %v %+v", err, got)
		}
		p.Logout(ctx, secret)
		if _, err := p.Session(ctx, secret); err == nil {
			t.Error("session alive after logout")
		}
		opCtx := auth.WithActor(ctx, op.Actor())
		tok, rec, err := p.CreateToken(opCtx, "ci", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
		if err != nil {
			t.Fatal(err)
		}
		if _, a, err := p.TokenAccount(ctx, tok); err != nil || a.ID != op.ID {
			t.Fatalf("token account: %v", err)
		}
		if err := p.RevokeToken(opCtx, rec.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.TokenAccount(ctx, tok); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("revoked token: %v", err)
		}
		short, _, err := p.CreateToken(opCtx, "short", auth.ScopeSet{auth.ScopeExID}, time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		if _, _, err := p.TokenAccount(ctx, short); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("expired token: %v", err)
		}
		for _, ttl := range []time.Duration{0, auth.MaxTokenTTL + time.Hour} {
			if _, _, err := p.CreateToken(opCtx, "bad ttl", auth.ScopeSet{auth.ScopeAll}, ttl); !errs.Is(err, errs.Invalid) {
				t.Errorf("ttl %v: %v", ttl, err)
			}
		}
		if _, _, err := p.CreateToken(opCtx, "no scope", nil, time.Hour); !errs.Is(err, errs.Invalid) {
			t.Errorf("no scope: %v", err)
		}
		if _, _, err := p.CreateToken(ctx, "anon", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("anonymous token: %v", err)
		}
	})
}
