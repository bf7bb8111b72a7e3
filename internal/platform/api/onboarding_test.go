package api_test

import (
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"

	"hulian/internal/auth"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/rpc"
)

// TestOnboardingThroughAPI drives the four onboarding steps of X-M2 with
// the generated clients, each step by the party the rules give it to, and
// checks that trading is refused until the fourth step and that every step
// is attributed, on the member and in the business log (X-M3).
func TestOnboardingThroughAPI(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := start(t, eng)
			p := m.Exchange

			// Step 0: anyone applies.
			anon := rpc.NewClient(m.URL())
			app := application()
			login := fmt.Sprintf("applicant%d", uniq())
			applied, err := anon.Members.Apply(ctx, connect.NewRequest(&hulianv1.ApplyRequest{
				Application: &hulianv1.Application{
					Name: app.Name, Uscc: app.USCC, Industry: app.Industry, ContactName: app.ContactName,
					ContactPhone: app.ContactPhone, ContactEmail: app.ContactEmail, StorageRegion: app.StorageRegion,
					Roles: []hulianv1.MemberRole{hulianv1.MemberRole_MEMBER_ROLE_SUPPLIER},
				},
				Login: login, DisplayName: "申请人", Password: testPassword,
			}))
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			id, staff := applied.Msg.Member.Id, "account:"+applied.Msg.AccountId
			memberActor := auth.Actor{AccountID: applied.Msg.AccountId, MemberID: id, Role: auth.RoleMember, Name: login}
			wantStage(t, applied.Msg.Member, hulianv1.Stage_STAGE_APPLIED)
			if got := applied.Msg.Member.Applied.GetBy(); got != staff {
				t.Errorf("applied by %q, want %q", got, staff)
			}

			trade := func() error {
				ctx := auth.WithActor(ctx, memberActor)
				return m.DB.Transact(ctx, func(tx *store.Tx) error {
					_, err := platform.RequireTrading(ctx, tx)
					return err
				})
			}
			refused := func(step string) {
				t.Helper()
				if err := trade(); !errs.Is(err, errs.FailedPrecondition) {
					t.Errorf("after %s: trading gave %v, want a failed precondition", step, err)
				}
			}
			refused("applying")

			// Step 1: the operator reviews, with an API token.
			op, err := p.CreateStaff(ctx, auth.RoleOperator, fmt.Sprintf("op%d", uniq()), "运营员", testPassword, true)
			if err != nil {
				t.Fatal(err)
			}
			opSecret, _, err := p.CreateToken(auth.WithActor(ctx, op.Actor()), "review", auth.ScopeSet{auth.ScopeAll}, auth.DefaultTokenTTL)
			if err != nil {
				t.Fatal(err)
			}
			opc := rpc.NewClient(m.URL(), rpc.WithToken(opSecret))
			reviewed, err := opc.Members.ReviewQualification(ctx, connect.NewRequest(&hulianv1.ReviewQualificationRequest{Id: id, Approve: true}))
			if err != nil {
				t.Fatalf("review: %v", err)
			}
			wantStage(t, reviewed.Msg.Member, hulianv1.Stage_STAGE_QUALIFIED)
			refused("qualification")

			// The member's staff logs in to the console, and from there makes
			// an API token for its own tools.
			secret, sess, err := p.Login(ctx, login, testPassword)
			if err != nil {
				t.Fatal(err)
			}
			console := rpc.NewClient(m.URL(), rpc.WithTransport(withHeaders{http.DefaultTransport, http.Header{
				"Cookie":       {auth.SessionCookie + "=" + secret},
				"X-Csrf-Token": {sess.CSRF},
			}}))
			made, err := console.Tokens.CreateToken(ctx, connect.NewRequest(&hulianv1.CreateTokenRequest{Name: "member tools", Scopes: []string{"all"}}))
			if err != nil {
				t.Fatalf("create token from the console: %v", err)
			}
			mc := rpc.NewClient(m.URL(), rpc.WithToken(made.Msg.Secret))

			// Step 2: the member signs the current agreement.
			ag, err := mc.Members.GetAgreement(ctx, connect.NewRequest(&hulianv1.GetAgreementRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			signed, err := mc.Members.SignAgreement(ctx, connect.NewRequest(&hulianv1.SignAgreementRequest{Id: id, AgreementVersion: ag.Msg.Version}))
			if err != nil {
				t.Fatalf("sign agreement: %v", err)
			}
			wantStage(t, signed.Msg.Member, hulianv1.Stage_STAGE_AGREED)
			if signed.Msg.Member.AgreementVersion != platform.CurrentAgreement {
				t.Errorf("agreement version %q, want %q", signed.Msg.Member.AgreementVersion, platform.CurrentAgreement)
			}
			refused("agreement")

			// Step 3: the member registers its node's keys.
			pub, key, _ := ed25519.GenerateKey(rand.Reader)
			x, _ := ecdh.X25519().GenerateKey(rand.Reader)
			opened, err := mc.Members.RegisterNodeKeys(ctx, connect.NewRequest(&hulianv1.RegisterNodeKeysRequest{
				Id: id, X25519PublicKey: x.PublicKey().Bytes(), Ed25519PublicKey: pub,
			}))
			if err != nil {
				t.Fatalf("register keys: %v", err)
			}
			wantStage(t, opened.Msg.Member, hulianv1.Stage_STAGE_OPENED)
			refused("account opening")

			// Step 4 is the node's signed request; the staff cannot do it.
			_, err = mc.Members.CompleteIntegration(ctx, connect.NewRequest(&hulianv1.CompleteIntegrationRequest{Id: id}))
			if connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Errorf("integration by the member's staff: %v, want permission denied", err)
			}
			refused("an integration attempt without the node")
			node := rpc.NewClient(m.URL(), rpc.WithNodeKey(id, key))
			active, err := node.Members.CompleteIntegration(ctx, connect.NewRequest(&hulianv1.CompleteIntegrationRequest{Id: id}))
			if err != nil {
				t.Fatalf("complete integration: %v", err)
			}
			wantStage(t, active.Msg.Member, hulianv1.Stage_STAGE_ACTIVE)
			if err := trade(); err != nil {
				t.Errorf("trading after onboarding: %v", err)
			}

			// Every step names who did it, on the member...
			got, err := mc.Members.GetMember(ctx, connect.NewRequest(&hulianv1.GetMemberRequest{Id: id}))
			if err != nil {
				t.Fatal(err)
			}
			mm := got.Msg.Member
			steps := map[string]string{
				"applied": mm.Applied.GetBy(), "qualified": mm.Qualified.GetBy(), "agreed": mm.Agreed.GetBy(),
				"opened": mm.Opened.GetBy(), "integrated": mm.Integrated.GetBy(),
			}
			wantSteps := map[string]string{
				"applied": staff, "qualified": "account:" + op.ID, "agreed": staff, "opened": staff, "integrated": "node:" + id,
			}
			if diff := cmp.Diff(wantSteps, steps); diff != "" {
				t.Errorf("step actors (-want +got):\n%s", diff)
			}
			for name, s := range map[string]*hulianv1.Step{"applied": mm.Applied, "qualified": mm.Qualified, "agreed": mm.Agreed, "opened": mm.Opened, "integrated": mm.Integrated} {
				if s.GetAt() == nil || s.GetAt().AsTime().IsZero() {
					t.Errorf("step %s has no time", name)
				}
			}

			// ...and in the business log, in order.
			sctx := staffCtx()
			var entries []string
			err = m.DB.Read(sctx, func(tx *store.Tx) error {
				es, err := tx.LogEntries(sctx, store.LogFilter{Member: id})
				for _, e := range es {
					entries = append(entries, e.Kind+" by "+e.Actor)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"member.applied by " + staff,
				"account.created by " + staff,
				"member.qualified by account:" + op.ID,
				"token.created by " + staff,
				"member.agreement_signed by " + staff,
				"member.account_opened by " + staff,
				"member.integration_passed by node:" + id,
			}
			if diff := cmp.Diff(want, entries); diff != "" {
				t.Errorf("business log (-want +got):\n%s", diff)
			}
		})
	}
}

func wantStage(t *testing.T, m *hulianv1.Member, want hulianv1.Stage) {
	t.Helper()
	if m.GetStage() != want {
		t.Errorf("member %s is in stage %v, want %v", m.GetId(), m.GetStage(), want)
	}
}
