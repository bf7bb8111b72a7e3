// Package suppliertest runs a member node's real supplier side in-process,
// for tests of the platform's delivery relay: the node's own database,
// keys, dataset import (with its gate), token index, HPKE sealing, signed
// answers and its check of the platform's relay signature, all as in
// production, served over HTTP on a local port. What a test varies are
// faults that a real node can show the platform: down, slow, restarted
// (its answer cache lost), or misbehaving (an answer signed with a key it
// did not register, or a count that is not what it sealed). The last two
// are made by changing the real node's response on its way out, since the
// node's own code never does them.
//
// It also gives tests the demander node's part of a request: the order's
// tokens and the request authenticator, with the protocol's real code.
package suppliertest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/server"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/seal"
	"hulian/internal/sig"
)

// Keys are a node's key pairs, as the platform registers them.
type Keys struct {
	Sign   crypto.Signer // Ed25519, or SM2 under the 国密 profile
	X25519 *ecdh.PrivateKey
}

// NewKeys makes keys for a node a test plays itself (a demander).
func NewKeys() Keys {
	_, sk, _ := ed25519.GenerateKey(rand.Reader)
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	return Keys{Sign: sk, X25519: x}
}

// SignPublic is the signing public key to register.
func (k Keys) SignPublic() []byte { return sig.Public(k.Sign) }

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

// Supplier is a real supplier node with fault switches in front of it.
type Supplier struct {
	// Faults.
	Down         atomic.Bool  // answers Unavailable without asking the node
	BadSignature atomic.Bool  // the answer is signed with a key the member did not register
	OverMatch    atomic.Bool  // the answer claims more matches than tokens
	Delay        atomic.Int64 // nanoseconds to wait before answering

	Calls  atomic.Int64 // requests that reached the node's address
	Server *httptest.Server

	dir, kek string
	mu       sync.Mutex
	main     *server.Main // the node; replaced by Restart
	handler  http.Handler // main's
	member   string
}

// Open starts a node in a fresh folder, offline: it makes its keys, which
// the test registers with the platform before Serve.
func Open(t testing.TB) *Supplier { return OpenWith(t, Options{}) }

// Options vary Open.
type Options struct {
	// Keys, when set, are stored as the node's own, sealed under its KEK as
	// the node stores the keys it makes: for a fixture that registered
	// them with the platform before the node existed.
	Keys *Keys
	// Cleanup replaces t.Cleanup, for a node that outlives the test that
	// made it (a fixture shared by several tests).
	Cleanup func(func())
}

