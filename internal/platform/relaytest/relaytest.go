// Package relaytest is a supplier node's AnswerService for tests of the
// platform's delivery relay, with the protocol's real cryptography: order
// keys agreed over X25519, tokens by HMAC, answers sealed with HPKE to the
// demander node's key and signed with the supplier node's Ed25519 key, and
// the platform's Hulian-Relay signature checked on every request. Its
// dataset is a small map in memory; the member node's real AnswerService
// lives with the node.
package relaytest

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/seal"
)

// Keys are a node's key pairs.
type Keys struct {
	Sign   ed25519.PrivateKey
	X25519 *ecdh.PrivateKey
}

// NewKeys makes a node's keys.
func NewKeys() Keys {
	_, sk, _ := ed25519.GenerateKey(rand.Reader)
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	return Keys{Sign: sk, X25519: x}
}

// SignPublic is the Ed25519 public key to register.
func (k Keys) SignPublic() ed25519.PublicKey { return k.Sign.Public().(ed25519.PublicKey) }

// ExIDs makes n distinct exIDs of epoch 1, the same for the same seed.
func ExIDs(seed uint64, n int) []exid.ExID {
	out := make([]exid.ExID, n)
	for i := range out {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], seed)
		binary.BigEndian.PutUint64(b[8:], uint64(i))
		out[i] = exid.FromOutput(1, b[:])
	}
	return out
}

// Supplier is a fake supplier node.
type Supplier struct {
	Member string
	Keys   Keys
	// Rows are the dataset: an exID's values, one per column.
	Rows map[exid.ExID][]string
	// VerifierKey is the platform's log verifier key the node pinned; the
	// relay's signature is checked against it.
	VerifierKey string
	Now         func() time.Time

	// Faults.
	Down         atomic.Bool  // answers Unavailable
	BadSignature atomic.Bool  // signs with a key it did not register
	OverMatch    atomic.Bool  // claims more matches than tokens
	FreshSeal    atomic.Bool  // seals again on a retry instead of repeating its answer
	Delay        atomic.Int64 // nanoseconds to wait before answering

	Calls  atomic.Int64 // requests that reached the handler
	Server *httptest.Server

	mu     sync.Mutex
	nonces map[string]bool
	cache  map[string]*hulianv1.AnswerResponse
}

// Start serves s on a local port until the test's cleanup.
func (s *Supplier) Start(cleanup func(func())) string {
	s.nonces, s.cache = map[string]bool{}, map[string]*hulianv1.AnswerResponse{}
	if s.Now == nil {
		s.Now = time.Now
	}
	mux := http.NewServeMux()
	path, h := hulianv1connect.NewAnswerServiceHandler(s)
	mux.Handle(path, s.checkRelay(h))
	s.Server = httptest.NewServer(mux)
	cleanup(s.Server.Close)
	return s.Server.URL
}

type relayKey struct{}

