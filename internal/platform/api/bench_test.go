package api_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/api"
)

// BenchmarkGetMember measures one authenticated API call end to end over
// loopback on SQLite: authentication, the use case, a read transaction and
// both codecs. The node-signed variant adds a signature check and a nonce
// write per call.
func BenchmarkGetMember(b *testing.B) {
	f := newFixture(b, "sqlite")
	ctx := context.Background()
	clients := []struct {
		name string
		c    *api.Client
	}{
		{"token/proto", api.NewClient(f.URL, api.WithToken(f.A.Token))},
		{"token/json", api.NewClient(f.URL, api.WithToken(f.A.Token), api.WithJSON())},
		{"node-signed/proto", api.NewClient(f.URL, api.WithNodeKey(f.A.ID, f.A.Node))},
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.c.Members.GetMember(ctx, connect.NewRequest(&hulianv1.GetMemberRequest{Id: f.A.ID})); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
