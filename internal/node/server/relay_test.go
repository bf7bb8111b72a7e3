package server_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/mod/sumdb/note"
	"google.golang.org/protobuf/proto"

	"hulian/internal/bizlog"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/member"
	"hulian/internal/protocol/authz"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/peerkey"
	"hulian/internal/protocol/seal"
	"hulian/internal/rpc/reqsign"
)

// fakeRelay plays the platform for delivery tests: it knows members'
// node keys, relays Deliver calls to the supplier node's AnswerService
// with a real Hulian-Relay signature, verifies the supplier's signed
// answer, charges one fen per match and signs receipts with its log key.
// It does not check the callers' request signatures (the platform's own
// tests do); it takes the caller's member ID from the signed headers.
type fakeRelay struct {
	hulianv1connect.UnimplementedDeliveryServiceHandler
	hulianv1connect.UnimplementedMemberServiceHandler
	hulianv1connect.UnimplementedMarketServiceHandler

	supervision *fakeSupervision // complaints handed over by nodes
	exid        *fakeExID        // issuance, for the privacy centre's entry by code
	srv         *httptest.Server
	signer      note.Signer
	vkey        string
	// handOut replaces a member's node key in what the relay gives the
	// other party, receipts unchanged; substitute logs another key as the
	// member's registration. Both are a platform attacking the nodes.
	handOut, substitute map[string][]byte
	now                 func() time.Time

	mu      sync.Mutex
	members map[string]member.Keys
	// demanderKeys lets tests that call the supplier directly make the
	// request authenticator the demander's node would send.
	demanderKeys map[string]*ecdh.PrivateKey
	endpoints    map[string]string
	orders       map[string]*fakeOrder
	delivered    map[string]*hulianv1.DeliverResponse // by order + request
	sent         map[string][][]byte                  // tokens sent per order
	// authorisations are the commitments sent per order, per request.
	authorisations map[string][][]byte
	seq            int64
	charged        int // deliveries charged
	admitted       int // deliveries admitted to the supplier
	// Faults: quotaChunks > 0 refuses charging beyond that many
	// deliveries; failAt fails the delivery of that request ID once;
	// attestDown refuses attestations.
	quotaChunks int
	failAt      map[string]bool
	failChunk   int // fails the delivery of chunk "…/failChunk" once; -1: none
	attestDown  bool
	attested    []*hulianv1.AttestDestructionRequest
	delivers    int // Deliver calls
}

type fakeOrder struct {
	id, listing, supplier, demander string
	method                          string
	columns                         []string
	maxTokens                       int
	retentionDays                   int
	verification                    string // X-E10: "", one_step or two_step
}

func newFakeRelay(t *testing.T) *fakeRelay {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "platform.test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeRelay{signer: signer, vkey: vkey, now: time.Now, members: map[string]member.Keys{}, endpoints: map[string]string{},
		orders: map[string]*fakeOrder{}, delivered: map[string]*hulianv1.DeliverResponse{}, sent: map[string][][]byte{}, authorisations: map[string][][]byte{}, failAt: map[string]bool{}, failChunk: -1}
	mux := http.NewServeMux()
	mux.Handle(hulianv1connect.NewDeliveryServiceHandler(r))
	mux.Handle(hulianv1connect.NewMemberServiceHandler(r))
	mux.Handle(hulianv1connect.NewMarketServiceHandler(r))
	r.supervision = &fakeSupervision{}
	mux.Handle(hulianv1connect.NewSupervisionServiceHandler(r.supervision))
	r.exid = newFakeExID(t)
	mux.Handle(hulianv1connect.NewExIDServiceHandler(r.exid))
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *fakeRelay) URL() string { return r.srv.URL }

