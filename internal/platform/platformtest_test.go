package platform_test

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/member"
	"hulian/internal/platform/exchange"
)

// onboarded is a member that completed all four onboarding steps.
type onboarded struct {
	ctx     context.Context // acting as the member's staff
	member  *member.Member
	nodeKey crypto.Signer
}

// operator bootstraps the first operator and returns a context acting as it.
func operator(t testing.TB, p *exchange.Exchange) context.Context {
	t.Helper()
	ctx := context.Background()
	op, err := p.CreateStaff(ctx, auth.RoleOperator, "admin", "管理员", "a long operator password", true)
	if err != nil {
		t.Fatal(err)
	}
	return auth.WithActor(ctx, op.Actor())
}

// onboard takes a new member through the four steps of X-M2.
func onboard(t *testing.T, p *exchange.Exchange, opCtx context.Context, n int, supplier, demander bool) onboarded {
	t.Helper()
	a := application(n)
	a.Login = fmt.Sprintf("member-%d", n)
	a.Supplier, a.Demander = supplier, demander
	m, acct, err := p.Apply(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithActor(context.Background(), acct.Actor())
	if _, err := p.Review(opCtx, m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SignAgreement(ctx, m.ID, p.Agreement); err != nil {
		t.Fatal(err)
	}
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	x := make([]byte, 32)
	rand.Read(x)
	if _, err := p.RegisterKeys(ctx, m.ID, member.Keys{X25519: x, Signing: pub}); err != nil {
		t.Fatal(err)
	}
	m, err = p.PassIntegration(auth.WithActor(context.Background(), auth.NodeActor(m.ID)), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return onboarded{ctx: ctx, member: m, nodeKey: key}
}
