package api_test

import (
	"context"
	"strings"
	"sync"
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

			// Password attempts are limited before any password is hashed:
			// of six guesses sent at once, the limit admits five (each then
			// hashed, in turn) and refuses the sixth at once. Sent at once,
			// so that the limit does not refill meanwhile however slowly
			// the hashes run.
			guess := rpc.NewClient(f.URL, rpc.WithPassword(f.B.Login, "a guess"))
			codes := make(chan connect.Code, 6)
			var wg sync.WaitGroup
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := guess.Tokens.ListTokens(ctx, connect.NewRequest(&hulianv1.ListTokensRequest{}))
					codes <- connect.CodeOf(err)
				}()
			}
			wg.Wait()
			close(codes)
			count := map[connect.Code]int{}
			for c := range codes {
				count[c]++
			}
			// An admitted guess may find every hashing turn taken for the
			// whole wait when the machine is loaded (the turns are shared
			// by all the tests running): it is then "busy, retry", which
			// is still not a refusal of the password.
			if count[connect.CodeResourceExhausted] != 1 || count[connect.CodeUnauthenticated] == 0 || count[connect.CodeUnauthenticated]+count[connect.CodeUnavailable] != 5 {
				t.Errorf("six guesses at once: %v, want five unauthenticated (or busy) and one resource_exhausted", count)
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
