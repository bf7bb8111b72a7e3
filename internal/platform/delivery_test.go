package platform_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/market"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/node/suppliertest"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/pricing"
	"hulian/internal/protocol/authz"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/peerkey"
	"hulian/internal/protocol/seal"
)

// relayEnv is a platform with an active order between a demander and a
// supplier whose real node answers (package suppliertest).
type relayEnv struct {
	p        *exchange.Exchange
	r        *relay.Relay
	log      *logkeeper.Keeper
	db       *store.DB
	op       context.Context
	sup, dem onboarded
	supKeys  suppliertest.Keys
	demKeys  suppliertest.Keys
	node     *suppliertest.Supplier // the supplier's real node, in-process
	listing  *catalog.Listing
	rows     map[exid.ExID][]string // the supplier's dataset
	order    *market.Order
	supNode  context.Context // the supplier's node
	demNode  context.Context // the demander's node
	vkey     string
	people   []exid.ExID // the demander's IDs: half of them in the supplier's dataset
	logs     *syncBuffer
	nextN    int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// onboardKeys is onboard with the node's real keys.
func onboardKeys(t testing.TB, p *exchange.Exchange, opCtx context.Context, n int, supplier, demander bool, k suppliertest.Keys) onboarded {
	t.Helper()
	a := application(n)
	a.Login = fmt.Sprintf("member-%d", n)
	a.Supplier, a.Demander = supplier, demander
	m, acct, err := p.Apply(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithActor(context.Background(), acct.Actor())
	if _, err := p.Review(opCtx, m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SignAgreement(ctx, m.ID, p.Agreement); err != nil {
		t.Fatal(err)
	}
	if _, err := p.RegisterKeys(ctx, m.ID, member.Keys{X25519: k.X25519.PublicKey().Bytes(), Signing: k.SignPublic()}); err != nil {
		t.Fatal(err)
	}
	if m, err = p.PassIntegration(auth.WithActor(context.Background(), auth.NodeActor(m.ID)), m.ID); err != nil {
		t.Fatal(err)
	}
	return onboarded{ctx: ctx, member: m, nodeKey: k.Sign}
}

// terms are what a test varies of an order.
type terms struct {
	price     pricing.Plan
	method    market.Method
	traversal catalog.Traversal
	topUp     int64
	sealer    keyring.Sealer // the platform's KEK; a random one if nil
	// verification is the listing's X-E10 method: "", one_step, two_step.
	verification string
}

func newRelayEnv(t testing.TB, db *store.DB, tm terms) *relayEnv {
	t.Helper()
	ctx := context.Background()
	e := &relayEnv{db: db, logs: &syncBuffer{}}
	e.p = newPlatform(t, db)
	e.p.Logger = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sealer := tm.sealer
	if sealer == nil {
		sealer = testSealer(t)
	}
	if _, err := issuer(t, e.p, sealer); err != nil {
		t.Fatal(err)
	}
	e.log = e.p.Log
	vkey, err := e.log.EnsureKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.vkey = vkey
	e.r = e.p.Relay
	e.op = operator(t, e.p)
	e.node = suppliertest.Open(t)
	e.supKeys, e.demKeys = e.node.Keys(), suppliertest.NewKeys()
	e.sup = onboardKeys(t, e.p, e.op, 501, true, false, e.supKeys)
	e.dem = onboardKeys(t, e.p, e.op, 502, false, true, e.demKeys)
	e.supNode = auth.WithActor(ctx, auth.NodeActor(e.sup.member.ID))
	e.demNode = auth.WithActor(ctx, auth.NodeActor(e.dem.member.ID))

	l := catalogtest.Dataset()
	if tm.verification != "" {
		l = catalogtest.Verified(tm.verification)
	}
	if tm.price.Mode != "" {
		l.Price = tm.price
	}
	l.Limit.Traversal = tm.traversal
	l = publish(t, e.p, e.op, e.sup, l)
	d := demand()
	if tm.method != "" {
		d.Method = tm.method
	}
	d, err = e.p.Market.PublishDemand(e.dem.ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	of, err := e.p.Market.MakeOffer(e.sup.ctx, d.ID, &market.Offer{ListingID: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.p.Market.SelectOffer(e.dem.ctx, of.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Market.SignConfirmation(e.dem.ctx, o.ID, market.DemandSide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if e.order, err = e.p.Market.SignConfirmation(e.sup.ctx, o.ID, market.SupplySide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if tm.topUp > 0 {
		if _, err := e.p.TopUp(e.op, e.dem.member.ID, tm.topUp, "pay-1", ""); err != nil {
			t.Fatal(err)
		}
	}

	// The node's gate holds the dataset to k ≥ 1000: each of the three
	// levels has 1,000 people, all of them car owners.
	all := suppliertest.ExIDs(7, 4000)
	e.listing, e.rows = l, map[exid.ExID][]string{}
	for i, id := range all[:3000] {
		e.rows[id] = []string{levels[i%3], "1"}
	}
	e.people = all[2500:3500]
	url := e.node.Serve(t, e.sup.member.ID, vkey, l, e.rows)
	if _, _, err := e.r.RegisterEndpoint(e.supNode, url); err != nil {
		t.Fatal(err)
	}
	return e
}

// tokens are the demander node's tokens for people.
func (e *relayEnv) tokens(t testing.TB, people []exid.ExID) []byte {
	t.Helper()
	b, err := suppliertest.Tokens(e.demKeys.X25519, e.supKeys.X25519.PublicKey(), e.order.ID, people)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// levels are the listing's values of consumption_level (catalogtest.Dataset).
var levels = []string{"低", "中", "高"}

// auth is the demander node's authenticator of a request for tokens.
func (e *relayEnv) auth(orderID, requestID string, tokens []byte) []byte {
	return suppliertest.Authenticator(e.demKeys.X25519, e.supKeys.X25519.PublicKey(), orderID, requestID, tokens)
}

func (e *relayEnv) available(t *testing.T) int64 {
	t.Helper()
	v, err := e.p.Quota(e.op, e.dem.member.ID)
	if err != nil {
		t.Fatal(err)
	}
	return v.AvailableFen
}

func (e *relayEnv) entries(t *testing.T, kind string) []string {
	t.Helper()
	var out []string
	err := e.db.Read(e.op, func(tx *store.Tx) error {
		es, err := tx.LogEntries(e.op, store.LogFilter{Kind: kind, Limit: 1000})
		for _, en := range es {
			out = append(out, string(en.Payload))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkAnswer opens a delivery as the demander would: the receipt
// verifies, binds the sealed bytes, and the values are the supplier's.
func (e *relayEnv) checkAnswer(t *testing.T, requestID string, res *relay.DeliveryResult, wantMatched int) {
	t.Helper()
	r, err := evidence.OpenReceipt(res.Delivery.Receipt, e.vkey)
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	if r.Commitment != evidence.Hash(seal.Commitment(res.Sealed)) || r.RequestID != requestID || r.OrderID != e.order.ID ||
		r.ChargeFen != res.Delivery.ChargeFen || r.Seq != res.Delivery.Seq || r.RetainUntil != res.Delivery.RetainUntil {
		t.Errorf("receipt %+v does not match the delivery %+v", r, res.Delivery)
	}
	ans, err := suppliertest.OpenAnswer(e.demKeys.X25519, e.order.ID, requestID, res.Sealed)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if len(ans.Matches) != wantMatched || int(res.Delivery.Matched) != wantMatched {
		t.Errorf("matched %d (recorded %d), want %d", len(ans.Matches), res.Delivery.Matched, wantMatched)
	}
	for _, m := range ans.Matches {
		if len(m.Values) != 2 || !slices.Contains(levels, m.Values[0]) || m.Values[1] != "1" {
			t.Fatalf("values %q", m.Values)
		}
	}
}

// TestDeliveryRelay walks the relay end to end with a real supplier node:
// charge, receipt, sealed answer, retries idempotent (same sealed bytes,
// or a new sealing logged as a zero-charge redelivery), a request ID
// reused for other tokens, the order's peer data, destruction and the
// log's integrity.
func TestDeliveryRelay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000})
		peer, err := e.r.GetOrderPeer(e.demNode, e.order.ID)
		if err != nil {
			t.Fatal(err)
		}
		if peer.Side != market.DemandSide || peer.PeerMember != e.sup.member.ID || !bytes.Equal(peer.PeerX25519, e.supKeys.X25519.PublicKey().Bytes()) ||
			strings.Join(peer.Columns, ",") != "consumption_level,car_owner" || peer.MaxTokens != 10_000 || peer.VerifierKey != e.vkey || peer.RetentionDays != 30 {
			t.Errorf("demander's peer: %+v", peer)
		}
		if sp, err := e.r.GetOrderPeer(e.supNode, e.order.ID); err != nil || sp.Side != market.SupplySide || !bytes.Equal(sp.PeerX25519, e.demKeys.X25519.PublicKey().Bytes()) {
			t.Errorf("supplier's peer: %+v %v", sp, err)
		} else if _, err := peerkey.Check(sp.PeerKeyReceipt, e.vkey, e.dem.member.ID, sp.PeerX25519); err != nil {
			t.Errorf("the demander's key receipt: %v", err)
		}
		// The key comes with the receipt of its registration in the business
		// log, which verifies with the log's key alone; it proves nothing for
		// another key or another member, or once altered.
		if _, err := peerkey.Check(peer.PeerKeyReceipt, e.vkey, e.sup.member.ID, peer.PeerX25519); err != nil {
			t.Errorf("the supplier's key receipt: %v", err)
		}
		other := bytes.Clone(peer.PeerX25519)
		other[0] ^= 1
		tampered := bytes.Replace(peer.PeerKeyReceipt, []byte(`"seq":`), []byte(`"seq":1`), 1)
		for name, c := range map[string]struct {
			receipt []byte
			member  string
			key     []byte
		}{
			"another key":    {peer.PeerKeyReceipt, e.sup.member.ID, other},
			"another member": {peer.PeerKeyReceipt, e.dem.member.ID, peer.PeerX25519},
			"altered":        {tampered, e.sup.member.ID, peer.PeerX25519},
			"none":           {nil, e.sup.member.ID, peer.PeerX25519},
		} {
			if _, err := peerkey.Check(c.receipt, e.vkey, c.member, c.key); err == nil {
				t.Errorf("%s: the receipt verified", name)
			}
		}

		before := e.available(t)
		toks := e.tokens(t, e.people)
		res, err := e.r.Deliver(e.demNode, e.order.ID, "rt-1", toks, e.auth(e.order.ID, "rt-1", toks), relay.Authorisations{})
		if err != nil {
			t.Fatal(err)
		}
		// Per call, per hit, 5 fen: 500 of the 1,000 match.
		if res.Replayed || res.Delivery.Queried != 1000 || res.Delivery.ChargeFen != 2500 {
			t.Errorf("delivery %+v", res.Delivery)
		}
		e.checkAnswer(t, "rt-1", res, 500)
		if got := e.available(t); got != before-2500 {
			t.Errorf("quota %d → %d, want −2500", before, got)
		}
		wantRetain := calendar.DateOf(time.Now()).AddDays(30).String()
		if res.Delivery.RetainUntil != wantRetain {
			t.Errorf("retain until %s, want %s", res.Delivery.RetainUntil, wantRetain)
		}

		// A retry: answered again, nothing charged, the same receipt.
		calls := e.node.Calls.Load()
		again, err := e.r.Deliver(e.demNode, e.order.ID, "rt-1", toks, e.auth(e.order.ID, "rt-1", toks), relay.Authorisations{})
		if err != nil {
			t.Fatal(err)
		}
		if !again.Replayed || again.Delivery.Receipt != res.Delivery.Receipt || !bytes.Equal(again.Sealed, res.Sealed) || e.node.Calls.Load() != calls+1 {
			t.Errorf("retry: replayed %v, same receipt %v", again.Replayed, again.Delivery.Receipt == res.Delivery.Receipt)
		}
		// A retry the supplier seals anew (its node restarted and lost its
		// answer cache): logged, free, its own receipt.
		e.node.Restart(t)
		re, err := e.r.Deliver(e.demNode, e.order.ID, "rt-1", toks, e.auth(e.order.ID, "rt-1", toks), relay.Authorisations{})
		if err != nil {
			t.Fatal(err)
		}
		if !re.Replayed || re.Delivery.ChargeFen != 0 || re.FirstChargeFen != 2500 || again.FirstChargeFen != 2500 || re.Delivery.Seq == res.Delivery.Seq || bytes.Equal(re.Sealed, res.Sealed) {
			t.Errorf("redelivery %+v", re.Delivery)
		}
		e.checkAnswer(t, "rt-1", re, 500)
		if n := len(e.entries(t, relay.KindDeliveryRedelivered)); n != 1 {
			t.Errorf("%d redelivery entries", n)
		}
		if got := e.available(t); got != before-2500 {
			t.Errorf("quota after retries %d, want %d", got, before-2500)
		}
		// The same request ID with other tokens.
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "rt-1", e.tokens(t, e.people[:10]), e.auth(e.order.ID, "rt-1", e.tokens(t, e.people[:10])), relay.Authorisations{}); !errs.Is(err, errs.Conflict) {
			t.Errorf("request ID reused: %v", err)
		}

		// Destruction: an unknown request is named; a second attestation
		// records nothing new.
		if _, err := e.r.AttestDestruction(e.demNode, e.order.ID, []string{"rt-1", "nope"}, relay.DestroyedRequest, time.Time{}); !errs.Is(err, errs.NotFound) || !strings.Contains(errs.Message(err, "en"), "nope") {
			t.Errorf("unknown request destroyed: %v", err)
		}
		if _, err := e.r.AttestDestruction(e.supNode, e.order.ID, []string{"rt-1"}, relay.DestroyedRequest, time.Time{}); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("supplier attesting: %v", err)
		}
		at, err := e.r.AttestDestruction(e.demNode, e.order.ID, []string{"rt-1"}, relay.DestroyedRequest, time.Time{})
		if err != nil || at.Recorded != 1 {
			t.Fatalf("attest: %+v %v", at, err)
		}
		at2, err := e.r.AttestDestruction(e.demNode, e.order.ID, []string{"rt-1"}, relay.DestroyedDeadline, time.Time{})
		if err != nil || at2.Recorded != 0 || at2.Seq != at.Seq {
			t.Errorf("second attestation: %+v %v", at2, err)
		}
		ds, err := e.r.Deliveries(e.demNode, relay.DeliveryQuery{OrderID: e.order.ID})
		if err != nil || len(ds) != 1 || ds[0].DestroyedAt.IsZero() || ds[0].DestroyReason != relay.DestroyedRequest {
			t.Errorf("deliveries after destruction: %+v %v", ds, err)
		}
		if ds, err := e.r.Deliveries(e.supNode, relay.DeliveryQuery{}); err != nil || len(ds) != 1 {
			t.Errorf("supplier's deliveries: %d %v", len(ds), err)
		}
		checkLedger(t, e)
	})
}

// checkLedger: every delivery has exactly one delivery.completed entry,
// every charge one quota movement of its amount in the same entry set,
// and the log verifies.
func checkLedger(t *testing.T, e *relayEnv) {
	t.Helper()
	ctx := e.op
	err := e.db.Read(ctx, func(tx *store.Tx) error {
		ds, err := tx.Deliveries(ctx, store.DeliveryQuery{Limit: 1000})
		if err != nil {
			return err
		}
		completed, err := tx.LogEntries(ctx, store.LogFilter{Kind: relay.KindDeliveryCompleted, Limit: 1000})
		if err != nil {
			return err
		}
		if len(completed) != len(ds) {
			t.Errorf("%d deliveries, %d completed entries", len(ds), len(completed))
		}
		bySeq := map[int64]string{}
		for _, c := range completed {
			bySeq[c.Seq] = string(c.Payload)
		}
		moves, err := tx.Movements(ctx, e.dem.member.ID, time.Time{}, 10000)
		if err != nil {
			return err
		}
		var deducted, charged int64
		for _, m := range moves {
			if m.Kind == store.MovementDeduct && strings.HasPrefix(m.RequestID, "dlv:") {
				deducted += m.AmountFen
			}
		}
		for _, d := range ds {
			p, ok := bySeq[d.Seq]
			if !ok || !strings.Contains(p, `"request_id":"`+d.RequestID+`"`) || !strings.Contains(p, fmt.Sprintf(`"charge_fen":%d`, d.ChargeFen)) {
				t.Errorf("delivery %s: entry %d is %q", d.RequestID, d.Seq, p)
			}
			charged += d.ChargeFen
		}
		if deducted != charged {
			t.Errorf("deducted %d, charged %d", deducted, charged)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.log.Verify(ctx)
	if err != nil || !rep.OK() {
		t.Errorf("log verification: %+v %v", rep, err)
	}
}

// TestDeliveryCharges: each billing mode charges the month's increment.
func TestDeliveryCharges(t *testing.T) {
	cases := []struct {
		name  string
		plan  pricing.Plan
		first int64 // charge of 1,000 queried, 500 matched
		then  int64 // of the same again
	}{
		{"per call by query", pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerQuery, UnitPrice: 3}, 3000, 3000},
		{"tiered by hit", pricing.Plan{Mode: pricing.Tiered, Basis: pricing.PerHit, Tiers: []pricing.Tier{{UpTo: 600, UnitPrice: 4}, {UnitPrice: 2}}}, 2000, 100*4 + 400*2},
		{"monthly unlimited", pricing.Plan{Mode: pricing.Monthly, Basis: pricing.PerQuery, MonthlyFee: 50_000}, 50_000, 0},
		{"monthly tiered", pricing.Plan{Mode: pricing.MonthlyTiered, Basis: pricing.PerQuery, Bands: []pricing.Band{{UpTo: 1000, Fee: 10_000}, {Fee: 30_000}}}, 10_000, 20_000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newRelayEnv(t, db, terms{price: c.plan, topUp: 1_000_000})
				before := e.available(t)
				for i, want := range []int64{c.first, c.then} {
					res, err := e.r.Deliver(e.demNode, e.order.ID, fmt.Sprintf("c-%d", i), e.tokens(t, e.people), e.auth(e.order.ID, fmt.Sprintf("c-%d", i), e.tokens(t, e.people)), relay.Authorisations{})
					if err != nil {
						t.Fatal(err)
					}
					if res.Delivery.ChargeFen != want {
						t.Errorf("delivery %d charged %d, want %d", i, res.Delivery.ChargeFen, want)
					}
				}
				if got := e.available(t); got != before-c.first-c.then {
					t.Errorf("quota fell by %d, want %d", before-got, c.first+c.then)
				}
				checkLedger(t, e)
			})
		})
	}
}

// TestDeliveryRefusals: every refusal before forwarding costs the
// supplier nothing; every refusal anywhere charges nothing and logs no
// delivery.
func TestDeliveryRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000, traversal: catalog.Traversal{IDsPerRequest: 1000, IDsPerDay: 2500, RequestsPerMinute: 600}})
		toks := e.tokens(t, e.people)
		other := onboardKeys(t, e.p, e.op, 503, true, true, suppliertest.NewKeys())
		otherNode := auth.WithActor(context.Background(), auth.NodeActor(other.member.ID))
		cases := []struct {
			name    string
			ctx     context.Context
			order   string
			request string
			tokens  []byte
			kind    errs.Kind
		}{
			{"tokens of a wrong length", e.demNode, e.order.ID, "bad-1", toks[:len(toks)-3], errs.Invalid},
			{"no tokens", e.demNode, e.order.ID, "bad-2", nil, errs.Invalid},
			{"over the per-request limit", e.demNode, e.order.ID, "bad-3", append(bytes.Clone(toks), toks[:16]...), errs.ResourceExhausted},
			{"oversized", e.demNode, e.order.ID, "bad-4", make([]byte, (relay.MaxChunkTokens+1)*16), errs.Invalid},
			{"bad request ID", e.demNode, e.order.ID, "no spaces", toks, errs.Invalid},
			{"long request ID", e.demNode, e.order.ID, strings.Repeat("r", 129), toks, errs.Invalid},
			{"unknown order", e.demNode, "ord_unknown", "bad-5", toks, errs.NotFound},
			{"not a party", otherNode, e.order.ID, "bad-6", toks, errs.NotFound},
			{"the supplier", e.supNode, e.order.ID, "bad-7", toks, errs.PermissionDenied},
			{"staff, not a node", e.dem.ctx, e.order.ID, "bad-8", toks, errs.PermissionDenied},
			{"anonymous", context.Background(), e.order.ID, "bad-9", toks, errs.Unauthenticated},
		}
		for _, c := range cases {
			if _, err := e.r.Deliver(c.ctx, c.order, c.request, c.tokens, e.auth(c.order, c.request, c.tokens), relay.Authorisations{}); !errs.Is(err, c.kind) {
				t.Errorf("%s: %v, want %s", c.name, err, c.kind)
			}
		}
		if n := e.node.Calls.Load(); n != 0 {
			t.Errorf("the supplier was asked %d times by refused requests", n)
		}
		before := e.available(t)

		// Supplier down, bad signature, more matches than tokens: an error
		// naming the supplier, nothing charged.
		for _, fault := range []struct {
			name string
			set  func(bool)
			kind errs.Kind
		}{
			{"down", e.node.Down.Store, errs.Unavailable},
			{"bad signature", e.node.BadSignature.Store, errs.FailedPrecondition},
			{"over-matching", e.node.OverMatch.Store, errs.FailedPrecondition},
		} {
			fault.set(true)
			_, err := e.r.Deliver(e.demNode, e.order.ID, "fault-"+strings.ReplaceAll(fault.name, " ", "-"), toks, e.auth(e.order.ID, "fault-"+strings.ReplaceAll(fault.name, " ", "-"), toks), relay.Authorisations{})
			fault.set(false)
			if !errs.Is(err, fault.kind) || !strings.Contains(errs.Message(err, "en"), e.sup.member.ID) {
				t.Errorf("supplier %s: %v", fault.name, err)
			}
		}
		e.node.Server.Close()
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "fault-gone", toks, e.auth(e.order.ID, "fault-gone", toks), relay.Authorisations{}); !errs.Is(err, errs.Unavailable) || !strings.Contains(errs.Message(err, "zh"), e.sup.member.ID) {
			t.Errorf("supplier unreachable: %v", err)
		}
		if got := e.available(t); got != before {
			t.Errorf("quota moved by failed deliveries: %d → %d", before, got)
		}
		if n := len(e.entries(t, relay.KindDeliveryCompleted)); n != 0 {
			t.Errorf("%d deliveries logged", n)
		}

		checkLedger(t, e)
	})
}