// keyReceipt is the log receipt of member's key registration, from a log
// of its own holding just that entry: what the real platform proves from
// its business log (package peerkey). Call with r.mu held.
func (r *fakeRelay) keyReceipt(member string) []byte {
	key := r.members[member].X25519
	if k, ok := r.substitute[member]; ok {
		key = k // the platform's own key, logged as if the member's
	}
	payload, _ := bizlog.P{"x25519_public_sha256": bizlog.Commit(key)}.Encode()
	e := bizlog.Entry{Seq: 0, At: time.Now().UTC().Truncate(time.Microsecond), Actor: "member:" + member, Member: member, Kind: bizlog.KindMemberOpened, Object: member, Payload: payload}
	cp, err := bizlog.Checkpoint{Origin: r.signer.Name(), Size: 1, Root: bizlog.LeafHash(e.Leaf())}.Sign(r.signer)
	if err != nil {
		panic(err)
	}
	b, err := peerkey.Receipt(&bizlog.Receipt{Entry: e, Checkpoint: string(cp)})
	if err != nil {
		panic(err)
	}
	return b
}

func (r *fakeRelay) addMember(id string, k member.Keys) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.members[id] = k
}

func (r *fakeRelay) addOrder(o *fakeOrder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.orders[o.id] = o
}

// fakeNames are the organisation names the fake platform gives members.
var fakeNames = map[string]string{"mem_supplier": "上海供方数据有限公司", "mem_demander": "北京需方科技有限公司"}

