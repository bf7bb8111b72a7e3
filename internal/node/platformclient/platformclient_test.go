package platformclient_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/node"
	"hulian/internal/node/platformclient"
	nodeserver "hulian/internal/node/server"
	"hulian/internal/platform"
	pserver "hulian/internal/platform/server"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/storage/storagetest"
)

// startPlatform runs a platform on ":0" over a fresh database of engine.
func startPlatform(t *testing.T, engine string) *pserver.Main {
	t.Helper()
	m, err := pserver.Open(context.Background(), pserver.Config{Listen: "127.0.0.1:0", DB: storagetest.DSN(t, engine), KEKEnv: keyring.NewKEKText(), AllowEndpoints: netguard.Loopback})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		m.Close()
	})
	return m
}

// agreedMember takes a new member through steps 1 and 2 with the platform's
// use cases and returns it with an API token of its first account.
func agreedMember(t *testing.T, p *platform.Platform, n int) (*member.Member, string) {
	t.Helper()
	ctx := context.Background()
	m, acct, err := p.Apply(ctx, platform.Application{
		Application: member.Application{Name: "节点测试公司", USCC: storetest.USCC(n), Industry: "I64", ContactName: "李四",
			ContactPhone: "021-12345678", ContactEmail: "ops@example.cn", StorageRegion: "CN-SH", Demander: true},
		Login: storetest.Name("node"), DisplayName: "李四", Password: "correct horse battery staple",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Review(storetest.Staff(ctx, auth.RoleOperator), m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	mctx := auth.WithActor(ctx, acct.Actor())
	if _, err := p.SignAgreement(mctx, m.ID, p.Agreement); err != nil {
		t.Fatal(err)
	}
	secret, _, err := p.CreateToken(mctx, "node", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
	if err != nil {
		t.Fatal(err)
	}
	return m, secret
}

// TestOnboardingEndToEnd: a platform and a node on ":0"; the member's node
// registers its keys with a staff token (step 3) and, started again,
// integrates by itself with a signed request (step 4). The platform
// records the member active, step 4 attributed to the node.
func TestOnboardingEndToEnd(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pm := startPlatform(t, eng)
			m, token := agreedMember(t, pm.Platform, int(time.Now().UnixNano()%1e9))
			cfg := node.Config{DB: storagetest.DSN(t, eng), KEKEnv: keyring.NewKEKText(), MemberID: m.ID, PlatformURL: pm.URL(), NewPlatform: platformclient.New}

			n, err := node.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			// Before step 3 the platform does not know the node's key.
			if st := n.Status(ctx); !st.Reachable || !errs.Is(st.Err, errs.Unauthenticated) {
				t.Errorf("status before keys: %+v", st)
			}
			if _, err := n.Integrate(ctx); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("integrate before keys: %v", err)
			}
			if _, err := n.RegisterKeys(ctx, "hlt_not_a_token"); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("register with a bad token: %v", err)
			}
			stage, err := n.RegisterKeys(ctx, token)
			if err != nil || stage != member.StageOpened {
				t.Fatalf("register keys: %s %v", stage, err)
			}
			if st := n.Status(ctx); st.Stage != member.StageOpened || !st.KeysMatch || st.Err != nil {
				t.Errorf("status after keys: %+v", st)
			}
			n.Close()

			// The node, started with member and platform, integrates.
			cfg.MemberID, cfg.PlatformURL = "", "" // remembered from the first start
			ns, err := nodeserver.Open(ctx, nodeserver.Config{Listen: "127.0.0.1:0", Node: cfg})
			if err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- ns.Run(rctx) }()
			defer func() { cancel(); <-done; ns.Close() }()
			select {
			case <-ns.Integrated():
			case <-time.After(20 * time.Second):
				t.Fatal("the node did not try to integrate")
			}
			got, err := pm.Platform.Member(storetest.Staff(ctx, auth.RoleOperator), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != member.StageActive || got.Integrated.By != "node:"+m.ID {
				t.Fatalf("member stage %s, step 4 by %q; want active by the node", got.Stage, got.Integrated.By)
			}
			if err := got.CanTrade(); err != nil {
				t.Errorf("member cannot trade after onboarding: %v", err)
			}
			// A second integration is refused by the platform, in its words.
			_, err = ns.Node.Integrate(ctx)
			var e *errs.Error
			if !errs.Is(err, errs.FailedPrecondition) || !errors.As(err, &e) || e.Reason.EN == "" {
				t.Errorf("second integration: %v", err)
			}
		})
	}
}

func TestUnreachablePlatform(t *testing.T) {
	t.Parallel()
	// A port that was just free: nothing answers there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	n, err := node.Open(context.Background(), node.Config{
		DB: "sqlite://" + filepath.Join(t.TempDir(), "node.db"), MemberID: "mem_abc", PlatformURL: url, NewPlatform: platformclient.New,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	st := n.Status(context.Background())
	if st.Reachable || !errs.Is(st.Err, errs.Unavailable) {
		t.Errorf("status %+v, want unreachable", st)
	}
}