// TestDeliveryTraversalLimits: per-day IDs and per-minute requests are
// counted per order and refuse before forwarding.
func TestDeliveryTraversalLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000, traversal: catalog.Traversal{IDsPerRequest: 1000, IDsPerDay: 2500, RequestsPerMinute: 3}})
		for i := range 2 {
			if _, err := e.r.Deliver(e.demNode, e.order.ID, fmt.Sprintf("d-%d", i), e.tokens(t, e.people), e.auth(e.order.ID, fmt.Sprintf("d-%d", i), e.tokens(t, e.people)), relay.Authorisations{}); err != nil {
				t.Fatal(err)
			}
		}
		calls := e.node.Calls.Load()
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "d-2", e.tokens(t, e.people), e.auth(e.order.ID, "d-2", e.tokens(t, e.people)), relay.Authorisations{}); !errs.Is(err, errs.ResourceExhausted) || !strings.Contains(errs.Message(err, "en"), "a day") {
			t.Errorf("over the day's IDs: %v", err)
		}
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "d-3", e.tokens(t, e.people[:500]), e.auth(e.order.ID, "d-3", e.tokens(t, e.people[:500])), relay.Authorisations{}); err != nil {
			t.Fatalf("within the day's IDs: %v", err)
		}
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "d-4", e.tokens(t, e.people[:1]), e.auth(e.order.ID, "d-4", e.tokens(t, e.people[:1])), relay.Authorisations{}); !errs.Is(err, errs.ResourceExhausted) {
			t.Errorf("a fourth request in a minute: %v", err)
		}
		if e.node.Calls.Load() != calls+1 {
			t.Errorf("refused requests reached the supplier")
		}
		// A retry of a delivered request is not a new request.
		if res, err := e.r.Deliver(e.demNode, e.order.ID, "d-0", e.tokens(t, e.people), e.auth(e.order.ID, "d-0", e.tokens(t, e.people)), relay.Authorisations{}); err != nil || !res.Replayed {
			t.Errorf("retry over the limits: %v", err)
		}
		checkLedger(t, e)
	})
}

