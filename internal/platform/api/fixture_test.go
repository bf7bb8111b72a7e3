package api_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/platform"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

const testPassword = "correct horse battery"

// start runs a platform on a fresh database of engine, on a free port,
// until the test ends.
func start(t testing.TB, engine string) *server.Main {
	t.Helper()
	return startConfig(t, server.Config{DB: storetest.DSN(t, engine), Calendar: testCalendar()})
}

// startConfig runs a platform with cfg, on loopback, with a fresh KEK.
func startConfig(t testing.TB, cfg server.Config) *server.Main {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Listen, cfg.KEKEnv, cfg.AllowEndpoints = "127.0.0.1:0", keyring.NewKEKText(), netguard.Loopback
	m, err := server.Open(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("open platform: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("platform run: %v", err)
		}
		m.Close()
	})
	return m
}

var seq atomic.Int64

// uniq returns a number no other call in this test binary returns; USCCs
// and logins are made from it.
func uniq() int { return int(seq.Add(1)) + int(time.Now().UnixNano()%1_000_000)*1000 }

// application returns a valid application with a fresh USCC.
func application() member.Application {
	return member.Application{
		Name: "上海测试数据有限公司", USCC: storetest.USCC(uniq()), Industry: "I64",
		ContactName: "张三", ContactPhone: "+86 21 5555 0100", ContactEmail: "ops@example.cn",
		StorageRegion: "CN-SH", Supplier: true, Demander: true,
	}
}

// tenant is a member with a staff account, an API token, node keys and a
// console session.
type tenant struct {
	ID      string
	Account *store.Account
	Login   string
	Token   string
	TokenID string
	Node    ed25519.PrivateKey
	X25519  []byte
	XKey    *ecdh.PrivateKey // the node's X25519 private key, for delivery tests
	Cookie  string           // console session secret
	CSRF    string

	extraTokens []string // tokens made during a test
}

func (tn *tenant) actor() auth.Actor { return tn.Account.Actor() }

// fixture is a platform with an operator, a regulator and two members.
type fixture struct {
	M         *server.Main
	URL       string
	Operator  *store.Account
	OpToken   string
	Regulator *store.Account
	RegToken  string
	A, B      *tenant
	cleanup   func(func()) // the fixture's test's, for servers that live as long as it
}

func staffCtx() context.Context { return storetest.Staff(context.Background(), auth.RoleOperator) }

func newFixture(t testing.TB, engine string) *fixture {
	t.Helper()
	return fixtureOn(t, start(t, engine))
}

// fixtureOn is newFixture on a running platform.
func fixtureOn(t testing.TB, m *server.Main) *fixture {
	t.Helper()
	ctx := context.Background()
	p := m.Exchange
	f := &fixture{M: m, URL: m.URL(), cleanup: t.Cleanup}
	var err error
	f.Operator, err = p.CreateStaff(ctx, auth.RoleOperator, fmt.Sprintf("op%d", uniq()), "运营员", testPassword, true)
	if err != nil {
		t.Fatal(err)
	}
	opCtx := auth.WithActor(ctx, f.Operator.Actor())
	if f.OpToken, _, err = p.CreateToken(opCtx, "test", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL); err != nil {
		t.Fatal(err)
	}
	f.Regulator, err = p.CreateStaff(opCtx, auth.RoleRegulator, fmt.Sprintf("reg%d", uniq()), "监管员", testPassword, false)
	if err != nil {
		t.Fatal(err)
	}
	if f.RegToken, _, err = p.CreateToken(auth.WithActor(ctx, f.Regulator.Actor()), "test", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL); err != nil {
		t.Fatal(err)
	}
	f.A, f.B = f.newTenant(t), f.newTenant(t)
	return f
}

func (f *fixture) newTenant(t testing.TB) *tenant {
	t.Helper()
	ctx := context.Background()
	p := f.M.Exchange
	tn := &tenant{Login: fmt.Sprintf("m%d@example.cn", uniq())}
	m, acct, err := p.Apply(ctx, platform.Application{Application: application(), Login: tn.Login, DisplayName: "成员员工", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	tn.ID, tn.Account = m.ID, acct
	tok, tt, err := p.CreateToken(auth.WithActor(ctx, acct.Actor()), "test", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
	if err != nil {
		t.Fatal(err)
	}
	tn.Token, tn.TokenID = tok, tt.ID
	_, tn.Node, _ = ed25519.GenerateKey(rand.Reader)
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	tn.X25519, tn.XKey = x.PublicKey().Bytes(), x
	secret, s, err := p.Login(ctx, tn.Login, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	tn.Cookie, tn.CSRF = secret, s.CSRF
	f.setStage(t, tn, member.StageOpened)
	return tn
}

// setStage puts a member straight into stage, as if it had gone through
// onboarding so far. Its node keys stay registered whatever the stage, so
// that the node can sign requests in every test.
func (f *fixture) setStage(t testing.TB, tn *tenant, stage member.Stage) {
	t.Helper()
	ctx := staffCtx()
	err := f.M.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := tx.Member(ctx, tn.ID, true)
		if err != nil {
			return err
		}
		now, by := tx.Now(), "account:"+tn.Account.ID
		done := func(step int) member.Step {
			if stage.StepsDone() >= step {
				return member.Step{At: now, By: by}
			}
			return member.Step{}
		}
		m.Stage = stage
		keys := member.Keys{X25519: tn.X25519, Signing: tn.Node.Public().(ed25519.PublicKey)}
		if !bytes.Equal(m.Keys.X25519, keys.X25519) {
			// Registered keys are logged, as RegisterKeys logs them, so
			// that peers can check them against the log.
			p := bizlog.P{"x25519_public_sha256": bizlog.Commit(keys.X25519), "ed25519_public_sha256": bizlog.Commit(keys.Signing)}
			if _, err := tx.Append(ctx, m.ID, bizlog.KindMemberOpened, m.ID, p); err != nil {
				return err
			}
		}
		m.Keys = keys
		m.Qualified, m.Agreed, m.Opened, m.Integrated = done(1), done(2), done(3), done(4)
		m.RejectReason, m.Agreement = "", ""
		if stage == member.StageRejected {
			m.Qualified, m.RejectReason = member.Step{At: now, By: "account:" + f.Operator.ID}, "材料不全"
		}
		if m.Agreed.Done() {
			m.Agreement = f.M.Platform.Agreement
		}
		return tx.UpdateMember(ctx, m)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot is the state an unauthorised call must leave untouched.
type snapshot struct {
	A, B    *member.Member
	LogSize int64
}

func (f *fixture) snapshot(t testing.TB) snapshot {
	t.Helper()
	ctx := staffCtx()
	var s snapshot
	err := f.M.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if s.A, err = tx.Member(ctx, f.A.ID, false); err != nil {
			return err
		}
		if s.B, err = tx.Member(ctx, f.B.ID, false); err != nil {
			return err
		}
		s.LogSize, err = tx.LogSize(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// withHeaders is a transport adding fixed headers, for console cookies.
type withHeaders struct {
	base http.RoundTripper
	h    http.Header
}

func (w withHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range w.h {
		r.Header[k] = v
	}
	return w.base.RoundTrip(r)
}
