package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/throttle"
	"hulian/internal/rpc"
)

// TestDoorsThrottled: applications and password attempts through the API
// count against the database's budget for the caller's address — the
// budget every replica shares — and over it are refused before any
// password is hashed, the right password included.
func TestDoorsThrottled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := start(t, "sqlite")
	m.Exchange.Throttle.SetLimit(throttle.Apply, throttle.Limit{Window: time.Hour, PerAddress: 2, PerNetwork: 10})
	m.Exchange.Throttle.SetLimit(throttle.Login, throttle.Limit{Window: time.Hour, PerAddress: 3, PerNetwork: 10})

	anon := rpc.NewClient(m.URL())
	var logins []string
	for i := range 3 {
		app := application()
		login := fmt.Sprintf("throttled%d", uniq())
		_, err := anon.Members.Apply(ctx, connect.NewRequest(&hulianv1.ApplyRequest{
			Application: &hulianv1.Application{
				Name: app.Name + fmt.Sprint(i), Uscc: app.USCC, Industry: app.Industry, ContactName: app.ContactName,
				ContactPhone: app.ContactPhone, ContactEmail: app.ContactEmail, StorageRegion: app.StorageRegion,
				Roles: []hulianv1.MemberRole{hulianv1.MemberRole_MEMBER_ROLE_DEMANDER},
			},
			Login: login, DisplayName: "申请人", Password: testPassword,
		}))
		switch {
		case i < 2 && err != nil:
			t.Fatalf("application %d: %v", i+1, err)
		case i == 2 && connect.CodeOf(err) != connect.CodeResourceExhausted:
			t.Fatalf("the third application from one address: %v, want resource_exhausted", err)
		}
		if err == nil {
			logins = append(logins, login)
		}
	}
	// Password attempts: two wrong ones, a right one, then even the right
	// one waits for the window.
	for i, pw := range []string{"wrong password 1", "wrong password 2", testPassword, testPassword} {
		c := rpc.NewClient(m.URL(), rpc.WithPassword(logins[0], pw))
		_, err := c.Tokens.ListTokens(ctx, connect.NewRequest(&hulianv1.ListTokensRequest{}))
		want := []connect.Code{connect.CodeUnauthenticated, connect.CodeUnauthenticated, 0, connect.CodeResourceExhausted}[i]
		if connect.CodeOf(err) != want && !(want == 0 && err == nil) {
			t.Errorf("attempt %d: %v, want %v", i+1, err, want)
		}
	}
}