// TestDeliveryQuotaRunsOut: exact accounting when the quota cannot cover a
// delivery: the suspension commits, the delivery does not, and further
// requests are refused before the supplier is asked.
func TestDeliveryQuotaRunsOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerQuery, UnitPrice: 5}, topUp: 12_000})
		toks := e.tokens(t, e.people)
		for i := range 2 {
			if _, err := e.r.Deliver(e.demNode, e.order.ID, fmt.Sprintf("q-%d", i), toks, e.auth(e.order.ID, fmt.Sprintf("q-%d", i), toks), relay.Authorisations{}); err != nil {
				t.Fatal(err)
			}
		}
		if got := e.available(t); got != 2000 {
			t.Fatalf("available %d, want 2000", got)
		}
		_, err := e.r.Deliver(e.demNode, e.order.ID, "q-2", toks, e.auth(e.order.ID, "q-2", toks), relay.Authorisations{})
		if !errs.Is(err, errs.ResourceExhausted) {
			t.Fatalf("over the quota: %v", err)
		}
		v, _ := e.p.Quota(e.op, e.dem.member.ID)
		if v.AvailableFen != 2000 || !v.Account.IsSuspended() || v.Account.DeductedFen != 10_000 {
			t.Errorf("quota after the refusal: %+v", v.Account)
		}
		calls := e.node.Calls.Load()
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "q-3", e.tokens(t, e.people[:1]), e.auth(e.order.ID, "q-3", e.tokens(t, e.people[:1])), relay.Authorisations{}); !errs.Is(err, errs.ResourceExhausted) || e.node.Calls.Load() != calls {
			t.Errorf("suspended: %v, supplier asked %d", err, e.node.Calls.Load()-calls)
		}
		if ds, _ := e.r.Deliveries(e.op, relay.DeliveryQuery{}); len(ds) != 2 {
			t.Errorf("%d deliveries recorded, want 2", len(ds))
		}
		// A top-up resumes; the refused chunk goes through on retry.
		if _, err := e.p.TopUp(e.op, e.dem.member.ID, 10_000, "pay-2", ""); err != nil {
			t.Fatal(err)
		}
		if res, err := e.r.Deliver(e.demNode, e.order.ID, "q-2", toks, e.auth(e.order.ID, "q-2", toks), relay.Authorisations{}); err != nil || res.Replayed || res.Delivery.ChargeFen != 5000 {
			t.Errorf("after the top-up: %+v %v", res, err)
		}
		checkLedger(t, e)
	})
}

