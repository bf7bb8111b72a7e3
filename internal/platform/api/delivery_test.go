package api_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"hulian/internal/auth"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/market"
	"hulian/internal/member"
	"hulian/internal/node/suppliertest"
	"hulian/internal/platform/rectify"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/seal"
	"hulian/internal/rpc"
	"hulian/internal/rpc/reqsign"
)

// deliveryFixture is member C's real supplier node (package
// suppliertest), registered, answering orders of demander A.
type deliveryFixture struct {
	node   *suppliertest.Supplier
	people []exid.ExID
	vkey   string
}

var deliveries sync.Map // *fixture → *deliveryFixture

// delivery returns the fixture's supplier node for member C, making it on
// first use, and tops member A's quota up.
func (f *fixture) delivery(t *testing.T) *deliveryFixture {
	t.Helper()
	m := f.market(t)
	if d, ok := deliveries.Load(f); ok {
		return d.(*deliveryFixture)
	}
	ctx := context.Background()
	vkey, err := f.M.Log.VerifierKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The node's gate holds the dataset to k ≥ 1000: each of the
	// listing's three levels has 1,000 people.
	all := suppliertest.ExIDs(3, 3100)
	rows := map[exid.ExID][]string{}
	for i, id := range all[:3000] {
		rows[id] = []string{m.Listing.Tags[0].Values[i%3], "1"}
	}
	d := &deliveryFixture{people: all[2950:3050], vkey: vkey,
		node: suppliertest.OpenWith(t, suppliertest.Options{Keys: &suppliertest.Keys{Sign: m.C.Node, X25519: m.C.XKey}, Cleanup: f.cleanup})}
	url := d.node.Serve(t, m.C.ID, vkey, m.Listing, rows)
	if _, _, err := f.M.Relay.RegisterEndpoint(auth.WithActor(ctx, auth.NodeActor(m.C.ID)), url); err != nil {
		t.Fatal(err)
	}
	if _, err := f.M.Platform.TopUp(auth.WithActor(ctx, f.Operator.Actor()), f.A.ID, 100_000_000, fmt.Sprintf("pay-%d", uniq()), ""); err != nil {
		t.Fatal(err)
	}
	deliveries.Store(f, d)
	return d
}

