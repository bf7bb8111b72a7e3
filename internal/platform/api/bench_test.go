package api_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/rpc"
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
		c    *rpc.Client
	}{
		{"token/proto", rpc.NewClient(f.URL, rpc.WithToken(f.A.Token))},
		{"token/json", rpc.NewClient(f.URL, rpc.WithToken(f.A.Token), rpc.WithJSON())},
		{"node-signed/proto", rpc.NewClient(f.URL, rpc.WithNodeKey(f.A.ID, f.A.Node))},
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
