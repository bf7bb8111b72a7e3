package api_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/rpc"
)

// TestTokenScopes: a token reaches only the services of its scope, expires
// and is listed with both; a login and password reach TokenService alone,
// which is how a command line makes its first token.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			ctx := context.Background()
			pw := rpc.NewClient(f.URL, rpc.WithPassword(f.A.Login, testPassword), rpc.WithLanguage(i18n.EN))
			made, err := pw.Tokens.CreateToken(ctx, connect.NewRequest(&hulianv1.CreateTokenRequest{Name: "batch", Scopes: []string{"exid"}, TtlDays: 7}))
			if err != nil {
				t.Fatalf("create with login and password: %v", err)
			}
			tok := made.Msg.Token
			if !strings.HasPrefix(made.Msg.Secret, "hlt_") || strings.Join(tok.Scopes, ",") != "exid" {
				t.Fatalf("made %+v", made.Msg)
			}
			if d := tok.Expires.AsTime().Sub(tok.Created.AsTime()); d != 7*24*60*60*1e9 {
				t.Errorf("lifetime %v, want 7 days", d)
			}

			scoped := rpc.NewClient(f.URL, rpc.WithToken(made.Msg.Secret), rpc.WithLanguage(i18n.EN))
			if _, err := scoped.ExID.PublicKeys(ctx, connect.NewRequest(&hulianv1.PublicKeysRequest{})); err != nil {
				t.Errorf("exid token on ExIDService: %v", err)
			}
			_, err = rpc.NewMarketClient(f.URL, rpc.WithToken(made.Msg.Secret), rpc.WithLanguage(i18n.EN)).ListOrders(ctx, connect.NewRequest(&hulianv1.ListOrdersRequest{}))
			if connect.CodeOf(err) != connect.CodePermissionDenied || !strings.Contains(err.Error(), "scope") {
				t.Errorf("exid token on MarketService: %v", err)
			}
			if _, err := scoped.Tokens.ListTokens(ctx, connect.NewRequest(&hulianv1.ListTokensRequest{})); connect.CodeOf(err) != connect.CodePermissionDenied {
				t.Errorf("exid token on TokenService: %v", err)
			}

			// A password is for tokens only, and a wrong one is refused.
			if _, err := rpc.NewMarketClient(f.URL, rpc.WithPassword(f.A.Login, testPassword)).ListOrders(ctx, connect.NewRequest(&hulianv1.ListOrdersRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("password on MarketService: %v", err)
			}
			wrong := rpc.NewClient(f.URL, rpc.WithPassword(f.A.Login, "not the password"))
			if _, err := wrong.Tokens.ListTokens(ctx, connect.NewRequest(&hulianv1.ListTokensRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("wrong password: %v", err)
			}

			// Password attempts are limited before any password is hashed.
			guess := rpc.NewClient(f.URL, rpc.WithPassword(f.B.Login, "a guess"))
			for i := range 6 {
				_, err := guess.Tokens.ListTokens(ctx, connect.NewRequest(&hulianv1.ListTokensRequest{}))
				if want := connect.CodeUnauthenticated; i == 5 {
					if connect.CodeOf(err) != connect.CodeResourceExhausted {
						t.Errorf("guess %d: %v, want resource_exhausted", i+1, err)
					}
				} else if connect.CodeOf(err) != want {
					t.Errorf("guess %d: %v", i+1, err)
				}
			}

			list, err := pw.Tokens.ListTokens(ctx, connect.NewRequest(&hulianv1.ListTokensRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, lt := range list.Msg.Tokens {
				if lt.Id == tok.Id {
					found = strings.Join(lt.Scopes, ",") == "exid" && lt.Expires != nil
				}
			}
			if !found {
				t.Errorf("the new token is not listed with its scope and expiry: %+v", list.Msg.Tokens)
			}
			if _, err := pw.Tokens.RevokeToken(ctx, connect.NewRequest(&hulianv1.RevokeTokenRequest{Id: tok.Id})); err != nil {
				t.Fatal(err)
			}
			if _, err := scoped.ExID.PublicKeys(ctx, connect.NewRequest(&hulianv1.PublicKeysRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("revoked token: %v", err)
			}
		})
	}
}