// TestDeliveryOrderState: suspended, expired and unregistered-supplier
// orders are refused with the reason.
func TestDeliveryOrderState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000})
		toks := e.tokens(t, e.people[:10])
		if _, err := e.p.Market.SuspendOrder(e.op, e.order.ID, "投诉核查"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "s-1", toks, e.auth(e.order.ID, "s-1", toks), relay.Authorisations{}); !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, "zh"), "投诉核查") {
			t.Errorf("suspended order: %v", err)
		}
		if _, err := e.p.Market.ResumeOrder(e.op, e.order.ID); err != nil {
			t.Fatal(err)
		}
		// An order whose term ended yesterday.
		yesterday := calendar.DateOf(time.Now()).AddDays(-1)
		old := market.NewOrder(auth.NewID("ord_"), e.order.Terms, yesterday.AddDays(-10).Start())
		old.Terms.Term = market.Term{Start: yesterday.AddDays(-10), End: yesterday}
		old.Demand, old.Supply = &market.Signature{}, &market.Signature{}
		if err := old.Activate(yesterday.Start()); err != nil {
			t.Fatal(err)
		}
		if err := db.Transact(e.op, func(tx *store.Tx) error { return tx.SaveOrder(e.op, old, true) }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.Deliver(e.demNode, old.ID, "s-2", toks, e.auth(old.ID, "s-2", toks), relay.Authorisations{}); !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, "en"), "expired") {
			t.Errorf("expired order: %v", err)
		}
		// The supplier's node forgets to register: a clear error.
		if err := db.Transact(e.op, func(tx *store.Tx) error {
			return tx.SetNodeEndpoint(e.op, &store.NodeEndpoint{Member: e.sup.member.ID, URL: "http://127.0.0.1:1"})
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "s-3", toks, e.auth(e.order.ID, "s-3", toks), relay.Authorisations{}); !errs.Is(err, errs.Unavailable) {
			t.Errorf("supplier at a dead address: %v", err)
		}
		if n := e.node.Calls.Load(); n != 0 {
			t.Errorf("supplier asked %d times", n)
		}
	})
}

