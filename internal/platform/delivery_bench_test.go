package platform_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/platform"
	"hulian/internal/platform/api"
	"hulian/internal/platform/relaytest"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
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
			if _, err := e.p.Deliver(e.demNode, e.order.ID, fmt.Sprintf("bench-%d", i), toks, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(toks)/16*b.N)/b.Elapsed().Seconds(), "IDs/s")
	})

	b.Run("direct", func(b *testing.B) {
		skey, vkey, err := bizlog.GenerateKey("bench.example/log")
		if err != nil {
			b.Fatal(err)
		}
		signer, err := bizlog.Signer(skey, vkey)
		if err != nil {
			b.Fatal(err)
		}
		node := &relaytest.Supplier{Member: e.node.Member, Keys: e.supKeys, Rows: map[exid.ExID][]string{}, VerifierKey: vkey}
		for id, v := range e.node.Rows {
			node.Rows[id] = v
		}
		url := node.Start(b.Cleanup)
		ans := api.NewNodeAnswerer(nil)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			req := &platform.AnswerRequest{OrderID: e.order.ID, RequestID: fmt.Sprintf("direct-%d", i), ListingID: e.order.Terms.ListingID,
				Supplier: e.node.Member, Demander: e.dem.member.ID, DemanderX25519: e.demKeys.X25519.PublicKey().Bytes(), Columns: e.order.Terms.Columns, Tokens: toks}
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