// checkRelay verifies the platform's signature over the request body
// before the handler sees it, and that its nonce is new.
func (s *Supplier) checkRelay(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := new(bytes.Buffer)
		if _, err := body.ReadFrom(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rel, err := evidence.OpenRelay(r.Header.Get(evidence.HeaderRelay), body.Bytes(), s.VerifierKey, s.Now())
		if err != nil || rel.Supplier != s.Member {
			http.Error(w, "relay signature refused", http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		seen := s.nonces[rel.Nonce]
		s.nonces[rel.Nonce] = true
		s.mu.Unlock()
		if seen {
			http.Error(w, "nonce replayed", http.StatusUnauthorized)
			return
		}
		r.Body = nopCloser{bytes.NewReader(body.Bytes())}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), relayKey{}, rel)))
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// Answer implements AnswerService.
func (s *Supplier) Answer(ctx context.Context, req *connect.Request[hulianv1.AnswerRequest]) (*connect.Response[hulianv1.AnswerResponse], error) {
	s.Calls.Add(1)
	if d := s.Delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	if s.Down.Load() {
		return nil, connect.NewError(connect.CodeUnavailable, errors.New("supplier node is down"))
	}
	m := req.Msg
	rel, _ := ctx.Value(relayKey{}).(*evidence.Relay)
	if rel == nil || rel.OrderID != m.OrderId || rel.RequestID != m.RequestId {
		return nil, connect.NewError(connect.CodePermissionDenied, errors.New("the body is not the relayed request"))
	}
	key := m.OrderId + "\x00" + m.RequestId
	s.mu.Lock()
	cached := s.cache[key]
	s.mu.Unlock()
	if cached != nil && !s.FreshSeal.Load() && !s.BadSignature.Load() && !s.OverMatch.Load() {
		return connect.NewResponse(cached), nil
	}
	if len(m.Tokens)%ordertoken.TokenSize != 0 || len(m.Tokens) == 0 {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("tokens are not whole"))
	}
	peer, err := ecdh.X25519().NewPublicKey(m.DemanderX25519PublicKey)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	k, err := ordertoken.Derive(s.Keys.X25519, peer, m.OrderId)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	index := make(map[ordertoken.Token][]string, len(s.Rows))
	for id, vals := range s.Rows {
		index[k.Token(id)] = vals
	}
	var ans seal.Answer
	seen := map[ordertoken.Token]bool{}
	for i := 0; i < len(m.Tokens); i += ordertoken.TokenSize {
		var t ordertoken.Token
		copy(t[:], m.Tokens[i:])
		if vals, ok := index[t]; ok && !seen[t] {
			seen[t] = true
			ans.Matches = append(ans.Matches, seal.Match{Token: t, Values: vals})
		}
	}
	plain, err := ans.MarshalBinary()
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	sealed, err := seal.Seal(peer, m.OrderId, m.RequestId, plain)
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	n := uint64(len(m.Tokens) / ordertoken.TokenSize)
	st := evidence.Answer{OrderID: m.OrderId, RequestID: m.RequestId, Queried: n, Matched: uint64(len(ans.Matches)),
		Tokens: evidence.HashOf(m.Tokens), Commitment: seal.Commitment(sealed)}
	signer := s.Keys.Sign
	if s.BadSignature.Load() {
		signer = NewKeys().Sign // not the registered key
	}
	sig, err := st.Sign(signer)
	if err != nil {
		return nil, connect.NewError(connect.CodeInternal, err)
	}
	res := &hulianv1.AnswerResponse{Sealed: sealed, Queried: n, Matched: uint64(len(ans.Matches)), Signature: sig}
	if s.OverMatch.Load() {
		res.Matched = n + 1
	}
	if !s.BadSignature.Load() && !s.OverMatch.Load() {
		s.mu.Lock()
		s.cache[key] = res
		s.mu.Unlock()
	}
	return connect.NewResponse(res), nil
}

// Tokens are a demander's tokens for ids under an order with supplier's
// X25519 key, concatenated as Deliver takes them.
func Tokens(own *ecdh.PrivateKey, supplier *ecdh.PublicKey, orderID string, ids []exid.ExID) ([]byte, error) {
	k, err := ordertoken.Derive(own, supplier, orderID)
	if err != nil {
		return nil, err
	}
	ts := make([]ordertoken.Token, len(ids))
	k.Tokens(ids, ts)
	out := make([]byte, 0, len(ids)*ordertoken.TokenSize)
	for _, t := range ts {
		out = append(out, t[:]...)
	}
	return out, nil
}

// Open opens a sealed answer as the demander node.
func Open(own *ecdh.PrivateKey, orderID, requestID string, sealed []byte) (seal.Answer, error) {
	plain, err := seal.Open(own, orderID, requestID, sealed)
	if err != nil {
		return seal.Answer{}, err
	}
	return seal.ParseAnswer(plain)
}