// TestRegisterEndpoint: node-signed, from account opening on, URLs
// validated.
func TestRegisterEndpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{})
		for _, bad := range []string{"", "ftp://x", "http://", "http://u:p@host", "https://host/?q=1", "https://host/#f", "http://host:0", "http://host:99999", "/relative", "http://host/a b"} {
			if _, _, err := e.r.RegisterEndpoint(e.supNode, bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("%q: %v", bad, err)
			}
		}
		u, vkey, err := e.r.RegisterEndpoint(e.supNode, "https://node.example.cn:8443/hulian/")
		if err != nil || u != "https://node.example.cn:8443/hulian" || vkey != e.vkey {
			t.Errorf("register: %q %q %v", u, vkey, err)
		}
		if _, _, err := e.r.RegisterEndpoint(e.sup.ctx, "https://node.example.cn"); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("staff registering a node endpoint: %v", err)
		}
		if n := len(e.entries(t, relay.KindEndpointRegistered)); n != 2 {
			t.Errorf("%d endpoint entries, want 2", n)
		}
	})
}

// FuzzCheckEndpointURL: the URL check never panics and what it accepts
// is a plain http(s) base URL.
func FuzzCheckEndpointURL(f *testing.F) {
	for _, s := range []string{"https://a.cn", "http://127.0.0.1:8080/x/", "https://h/?", "http://[::1]:1/", "https://u@h", "http://h#x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := relay.CheckEndpointURL(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || strings.ContainsAny(u, "?#@ ") {
			t.Errorf("accepted %q as %q", s, u)
		}
	})
}

