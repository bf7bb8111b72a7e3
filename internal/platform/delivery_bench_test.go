package platform_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/netguard"
	"hulian/internal/node/suppliertest"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/protocol/evidence"
	"hulian/internal/sig"
)

// BenchmarkRelay measures the relay's overhead on a real-time request of
// 1,000 tokens: "relay" is the platform's Deliver (checks, the signed
// forward, the answer's verification, and the charge, log entry and
// receipt in one SQLite transaction) in front of a fake supplier node;
// "direct" is the same supplier node asked directly over HTTP with the
// same signed request. The difference is what the platform adds.
func BenchmarkRelay(b *testing.B) {
	db := storetest.Open(b, "sqlite", store.Options{})
	e := newRelayEnv(b, db, terms{topUp: 1 << 50, price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 1}})
	toks := e.tokens(b, e.people)
	ctx := context.Background()

	b.Run("relay", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			req := fmt.Sprintf("bench-%d", i)
			if _, err := e.r.Deliver(e.demNode, e.order.ID, req, toks, e.auth(e.order.ID, req, toks), relay.Authorisations{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(toks)/16*b.N)/b.Elapsed().Seconds(), "IDs/s")
	})

	b.Run("direct", func(b *testing.B) {
		skey, vkey, err := bizlog.GenerateKey(sig.Ed25519, "bench.example/log")
		if err != nil {
			b.Fatal(err)
		}
		signer, err := bizlog.Signer(skey, vkey)
		if err != nil {
			b.Fatal(err)
		}
		// A second node with the same dataset, trusting this bench's own
		// relay key, and the demander's tokens for its key.
		node := suppliertest.Open(b)
		url := node.Serve(b, e.sup.member.ID, vkey, e.listing, e.rows)
		peer := node.Keys().X25519.PublicKey()
		dtoks, err := suppliertest.Tokens(e.demKeys.X25519, peer, e.order.ID, e.people)
		if err != nil {
			b.Fatal(err)
		}
		ans := relay.NewNodeAnswerer(netguard.Policy{Allow: netguard.Loopback}, nil)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			id := fmt.Sprintf("direct-%d", i)
			req := &relay.AnswerRequest{OrderID: e.order.ID, RequestID: id, ListingID: e.order.Terms.ListingID,
				Supplier: e.sup.member.ID, Demander: e.dem.member.ID, DemanderX25519: e.demKeys.X25519.PublicKey().Bytes(), Columns: e.order.Terms.Columns, Tokens: dtoks,
				Authenticator: suppliertest.Authenticator(e.demKeys.X25519, peer, e.order.ID, id, dtoks)}
			sign := func(body []byte) (string, error) {
				nonce := make([]byte, 16)
				rand.Read(nonce)
				return evidence.Relay{OrderID: req.OrderID, RequestID: req.RequestID, Supplier: req.Supplier, Nonce: base64.RawURLEncoding.EncodeToString(nonce),
					At: time.Now(), Body: evidence.HashOf(body)}.Header(signer)
			}
			if _, err := ans.Answer(ctx, url, req, sign); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(toks)/16*b.N)/b.Elapsed().Seconds(), "IDs/s")
	})
}