// tokensOfA are demander A's tokens for the fixture's people under o.
func (f *fixture) tokensOfA(t *testing.T, o *market.Order) []byte {
	t.Helper()
	d := f.delivery(t)
	m := f.market(t)
	b, err := suppliertest.Tokens(f.A.XKey, m.C.XKey.PublicKey(), o.ID, d.people)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// authOfA is demander A's node's authenticator of a request under o.
func (f *fixture) authOfA(t *testing.T, o *market.Order, requestID string, tokens []byte) []byte {
	return suppliertest.Authenticator(f.A.XKey, f.market(t).C.XKey.PublicKey(), o.ID, requestID, tokens)
}

// deliveredOfA delivers once to A through the use case and returns the
// order and request ID.
func (f *fixture) deliveredOfA(t *testing.T) (*market.Order, string) {
	t.Helper()
	f.delivery(t)
	o := f.orderOfA(t, true)
	req := fmt.Sprintf("authz-%d", uniq())
	toks := f.tokensOfA(t, o)
	if _, err := f.M.Relay.Deliver(auth.WithActor(context.Background(), auth.NodeActor(f.A.ID)), o.ID, req, toks, f.authOfA(t, o, req, toks), relay.Authorisations{}); err != nil {
		t.Fatal(err)
	}
	return o, req
}

// noticeToA has member C's node send a notice for an order of A's and
// returns its ID.
func (f *fixture) noticeToA(t *testing.T) string {
	t.Helper()
	m := f.market(t)
	o := f.orderOfA(t, true)
	id := auth.NewID("rn_")
	if _, err := f.M.Rectify.Send(auth.WithActor(context.Background(), auth.NodeActor(m.C.ID)), rectify.Notice{ID: id, OrderID: o.ID, Action: rectify.Delete,
		Subjects: 1, Sealed: []byte("sealed"), Authenticator: make([]byte, 32)}); err != nil {
		t.Fatal(err)
	}
	return id
}

func init() {
	for proc, r := range map[string]rule{
		"/hulian.v1.DeliveryService/RegisterEndpoint": {
			allowed: []string{"nodeA", "nodeB"},
			stage:   member.StageOpened,
			body:    func(t *testing.T, f *fixture) string { return `{"url":"http://127.0.0.1:9/hulian"}` },
		},
		"/hulian.v1.DeliveryService/GetOrderPeer": {
			allowed: []string{"nodeA"},
			stage:   member.StageActive,
			body:    func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"order_id":%q}`, f.orderOfA(t, true).ID) },
		},
		"/hulian.v1.DeliveryService/Deliver": {
			allowed: []string{"nodeA"},
			stage:   member.StageActive,
			body: func(t *testing.T, f *fixture) string {
				f.delivery(t)
				o := f.orderOfA(t, true)
				req, toks := fmt.Sprintf("authz-%d", uniq()), f.tokensOfA(t, o)
				return fmt.Sprintf(`{"order_id":%q,"request_id":%q,"tokens":%q,"authenticator":%q}`, o.ID, req,
					base64.StdEncoding.EncodeToString(toks), base64.StdEncoding.EncodeToString(f.authOfA(t, o, req, toks)))
			},
		},
		"/hulian.v1.DeliveryService/AttestDestruction": {
			allowed: []string{"nodeA"},
			stage:   member.StageActive,
			body: func(t *testing.T, f *fixture) string {
				o, req := f.deliveredOfA(t)
				return fmt.Sprintf(`{"order_id":%q,"request_ids":[%q],"reason":"request"}`, o.ID, req)
			},
		},
		"/hulian.v1.DeliveryService/ListDeliveries": {
			// A member lists its own: member B sees none of A's.
			allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"},
			stage:   member.StageActive,
			body: func(t *testing.T, f *fixture) string {
				f.deliveredOfA(t)
				return `{}`
			},
		},
		// Only the order's supplier node sends a notice: member C, no role
		// here; node A is the demander and is refused.
		"/hulian.v1.DeliveryService/SendRectification": {
			stage: member.StageActive,
			body: func(t *testing.T, f *fixture) string {
				o := f.orderOfA(t, true)
				return fmt.Sprintf(`{"notice_id":%q,"order_id":%q,"action":"delete","count":1,"sealed":"AAAA","authenticator":%q}`,
					auth.NewID("rn_"), o.ID, base64.StdEncoding.EncodeToString(make([]byte, 32)))
			},
		},
		"/hulian.v1.DeliveryService/PendingRectifications": {
			allowed: []string{"nodeA", "nodeB"},
			stage:   member.StageActive,
			body:    func(t *testing.T, f *fixture) string { return `{}` },
		},
		"/hulian.v1.DeliveryService/AttestRectification": {
			allowed: []string{"nodeA"},
			stage:   member.StageActive,
			body: func(t *testing.T, f *fixture) string {
				return fmt.Sprintf(`{"notice_id":%q,"applied":1}`, f.noticeToA(t))
			},
		},
		// The supplier node's service: the platform does not serve it.
		"/hulian.v1.AnswerService/Answer": {
			body: func(t *testing.T, f *fixture) string { return `{}` },
		},
	} {
		rules[proc] = r
	}
}

// TestDeliveryAPI relays through the platform's HTTP API as a demander
// node would: signed Connect calls, the peer's key and columns, a sealed
// answer that opens, a receipt that verifies, an idempotent retry, a
// replayed signed request refused, the list and the attestation.
func TestDeliveryAPI(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			d := f.delivery(t)
			m := f.market(t)
			o := f.orderOfA(t, true)
			ctx := context.Background()
			c := rpc.NewClient(f.URL, rpc.WithNodeKey(f.A.ID, f.A.Node))

			peer, err := c.Delivery.GetOrderPeer(ctx, connect.NewRequest(&hulianv1.GetOrderPeerRequest{OrderId: o.ID}))
			if err != nil {
				t.Fatal(err)
			}
			p := peer.Msg
			if p.Side != "demand" || p.PeerMember != m.C.ID || !bytes.Equal(p.PeerX25519PublicKey, m.C.X25519) || p.Method != "realtime" ||
				p.MaxTokens != 1000 || len(p.Columns) != 2 || p.VerifierKey != d.vkey || p.ListingId != m.Listing.ID || p.RetentionDays != 30 {
				t.Errorf("peer %+v", p)
			}
			toks, err := suppliertest.Tokens(f.A.XKey, mustX(t, p.PeerX25519PublicKey), o.ID, d.people)
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Delivery.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "api-1", Tokens: toks, Authenticator: f.authOfA(t, o, "api-1", toks)}))
			if err != nil {
				t.Fatal(err)
			}
			r := res.Msg
			rec, err := evidence.OpenReceipt(r.Receipt, p.VerifierKey)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Commitment != evidence.Hash(seal.Commitment(r.Sealed)) || r.Queried != 100 || r.Matched != 50 || r.ChargeFen != 250 || r.Replayed || rec.RetainUntil != r.RetainUntil {
				t.Errorf("delivery %v, receipt %+v", r, rec)
			}
			ans, err := suppliertest.OpenAnswer(f.A.XKey, o.ID, "api-1", r.Sealed)
			if err != nil || len(ans.Matches) != 50 {
				t.Fatalf("open: %d %v", len(ans.Matches), err)
			}
			again, err := c.Delivery.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "api-1", Tokens: toks, Authenticator: f.authOfA(t, o, "api-1", toks)}))
			if err != nil || !again.Msg.Replayed || again.Msg.Receipt != r.Receipt {
				t.Errorf("retry: %v %v", again, err)
			}

			// The same signed request sent twice: the nonce is spent.
			body, _ := proto.Marshal(&hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "api-2", Tokens: toks, Authenticator: f.authOfA(t, o, "api-2", toks)})
			req, _ := http.NewRequest(http.MethodPost, f.URL+"/hulian.v1.DeliveryService/Deliver", bytes.NewReader(body))
			reqsign.Sign(req, body, f.A.ID, f.A.Node, timeNow())
			hdr := req.Header.Clone()
			if status, ce := post(t, req.URL.String(), "application/proto", body, hdr); status != http.StatusOK {
				t.Fatalf("first send: %d %+v", status, ce)
			}
			if status, _ := post(t, req.URL.String(), "application/proto", body, hdr); status != http.StatusUnauthorized {
				t.Errorf("replayed signed request: %d, want 401", status)
			}

			list, err := c.Delivery.ListDeliveries(ctx, connect.NewRequest(&hulianv1.ListDeliveriesRequest{OrderId: o.ID}))
			if err != nil || len(list.Msg.Deliveries) != 2 || list.Msg.Deliveries[1].Commitment != rec.Commitment.String() {
				t.Fatalf("list: %v %v", list, err)
			}
			at, err := c.Delivery.AttestDestruction(ctx, connect.NewRequest(&hulianv1.AttestDestructionRequest{OrderId: o.ID, RequestIds: []string{"api-1", "api-2"}, Reason: "deadline"}))
			if err != nil || at.Msg.Recorded != 2 || at.Msg.Seq == 0 {
				t.Errorf("attest: %v %v", at, err)
			}
			over, err := rpc.NewClient(f.URL, rpc.WithToken(f.RegToken)).Delivery.ListDeliveries(ctx, connect.NewRequest(&hulianv1.ListDeliveriesRequest{OverdueOnly: true}))
			if err != nil || len(over.Msg.Deliveries) != 0 {
				t.Errorf("overdue: %v %v", over, err)
			}
		})
	}
}

// TestDeliveryBadInput: malformed delivery requests are refused naming the
// field, and a chunk over the batch limit or a non-Deliver message over
// the API's size limit is refused whole.
func TestDeliveryBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	f.delivery(t)
	o := f.orderOfA(t, true)
	toks := f.tokensOfA(t, o)
	// The chunk-sized requests below take a while to sign, send and check
	// under the race detector on a loaded machine: a generous timeout.
	c := rpc.NewClient(f.URL, rpc.WithNodeKey(f.A.ID, f.A.Node), rpc.WithLanguage("en"), rpc.WithTimeout(5*time.Minute))
	ctx := context.Background()
	cases := []struct {
		name  string
		req   *hulianv1.DeliverRequest
		code  connect.Code
		field string
	}{
		{"no order", &hulianv1.DeliverRequest{RequestId: "x", Tokens: toks}, connect.CodeInvalidArgument, "order_id"},
		{"malformed order", &hulianv1.DeliverRequest{OrderId: "ord_X!", RequestId: "x", Tokens: toks}, connect.CodeInvalidArgument, "order_id"},
		{"unknown order", &hulianv1.DeliverRequest{OrderId: "ord_unknown", RequestId: "x", Tokens: toks}, connect.CodeNotFound, "order"},
		{"no request", &hulianv1.DeliverRequest{OrderId: o.ID, Tokens: toks}, connect.CodeInvalidArgument, "request_id"},
		{"request with a space", &hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "a b", Tokens: toks}, connect.CodeInvalidArgument, "request_id"},
		{"ragged tokens", &hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "x", Tokens: toks[:17]}, connect.CodeInvalidArgument, "tokens"},
		{"no tokens", &hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "x"}, connect.CodeInvalidArgument, "tokens"},
		{"short authenticator", &hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "x", Tokens: toks, Authenticator: make([]byte, 5)}, connect.CodeInvalidArgument, "authenticator"},
		{"over the order's limit", &hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "x", Tokens: bytes.Repeat(toks[:16], 1001)}, connect.CodeResourceExhausted, "ids"},
		{"over the chunk limit", &hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "x", Tokens: make([]byte, (relay.MaxChunkTokens+1)*16)}, connect.CodeInvalidArgument, "tokens"},
	}
	for _, cs := range cases {
		_, err := c.Delivery.Deliver(ctx, connect.NewRequest(cs.req))
		if connect.CodeOf(err) != cs.code {
			t.Errorf("%s: %v, want %s", cs.name, err, cs.code)
			continue
		}
		if d := rpc.Detail(err); d == nil || d.Field != cs.field || d.ReasonEn == "" || d.ReasonZh == "" {
			t.Errorf("%s: detail %+v, want field %s", cs.name, d, cs.field)
		}
	}
	// Over the HTTP body limit: refused before it is read whole.
	_, err := c.Delivery.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: o.ID, RequestId: "x", Tokens: make([]byte, 40<<20)}))
	if err == nil {
		t.Error("a 40 MiB request was accepted")
	}
	// Only Deliver takes large messages.
	_, err = c.Delivery.AttestDestruction(ctx, connect.NewRequest(&hulianv1.AttestDestructionRequest{OrderId: o.ID, Reason: "request",
		RequestIds: []string{strings.Repeat("r", 2<<20)}}))
	if connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Errorf("a 2 MiB attestation: %v", err)
	}
	for _, bad := range []*hulianv1.AttestDestructionRequest{
		{OrderId: o.ID, RequestIds: []string{"a"}, Reason: "lost"},
		{OrderId: o.ID, Reason: "request"},
		{OrderId: o.ID, RequestIds: []string{"a b"}, Reason: "request"},
	} {
		if _, err := c.Delivery.AttestDestruction(ctx, connect.NewRequest(bad)); connect.CodeOf(err) != connect.CodeInvalidArgument {
			t.Errorf("attestation %v: %v", bad, err)
		}
	}
	if _, err := c.Delivery.RegisterEndpoint(ctx, connect.NewRequest(&hulianv1.RegisterEndpointRequest{Url: "https://h/?x=1"})); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("endpoint with a query: %v", err)
	}
}

func mustX(t *testing.T, b []byte) *ecdh.PublicKey {
	t.Helper()
	k, err := ecdh.X25519().NewPublicKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func timeNow() time.Time { return time.Now() }