// OpenWith is Open with options.
func OpenWith(t testing.TB, o Options) *Supplier {
	t.Helper()
	dir, err := os.MkdirTemp("", "hulian-supplier-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Supplier{dir: dir, kek: keyring.NewKEKText()}
	if o.Keys != nil {
		if err := s.storeKeys(*o.Keys); err != nil {
			os.RemoveAll(dir)
			t.Fatalf("store the supplier node's keys: %v", err)
		}
	}
	s.open(t)
	cleanup := o.Cleanup
	if cleanup == nil {
		cleanup = t.Cleanup
	}
	cleanup(func() {
		if s.Server != nil {
			s.Server.Close()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.main.Close()
		os.RemoveAll(s.dir)
	})
	return s
}

func (s *Supplier) dsn() string { return "sqlite://" + filepath.Join(s.dir, "supplier.db") }

// storeKeys writes k into the node's new database as its active keys.
func (s *Supplier) storeKeys(k Keys) error {
	ctx := context.Background()
	kek, err := keyring.LoadKEK(keyring.KEKSource{EnvName: nodekey.EnvKEK, Env: s.kek})
	if err != nil {
		return err
	}
	sealer, err := keyring.NewAESGCM(kek.Key)
	if err != nil {
		return err
	}
	db, err := nodestore.Open(ctx, s.dsn(), nodestore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	keys := &nodekey.Keys{X25519: k.X25519, Signer: k.Sign}
	return db.Transact(ctx, func(tx *nodestore.Tx) error {
		for i, purpose := range []string{nodekey.PurposeX25519, keys.SigningPurpose()} {
			pub, sealed, err := keys.SealPrivate(sealer, purpose)
			if err != nil {
				return err
			}
			if err := tx.InsertKey(ctx, &nodestore.SealedKey{ID: fmt.Sprintf("key_test_%d", i), Purpose: purpose, Public: pub, Sealed: sealed,
				Sealer: sealer.Algorithm(), KEKID: sealer.KeyID()}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Supplier) open(t testing.TB) {
	t.Helper()
	m, err := server.Open(context.Background(), server.Config{Listen: "127.0.0.1:0", NoAutoIntegrate: true, Node: node.Config{
		DB: s.dsn(), KEKEnv: s.kek, MemberID: s.member, Region: "CN-SH"}})
	if err != nil {
		t.Fatalf("open the supplier node: %v", err)
	}
	s.main, s.handler = m, m.Handler()
}

// Keys are the node's own keys.
func (s *Supplier) Keys() Keys {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Keys{Sign: s.main.Node.Keys.Signer, X25519: s.main.Node.Keys.X25519}
}

// Node is the node behind the faults.
func (s *Supplier) Node() *node.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.main.Node
}

// Serve makes the node member's, pins the platform's log verifier key (as
// registering its endpoint would), imports rows as the dataset of listing l
// (the node's gate must pass: every value of every tag at least k
// subjects) and serves the node on a local port, whose URL it returns.
// rows holds each subject's value for each of l's tags, in l's order.
func (s *Supplier) Serve(t testing.TB, member, verifierKey string, l *catalog.Listing, rows map[exid.ExID][]string) string {
	t.Helper()
	ctx := context.Background()
	s.member = member
	s.main.Close()
	s.open(t) // with the member ID now known
	if err := s.main.Node.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.SetSetting(ctx, nodestore.SettingVerifierKey, verifierKey)
	}); err != nil {
		t.Fatal(err)
	}
	lj, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	w := csv.NewWriter(&in)
	header := []string{"exid"}
	for _, tag := range l.Tags {
		header = append(header, tag.Column)
	}
	w.Write(header)
	for id, vals := range rows {
		w.Write(append([]string{id.String()}, vals...))
	}
	w.Flush()
	res, err := s.main.Supply.ImportDataset(ctx, supply.DatasetImport{Status: gate.Deidentified, Source: "测试数据：合成的会员消费记录", Name: "relay-test", Listing: bytes.NewReader(lj), In: &in, IDColumn: "exid"})
	if err != nil {
		t.Fatalf("import the supplier's dataset: %v", err)
	}
	if !res.Pass {
		t.Fatalf("the supplier node's gate refused the test dataset: %+v", res.Table)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s.Server.URL
}

// Restart closes the node and opens it again on the same database, as
// after a crash: nonces and datasets are kept, the answer cache is lost,
// so a retried request is sealed anew.
func (s *Supplier) Restart(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.main.Close()
	s.open(t)
}

func (s *Supplier) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.Calls.Add(1)
	if d := s.Delay.Load(); d > 0 {
		select {
		case <-time.After(time.Duration(d)):
		case <-r.Context().Done():
			return
		}
	}
	if s.Down.Load() {
		connect.NewErrorWriter().Write(w, r, connect.NewError(connect.CodeUnavailable, errors.New("supplier node is down")))
		return
	}
	s.mu.Lock()
	h := s.handler
	s.mu.Unlock()
	if !s.BadSignature.Load() && !s.OverMatch.Load() {
		h.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	out, err := s.tamper(r.Header.Get("Content-Type"), body, rec)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(out)
}

// tamper changes the node's answer as the faults say; errors pass as
// they are.
func (s *Supplier) tamper(contentType string, reqBody []byte, rec *httptest.ResponseRecorder) ([]byte, error) {
	if rec.Code != http.StatusOK {
		return rec.Body.Bytes(), nil
	}
	unmarshal, marshal := proto.Unmarshal, proto.Marshal
	if strings.Contains(contentType, "json") {
		unmarshal, marshal = protojson.Unmarshal, protojson.Marshal
	}
	var req hulianv1.AnswerRequest
	var res hulianv1.AnswerResponse
	if err := unmarshal(reqBody, &req); err != nil {
		return nil, err
	}
	if err := unmarshal(rec.Body.Bytes(), &res); err != nil {
		return nil, err
	}
	if s.OverMatch.Load() {
		res.Matched = res.Queried + 1
	}
	if s.BadSignature.Load() {
		st := evidence.Answer{OrderID: req.OrderId, RequestID: req.RequestId, Queried: res.Queried, Matched: res.Matched,
			Tokens: evidence.HashOf(req.Tokens), Commitment: seal.Commitment(res.Sealed)}
		sig, err := st.Sign(NewKeys().Sign) // not the registered key
		if err != nil {
			return nil, err
		}
		res.Signature = sig
	}
	return marshal(&res)
}

// Request is what the demander's node sends for ids under an order with
// the supplier's X25519 key: the tokens, concatenated as Deliver takes
// them, and the request authenticator over them.
func Request(own *ecdh.PrivateKey, supplier *ecdh.PublicKey, orderID, requestID string, ids []exid.ExID) (tokens, authenticator []byte, err error) {
	tokens, err = Tokens(own, supplier, orderID, ids)
	if err != nil {
		return nil, nil, err
	}
	return tokens, Authenticator(own, supplier, orderID, requestID, tokens), nil
}

// Tokens are the demander's tokens for ids.
func Tokens(own *ecdh.PrivateKey, supplier *ecdh.PublicKey, orderID string, ids []exid.ExID) ([]byte, error) {
	k, err := ordertoken.Derive(own, supplier, orderID)
	if err != nil {
		return nil, err
	}
	defer k.Zero()
	ts := make([]ordertoken.Token, len(ids))
	k.Tokens(ids, ts)
	out := make([]byte, 0, len(ids)*ordertoken.TokenSize)
	for _, t := range ts {
		out = append(out, t[:]...)
	}
	return out, nil
}

// Authenticator is the demander node's MAC over a request's tokens; nil
// if the order key cannot be derived.
func Authenticator(own *ecdh.PrivateKey, supplier *ecdh.PublicKey, orderID, requestID string, tokens []byte) []byte {
	k, err := ordertoken.Derive(own, supplier, orderID)
	if err != nil {
		return nil
	}
	defer k.Zero()
	mac := k.Authenticator(requestID, evidence.HashOf(tokens))
	return mac[:]
}

// OpenAnswer opens a sealed answer as the demander node.
func OpenAnswer(own *ecdh.PrivateKey, orderID, requestID string, sealed []byte) (seal.Answer, error) {
	plain, err := seal.Open(own, orderID, requestID, sealed)
	if err != nil {
		return seal.Answer{}, err
	}
	return seal.ParseAnswer(plain)
}