// FuzzCheckRequestID: accepted request IDs are plain labels.
func FuzzCheckRequestID(f *testing.F) {
	for _, s := range []string{"batch-1/0", "a", strings.Repeat("x", 129), "a b", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if relay.CheckRequestID("request_id", s) != nil {
			return
		}
		if len(s) == 0 || len(s) > 128 || strings.ContainsAny(s, " \n\t\x00") {
			t.Errorf("accepted %q", s)
		}
	})
}

// TestDeliveryPrivacy: after deliveries, neither the platform's database
// file nor its log output holds a token, an exID or a delivered value, in
// raw, hex or base64 form.
func TestDeliveryPrivacy(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := newRelayEnv(t, db, terms{topUp: 1_000_000})
	toks := e.tokens(t, e.people)
	var plains [][]byte // what the demander's node opens
	for i := range 3 {
		req := fmt.Sprintf("p-%d", i)
		res, err := e.r.Deliver(e.demNode, e.order.ID, req, toks, e.auth(e.order.ID, req, toks), relay.Authorisations{})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := seal.Open(e.demKeys.X25519, e.order.ID, req, res.Sealed)
		if err != nil {
			t.Fatal(err)
		}
		plains = append(plains, plain)
	}
	e.node.Down.Store(true)
	e.r.Deliver(e.demNode, e.order.ID, "p-down", toks, e.auth(e.order.ID, "p-down", toks), relay.Authorisations{}) // an error path logs too
	if _, err := e.log.Checkpoint(e.op); err != nil {
		t.Fatal(err)
	}
	var needles [][]byte
	add := func(b []byte) {
		needles = append(needles, b, []byte(hex.EncodeToString(b)), []byte(strings.ToUpper(hex.EncodeToString(b))),
			[]byte(base64.StdEncoding.EncodeToString(b)), []byte(base64.RawURLEncoding.EncodeToString(b)))
	}
	for i := 0; i < len(toks); i += 16 {
		add(toks[i : i+16])
	}
	for _, id := range e.people {
		add(id[:])
		needles = append(needles, []byte(id.String()))
	}
	// A delivered value is a tag value of the public listing; what is
	// secret is whose it is, which the answer's plaintext binds: no part
	// of it may rest with the platform.
	for _, p := range plains {
		for i := 0; i+64 <= len(p); i += 64 {
			add(p[i : i+64])
		}
	}
	var hay [][]byte
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(strings.TrimPrefix(dsn, "sqlite://")), "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			hay = append(hay, b)
		}
	}
	hay = append(hay, e.logs.Bytes())
	if len(files) == 0 {
		t.Fatal("no database files found")
	}
	for _, h := range hay {
		for _, n := range needles {
			if bytes.Contains(h, n) {
				t.Fatalf("found %q in the platform's files or logs", n)
			}
		}
	}
}