// ListOrders answers with the caller's orders, named as the platform
// names them, priced at one fen per match.
func (r *fakeRelay) ListOrders(_ context.Context, req *connect.Request[hulianv1.ListOrdersRequest]) (*connect.Response[hulianv1.ListOrdersResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	me := caller(req.Header())
	res := &hulianv1.ListOrdersResponse{}
	for _, o := range r.orders {
		if o.supplier != me && o.demander != me {
			continue
		}
		res.Orders = append(res.Orders, &hulianv1.Order{Id: o.id, Status: "active",
			Terms: &hulianv1.Terms{ListingId: o.listing, Demander: o.demander, Supplier: o.supplier, Purpose: "营销画像", Method: o.method,
				Term: &hulianv1.DateRange{Start: "2026-11-01", End: "2027-10-31"}, RetentionDays: int32(o.retentionDays),
				Price: &hulianv1.ListingPrice{Mode: "per_call", Basis: "hit", UnitPrice: 1}, Verification: o.verification},
			DemanderName: fakeNames[o.demander], SupplierName: fakeNames[o.supplier], ListingTitle: "消费能力标签"})
	}
	return connect.NewResponse(res), nil
}

func caller(h http.Header) string { return h.Get(reqsign.HeaderMember) }

func (r *fakeRelay) GetMember(_ context.Context, req *connect.Request[hulianv1.GetMemberRequest]) (*connect.Response[hulianv1.GetMemberResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.members[caller(req.Header())]
	if !ok || req.Msg.GetId() != caller(req.Header()) {
		return nil, connect.NewError(connect.CodeUnauthenticated, fmt.Errorf("unknown node"))
	}
	return connect.NewResponse(&hulianv1.GetMemberResponse{Member: &hulianv1.Member{Id: req.Msg.GetId(), Stage: hulianv1.Stage_STAGE_ACTIVE,
		X25519PublicKey: k.X25519, Ed25519PublicKey: k.Signing}}), nil
}

func (r *fakeRelay) RegisterEndpoint(_ context.Context, req *connect.Request[hulianv1.RegisterEndpointRequest]) (*connect.Response[hulianv1.RegisterEndpointResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endpoints[caller(req.Header())] = req.Msg.GetUrl()
	return connect.NewResponse(&hulianv1.RegisterEndpointResponse{Url: req.Msg.GetUrl(), VerifierKey: r.vkey}), nil
}

func (r *fakeRelay) GetOrderPeer(_ context.Context, req *connect.Request[hulianv1.GetOrderPeerRequest]) (*connect.Response[hulianv1.GetOrderPeerResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.orders[req.Msg.GetOrderId()]
	if o == nil {
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("no such order"))
	}
	res := &hulianv1.GetOrderPeerResponse{OrderId: o.id, ListingId: o.listing, Method: o.method, RetentionDays: uint32(o.retentionDays),
		Columns: o.columns, MaxTokens: uint32(o.maxTokens), VerifierKey: r.vkey, Verification: o.verification}
	switch caller(req.Header()) {
	case o.demander:
		res.Side, res.PeerMember, res.PeerX25519PublicKey = "demand", o.supplier, r.members[o.supplier].X25519
	case o.supplier:
		res.Side, res.PeerMember, res.PeerX25519PublicKey = "supply", o.demander, r.members[o.demander].X25519
	default:
		return nil, connect.NewError(connect.CodePermissionDenied, fmt.Errorf("not a party"))
	}
	res.PeerKeyReceipt = r.keyReceipt(res.PeerMember)
	if k, ok := r.handOut[res.PeerMember]; ok {
		res.PeerX25519PublicKey = k // a key the platform made, not the member's
	}
	return connect.NewResponse(res), nil
}

// answerRequest is what the relay sends the supplier for a delivery.
func (r *fakeRelay) answerRequest(o *fakeOrder, requestID string, tokens []byte) *hulianv1.AnswerRequest {
	req := &hulianv1.AnswerRequest{OrderId: o.id, RequestId: requestID, ListingId: o.listing, DemanderMember: o.demander,
		DemanderX25519PublicKey: r.members[o.demander].X25519, Columns: o.columns, Tokens: tokens, DemanderKeyReceipt: r.keyReceipt(o.demander)}
	if k, ok := r.handOut[o.demander]; ok {
		req.DemanderX25519PublicKey = k
	}
	if own := r.demanderKeys[o.demander]; own != nil {
		sup, err := ecdh.X25519().NewPublicKey(r.members[o.supplier].X25519)
		if err == nil {
			if k, err := ordertoken.Derive(own, sup, o.id); err == nil {
				mac := k.Authenticator(requestID, evidence.HashOf(tokens))
				req.Authenticator = mac[:]
			}
		}
	}
	return req
}

// tamper changes a relayed call: the body as marshalled, and the relay
// note before it is signed; it returns the header to send.
type tamper func(body *[]byte, rel *evidence.Relay, sign func(evidence.Relay) string) string

// forward sends req to the supplier's node with the relay's signature,
// changed by tamper if given, as raw HTTP so that any part can be forged.
func (r *fakeRelay) forward(ctx context.Context, supplier string, req *hulianv1.AnswerRequest, tm tamper) (*hulianv1.AnswerResponse, error) {
	r.mu.Lock()
	endpoint := r.endpoints[supplier]
	r.mu.Unlock()
	body, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	rel := evidence.Relay{OrderID: req.GetOrderId(), RequestID: req.GetRequestId(), Supplier: supplier,
		Nonce: base64.RawURLEncoding.EncodeToString(nonce), At: r.now(), Body: evidence.HashOf(body)}
	sign := func(rel evidence.Relay) string {
		h, err := rel.Header(r.signer)
		if err != nil {
			panic(err)
		}
		return h
	}
	var header string
	if tm != nil {
		header = tm(&body, &rel, sign)
	} else {
		header = sign(rel)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+hulianv1connect.AnswerServiceAnswerProcedure, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/proto")
	hreq.Header.Set(evidence.HeaderRelay, header)
	res, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, connect.NewError(connect.CodeUnavailable, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, decodeConnectError(res, b)
	}
	var out hulianv1.AnswerResponse
	if err := proto.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// decodeConnectError reads a Connect unary error, code and message, from
// a raw response: the tests assert on the code.
func decodeConnectError(res *http.Response, b []byte) error {
	var codes = map[string]connect.Code{"unauthenticated": connect.CodeUnauthenticated, "permission_denied": connect.CodePermissionDenied,
		"not_found": connect.CodeNotFound, "invalid_argument": connect.CodeInvalidArgument, "failed_precondition": connect.CodeFailedPrecondition,
		"already_exists": connect.CodeAlreadyExists, "unavailable": connect.CodeUnavailable, "internal": connect.CodeInternal}
	for name, code := range codes {
		if bytes.Contains(b, []byte(`"code":"`+name+`"`)) {
			return connect.NewError(code, fmt.Errorf("%s", b))
		}
	}
	return connect.NewError(connect.CodeUnknown, fmt.Errorf("HTTP %d: %s", res.StatusCode, b))
}

func (r *fakeRelay) Deliver(ctx context.Context, req *connect.Request[hulianv1.DeliverRequest]) (*connect.Response[hulianv1.DeliverResponse], error) {
	m := req.Msg
	key := m.GetOrderId() + "\x00" + m.GetRequestId()
	r.mu.Lock()
	r.delivers++
	o := r.orders[m.GetOrderId()]
	if o == nil || caller(req.Header()) != o.demander {
		r.mu.Unlock()
		return nil, connect.NewError(connect.CodePermissionDenied, fmt.Errorf("not the demander"))
	}
	// The platform's own check of the authorisation commitments.
	required, _ := authz.Required(o.verification)
	if err := authz.Check(required, authz.Level(m.GetAuthorisationLevel()), len(m.GetTokens())/16, m.GetAuthorisations()); err != nil {
		r.mu.Unlock()
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	if len(m.GetAuthorisations()) > 0 {
		r.authorisations[o.id] = append(r.authorisations[o.id], bytes.Clone(m.GetAuthorisations()))
	}
	if prev := r.delivered[key]; prev != nil {
		r.mu.Unlock()
		again := proto.Clone(prev).(*hulianv1.DeliverResponse)
		again.Replayed, again.FirstChargeFen = true, prev.GetChargeFen()
		return connect.NewResponse(again), nil
	}
	if r.failAt[m.GetRequestId()] || (r.failChunk >= 0 && strings.HasSuffix(m.GetRequestId(), "/"+strconv.Itoa(r.failChunk))) {
		delete(r.failAt, m.GetRequestId())
		r.failChunk = -1
		r.mu.Unlock()
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("supplier node unreachable"))
	}
	if r.quotaChunks > 0 && r.admitted >= r.quotaChunks {
		r.mu.Unlock()
		return nil, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("quota exhausted"))
	}
	// The quota is reserved before the supplier is asked, as the
	// platform checks it before forwarding.
	r.admitted++
	r.sent[o.id] = append(r.sent[o.id], bytes.Clone(m.GetTokens()))
	supplierKey := r.members[o.supplier].Signing
	r.mu.Unlock()

	ar := r.answerRequest(o, m.GetRequestId(), m.GetTokens())
	ar.Authenticator = m.GetAuthenticator() // relayed as the demander's node sent it
	ans, err := r.forward(ctx, o.supplier, ar, nil)
	if err != nil {
		return nil, err
	}
	n := uint64(len(m.GetTokens()) / 16)
	st := evidence.Answer{OrderID: o.id, RequestID: m.GetRequestId(), Queried: n, Matched: ans.GetMatched(), Tokens: evidence.HashOf(m.GetTokens()),
		Commitment: evidence.Hash(seal.Commitment(ans.GetSealed()))}
	if ans.GetQueried() != n {
		return nil, connect.NewError(connect.CodeFailedPrecondition, fmt.Errorf("queried %d for %d tokens", ans.GetQueried(), n))
	}
	if err := st.Verify(ed25519.PublicKey(supplierKey), ans.GetSignature()); err != nil {
		return nil, connect.NewError(connect.CodeFailedPrecondition, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev := r.delivered[key]; prev != nil { // a concurrent retry won
		return connect.NewResponse(prev), nil
	}
	r.seq++
	r.charged++
	now := r.now().UTC()
	until := now.In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, o.retentionDays).Format(time.DateOnly)
	rc := evidence.Receipt{OrderID: o.id, RequestID: m.GetRequestId(), Demander: o.demander, Supplier: o.supplier, Queried: n, Matched: ans.GetMatched(),
		ChargeFen: int64(ans.GetMatched()), Commitment: st.Commitment, Seq: r.seq, At: now, RetainUntil: until}
	signed, err := rc.Sign(r.signer)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.DeliverResponse{Sealed: ans.GetSealed(), Queried: n, Matched: ans.GetMatched(), ChargeFen: rc.ChargeFen, Receipt: signed, RetainUntil: until}
	r.delivered[key] = res
	return connect.NewResponse(res), nil
}

func (r *fakeRelay) AttestDestruction(_ context.Context, req *connect.Request[hulianv1.AttestDestructionRequest]) (*connect.Response[hulianv1.AttestDestructionResponse], error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.attestDown {
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("down"))
	}
	r.seq++
	r.attested = append(r.attested, req.Msg)
	return connect.NewResponse(&hulianv1.AttestDestructionResponse{Seq: r.seq, Recorded: uint32(len(req.Msg.GetRequestIds()))}), nil
}

// count is the number of Deliver calls so far.
func (r *fakeRelay) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.delivers
}
