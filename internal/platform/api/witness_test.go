package api_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/witness"
)

// TestWitnessOverTheAPI: the regulator's witness, with a token of scope
// log, reads every entry and publishes its cosignature through the real
// server; a member's token of scope log reads only its own entries and
// cannot cosign; a token of scope log calls no Connect service.
func TestWitnessOverTheAPI(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			ctx := context.Background()
			if _, err := f.M.Exchange.Log.Checkpoint(staffCtx()); err != nil {
				t.Fatal(err)
			}
			regLog, _, err := f.M.Exchange.CreateToken(auth.WithActor(ctx, f.Regulator.Actor()), "witness", auth.ScopeSet{auth.ScopeLog}, auth.DefaultTokenTTL)
			if err != nil {
				t.Fatal(err)
			}
			memberLog, _, err := f.M.Exchange.CreateToken(auth.WithActor(ctx, f.A.actor()), "witness", auth.ScopeSet{auth.ScopeLog}, auth.DefaultTokenTTL)
			if err != nil {
				t.Fatal(err)
			}
			run := func(token string) (*witness.Witness, *witness.Result, error) {
				st, err := witness.OpenStore(ctx, "sqlite://"+filepath.Join(t.TempDir(), "w.db"))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				key, _, err := witness.LoadKey(filepath.Join(t.TempDir(), "w.key"), "hulian.witness/"+token[:12])
				if err != nil {
					t.Fatal(err)
				}
				w := &witness.Witness{Platform: f.URL, Token: token, Store: st, Signer: key.Signer, Verifier: key.Verifier}
				res, err := w.Round(ctx, -1)
				return w, res, err
			}
			if _, res, err := run(regLog); err != nil || res.PublishErr != nil || res.Copied == 0 {
				t.Fatalf("regulator's witness: %+v %v", res, err)
			}
			st, err := f.M.Exchange.Witnesses.Status(staffCtx())
			if err != nil || len(st.Witnesses) != 1 {
				t.Fatalf("status: %+v %v", st, err)
			}
			// A member's witness sees only its entries: they do not hash
			// to the platform's root.
			if _, _, err := run(memberLog); err == nil || !strings.Contains(err.Error(), "does not serve entry") {
				t.Errorf("a member's witness: %v", err)
			}
			req, _ := http.NewRequest(http.MethodPost, f.URL+"/hulian.v1.MemberService/GetMember", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+regLog)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("a log token on a Connect service: %s", resp.Status)
			}
		})
	}
}