// TestDeliveryAuthorisations (X-E10): under a two-step listing the relay
// refuses a request without one commitment per token or at a lower level,
// before the supplier is asked; it delivers one that has them and keeps
// their digest and level in the delivery and its log entry, and learns no
// more.
func TestDeliveryAuthorisations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000, verification: "two_step"})
		if e.order.Terms.Verification != "two_step" {
			t.Fatalf("order terms: verification %q", e.order.Terms.Verification)
		}
		peer, err := e.r.GetOrderPeer(e.demNode, e.order.ID)
		if err != nil || peer.Verification != "two_step" {
			t.Fatalf("peer: %+v %v", peer, err)
		}
		toks := e.tokens(t, e.people[:4])
		commitments := bytes.Repeat([]byte{0xa5}, 4*authz.CommitmentSize)
		for name, tc := range map[string]struct {
			az   relay.Authorisations
			want errs.Kind
		}{
			"none":       {relay.Authorisations{}, errs.Invalid},
			"one short":  {relay.Authorisations{Commitments: commitments[:3*authz.CommitmentSize], Level: authz.TwoStep}, errs.Invalid},
			"one-step":   {relay.Authorisations{Commitments: commitments, Level: authz.OneStep}, errs.PermissionDenied},
			"past level": {relay.Authorisations{Commitments: commitments, Level: 3}, errs.PermissionDenied},
		} {
			if _, err := e.r.Deliver(e.demNode, e.order.ID, "az-"+strings.ReplaceAll(name, " ", "-"), toks, e.auth(e.order.ID, "az-x", toks), tc.az); !errs.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", name, err, tc.want)
			}
		}
		res, err := e.r.Deliver(e.demNode, e.order.ID, "az-ok", toks, e.auth(e.order.ID, "az-ok", toks), relay.Authorisations{Commitments: commitments, Level: authz.TwoStep})
		if err != nil {
			t.Fatal(err)
		}
		want := evidence.HashOf(commitments).String()
		if res.Delivery.AuthzDigest != want || res.Delivery.AuthzLevel != 2 {
			t.Errorf("delivery: authz %q level %d", res.Delivery.AuthzDigest, res.Delivery.AuthzLevel)
		}
		var stored *store.Delivery
		if err := db.Read(e.op, func(tx *store.Tx) (err error) { stored, err = tx.Delivery(e.op, e.order.ID, "az-ok"); return err }); err != nil || stored.AuthzDigest != want {
			t.Errorf("stored: %+v %v", stored, err)
		}
		entries := e.entries(t, relay.KindDeliveryCompleted)
		if len(entries) != 1 || !strings.Contains(entries[0], `"authorisations_sha256":"`+want+`"`) || !strings.Contains(entries[0], `"authorisation_level":2`) {
			t.Errorf("log entries: %v", entries)
		}
	})
}

// TestDeliveryRefusesPrivateEndpoints: with the production policy (no
// allow-list), a supplier endpoint on loopback is not called: the
// delivery is refused, naming why, and nothing is charged or logged.
func TestDeliveryRefusesPrivateEndpoints(t *testing.T) {
	db := storetest.Open(t, "sqlite", store.Options{})
	e := newRelayEnv(t, db, terms{topUp: 1_000_000})
	e.r.Answerer = relay.NewNodeAnswerer(netguard.Policy{}, nil)
	toks := e.tokens(t, e.people[:3])
	_, err := e.r.Deliver(e.demNode, e.order.ID, "ssrf-1", toks, e.auth(e.order.ID, "ssrf-1", toks), relay.Authorisations{})
	if !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, "en"), "not a public address") || !strings.Contains(errs.Message(err, "en"), "loopback") {
		t.Fatalf("a loopback endpoint: %v", err)
	}
	if n := len(e.entries(t, relay.KindDeliveryCompleted)); n != 0 {
		t.Errorf("%d deliveries logged", n)
	}
}

// TestCheckEndpointURL: plain http:// is for this machine and private
// networks; on the internet a node's endpoint must be https://.
func TestCheckEndpointURL(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://node.example.cn/hulian": true,
		"http://127.0.0.1:8081":          true,
		"http://localhost:8081/":         true,
		"http://[::1]:8081":              true,
		"http://10.0.3.7:8081":           true,
		"http://node.example.cn":         false,
		"http://8.8.8.8:8081":            false,
		"ftp://node.example.cn":          false,
	} {
		if _, err := relay.CheckEndpointURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", raw, err, ok)
		}
	}
}
