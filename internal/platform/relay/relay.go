// Package relay is the platform's delivery relay 配送 (X-W2, DESIGN.md
// protocol steps 4–6), a room of its own beside the platform's other use
// cases: it relays a demander node's tokens to the supplier's node and its
// sealed answer back, checking the order, the traversal limits and the
// quota before it forwards anything, and metering, charging, logging and
// signing a receipt in one transaction after the supplier has signed its
// answer. It also holds the relay's outbound client of supplier nodes
// (answerer.go). It sees counts, hashes and sealed bytes; it never stores
// or logs a token, an exID or a value. docs/delivery.md describes it.
package relay

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/market"
	"hulian/internal/member"
	"hulian/internal/netguard"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/store"
	"hulian/internal/platform/trading"
	"hulian/internal/pricing"
	"hulian/internal/protocol/authz"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/seal"
)

// Relay is the delivery relay over a platform's store and log key.
type Relay struct {
	P      *platform.Platform
	Market *trading.Market   // checks each delivery's order
	Log    *logkeeper.Keeper // signs relayed requests and receipts with the log's key
	// Answerer calls suppliers' nodes; NewNodeAnswerer(nil) in production.
	Answerer Answerer
	Timeout  time.Duration // a supplier node's time to answer; DefaultRelayTimeout if zero

	key      relayKey // the log key, opened once for receipts and relayed requests
	receipts keyReceipts
}

// New returns the relay of p, checking orders with mk, signing with the
// log key kept by log and calling supplier nodes with a.
func New(p *platform.Platform, mk *trading.Market, log *logkeeper.Keeper, a Answerer) *Relay {
	return &Relay{P: p, Market: mk, Log: log, Answerer: a}
}

// Log entry kinds of delivery.
const (
	KindEndpointRegistered  = "delivery.endpoint_registered"
	KindDeliveryCompleted   = "delivery.completed"
	KindDeliveryRedelivered = "delivery.redelivered"
	KindDeliveryDestroyed   = "delivery.destroyed"
)

const (
	// TokenSize is the length of one token.
	TokenSize = 16
	// AuthenticatorSize is the length of a request authenticator
	// (ordertoken.Key.Authenticator).
	AuthenticatorSize = 32
	// MaxRealtimeTokens bounds a real-time request (DESIGN.md step 5).
	MaxRealtimeTokens = 10_000
	// MaxChunkTokens bounds one chunk of a batch delivery (the protocol's
	// limit, ordertoken.MaxChunkTokens).
	MaxChunkTokens = ordertoken.MaxChunkTokens
	// MaxAttested bounds the request IDs of one destruction attestation.
	MaxAttested = 10_000
	// DefaultRelayTimeout bounds a supplier node's answer.
	DefaultRelayTimeout = 60 * time.Second
)

// AnswerRequest is what the relay asks a supplier's node.
type AnswerRequest struct {
	OrderID        string
	RequestID      string
	ListingID      string
	Supplier       string // the member whose node is asked
	Demander       string
	DemanderX25519 []byte // the HPKE recipient and the order key's peer
	Columns        []string
	Tokens         []byte
	Authenticator  []byte // the demander's, relayed unread; the supplier checks it
	// DemanderKeyReceipt proves DemanderX25519 is the demander's logged
	// registration (package peerkey).
	DemanderKeyReceipt []byte
}

// Answer is a supplier node's reply.
type Answer struct {
	Sealed    []byte
	Queried   uint64
	Matched   uint64
	Signature []byte // over evidence.Answer
}

// Answerer calls a supplier node's AnswerService at endpoint. sign returns
// the Hulian-Relay header for the exact request body sent. An error's kind
// says what went wrong (Unavailable: the node could not be reached or timed
// out; otherwise the node refused) and its reason what the node said.
type Answerer interface {
	Answer(ctx context.Context, endpoint string, req *AnswerRequest, sign func(body []byte) (string, error)) (*Answer, error)
}

// relayKey caches the log signing key for receipts and relayed requests:
// opening it costs a database read and an unseal, per delivery otherwise.
type relayKey struct {
	mu     sync.Mutex
	signer note.Signer
	vkey   string
}

func (r *Relay) signer(ctx context.Context) (note.Signer, string, error) {
	r.key.mu.Lock()
	defer r.key.mu.Unlock()
	if r.key.signer != nil {
		return r.key.signer, r.key.vkey, nil
	}
	s, vkey, err := r.Log.Signer(ctx)
	if err != nil {
		return nil, "", err
	}
	r.key.signer, r.key.vkey = s, vkey
	return s, vkey, nil
}

// CheckEndpointURL validates a node's base URL: http(s)://host[:port][/path]
// with no user information, query or fragment.
func CheckEndpointURL(raw string) (string, error) {
	bad := errs.Invalidf("url", "节点地址须为 http(s)://主机[:端口][/路径]，不含用户信息、查询或片段", "the node URL must be http(s)://host[:port][/path], without user information, query or fragment")
	if raw == "" || len(raw) > 500 || strings.ContainsAny(raw, " \t\r\n\\") {
		return "", bad
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil ||
		u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") || u.Opaque != "" {
		return "", bad
	}
	if port := u.Port(); port != "" {
		n := 0
		for _, c := range port {
			n = n*10 + int(c-'0')
		}
		if n < 1 || n > 65535 {
			return "", bad
		}
	}
	// Deliveries travel this way sealed, but the relay note and the
	// counts do not: on the internet, only over TLS.
	if u.Scheme == "http" && !netguard.PlainHTTPAllowed(u.Hostname()) {
		return "", errs.Invalidf("url", "公网上的节点地址须使用 https://（http:// 只用于本机或内网地址）", "a node URL on the internet must be https:// (http:// is for this machine or a private network only)")
	}
	return strings.TrimSuffix(raw, "/"), nil
}

// RegisterEndpoint records where the calling member's node answers relayed
// requests, and returns the URL as stored and the log verifier key the node
// pins (it signs relayed requests and receipts). The member must have
// opened its account (its node keys are registered).
func (r *Relay) RegisterEndpoint(ctx context.Context, raw string) (string, string, error) {
	a, err := platform.RequireNode(ctx)
	if err != nil {
		return "", "", err
	}
	u, err := CheckEndpointURL(raw)
	if err != nil {
		return "", "", err
	}
	_, vkey, err := r.signer(ctx)
	if err != nil {
		return "", "", err
	}
	err = r.P.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := tx.Member(ctx, a.MemberID, false)
		if err != nil {
			return err
		}
		if m.Stage != member.StageOpened && m.Stage != member.StageActive {
			return errs.New(errs.FailedPrecondition, "stage", "须先完成账户开通（登记节点密钥）才能登记节点地址", "open the account (register the node keys) before registering the node's endpoint")
		}
		if err := tx.SetNodeEndpoint(ctx, &store.NodeEndpoint{Member: m.ID, URL: u}); err != nil {
			return err
		}
		_, err = tx.Append(ctx, m.ID, KindEndpointRegistered, m.ID, bizlog.P{"url": u})
		return err
	})
	if err != nil {
		return "", "", err
	}
	return u, vkey, nil
}

// OrderPeer is what a party's node needs to take part in an order's
// deliveries.
type OrderPeer struct {
	OrderID       string
	Side          market.Side
	PeerMember    string
	PeerX25519    []byte
	ListingID     string
	Method        market.Method
	RetentionDays int
	Columns       []string
	MaxTokens     int
	VerifierKey   string
	Verification  string // the order's verification method (X-E10), "" for none
	// PeerKeyReceipt proves PeerX25519 is the peer's logged registration
	// (package peerkey).
	PeerKeyReceipt []byte
}

// MaxTokens is the most tokens one Deliver call may carry under o: a
// real-time request up to 10,000 and the per-request traversal limit, a
// batch chunk up to MaxChunkTokens.
func MaxTokens(o *market.Order) int {
	if o.Terms.Method == market.Batch {
		return MaxChunkTokens
	}
	if n := o.Terms.Traversal.IDsPerRequest; n > 0 && n < MaxRealtimeTokens {
		return n
	}
	return MaxRealtimeTokens
}

// orderColumns are the tag keys an order licenses: fixed in its terms, or,
// for an order made before they were, the listing's if it has not changed
// since.
func orderColumns(ctx context.Context, tx *store.Tx, o *market.Order) ([]string, error) {
	if len(o.Terms.Columns) > 0 {
		return o.Terms.Columns, nil
	}
	l, err := tx.Listing(auth.WithActor(ctx, auth.System), o.Terms.ListingID, false)
	if err != nil {
		return nil, err
	}
	if l.Version != o.Terms.ListingVersion {
		return nil, errs.New(errs.FailedPrecondition, "listing", "订单所依据的挂牌版本已变更，无法确定授权的标签", "the listing version the order was made on has changed: the licensed tag keys are unknown")
	}
	return l.TagKeys(), nil
}

// GetOrderPeer gives a party's node the other party's X25519 key and the
// order's delivery parameters.
func (r *Relay) GetOrderPeer(ctx context.Context, orderID string) (*OrderPeer, error) {
	a, err := platform.RequireNode(ctx)
	if err != nil {
		return nil, err
	}
	_, vkey, err := r.signer(ctx)
	if err != nil {
		return nil, err
	}
	var out *OrderPeer
	err = r.P.DB.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.Order(ctx, orderID, false)
		if err != nil {
			return err
		}
		side := o.SideOf(a.MemberID)
		peer := o.Terms.Supplier
		if side == market.SupplySide {
			peer = o.Terms.Demander
		}
		pm, err := tx.MemberKeys(ctx, peer)
		if err != nil {
			return err
		}
		if len(pm.Keys.X25519) == 0 {
			return errs.New(errs.FailedPrecondition, "peer", "对方成员 "+peer+" 尚未登记节点密钥", "the other party "+peer+" has not registered its node keys")
		}
		cols, err := orderColumns(ctx, tx, o)
		if err != nil {
			return err
		}
		out = &OrderPeer{OrderID: o.ID, Side: side, PeerMember: peer, PeerX25519: pm.Keys.X25519, ListingID: o.Terms.ListingID,
			Method: o.Terms.Method, RetentionDays: o.Terms.RetentionDays, Columns: cols, MaxTokens: MaxTokens(o), VerifierKey: vkey, Verification: o.Terms.Verification}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out.PeerKeyReceipt, err = r.keyReceipt(ctx, out.PeerMember, out.PeerX25519); err != nil {
		return nil, err
	}
	return out, nil
}

// CheckRequestID validates a delivery's request ID: 1 to 128 characters of
// [A-Za-z0-9._:/-]. It is the idempotency key the demander's node chooses
// and appears in receipts and the log, so it must stay a plain label.
func CheckRequestID(field, id string) error {
	if len(id) == 0 || len(id) > seal.MaxRequestIDLen {
		return errs.Invalidf(field, "请求编号须为 1 至 128 个字符", "a request ID is 1 to 128 characters long")
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:/-", c) >= 0) {
			return errs.Invalidf(field, "请求编号只能含字母、数字和 . _ : / -", "a request ID may hold only letters, digits and . _ : / -")
		}
	}
	return nil
}

// Authorisations are a request's commitments to its subjects' query
// authorisations (X-E10): one authz.CommitmentSize commitment per token,
// every record at Level or above.
type Authorisations struct {
	Commitments []byte
	Level       authz.Level
}

// DeliveryResult is the outcome of Deliver.
type DeliveryResult struct {
	// Delivery is the delivery as recorded; for a redelivery, a copy with
	// the redelivery's commitment, zero charge, entry and receipt.
	Delivery *store.Delivery
	Sealed   []byte // the supplier's sealed answer, passed on unread
	// Replayed is set when the request ID had been delivered before:
	// nothing was charged again. FirstChargeFen is then what the first
	// delivery charged.
	Replayed       bool
	FirstChargeFen int64
}

// deliveryPlan is what the checks before forwarding found.
type deliveryPlan struct {
	order       *market.Order
	columns     []string
	endpoint    string
	supplierKey []byte
	demanderX   []byte
	prev        *store.Delivery // the request ID's earlier delivery, if any
}

// debitID is the quota movement's idempotency key of a delivery: unique
// per (order, request) and within the movement key's length.
func debitID(orderID, requestID string) string {
	h := sha256.Sum256([]byte(orderID + "\x00" + requestID))
	return "dlv:" + hex.EncodeToString(h[:16])
}

func monthOf(d calendar.Date) string { return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month)) }

// Deliver relays one real-time request or one batch chunk of tokens from
// the demander's node to the supplier's node and returns the sealed answer
// with the platform's signed receipt (DESIGN.md step 5). Node-signed, the
// order's demander only. See docs/delivery.md for the checks in order.
//
// az carries the commitments to the subjects' query authorisations (X-E10,
// package authz): required, one per token at the order's level, when the
// order's listing names a verification method. Their SHA-256 and level
// are logged with the delivery; a repeated request ID keeps the first's.
func (r *Relay) Deliver(ctx context.Context, orderID, requestID string, tokens, authenticator []byte, az Authorisations) (*DeliveryResult, error) {
	a, err := platform.RequireNode(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckRequestID("request_id", requestID); err != nil {
		return nil, err
	}
	if len(tokens) == 0 || len(tokens)%TokenSize != 0 {
		return nil, errs.Invalidf("tokens", "令牌须为 16 字节的整数倍且至少一个", "tokens must be a non-empty multiple of 16 bytes")
	}
	n := len(tokens) / TokenSize
	// The authenticator is the two nodes' business (the platform cannot
	// compute it: it has no order key); its length is checked here so that
	// a malformed one is refused before the supplier is asked.
	if len(authenticator) != 0 && len(authenticator) != AuthenticatorSize {
		return nil, errs.Invalidf("authenticator", fmt.Sprintf("请求认证码须为 %d 字节", AuthenticatorSize), fmt.Sprintf("the request authenticator must be %d bytes", AuthenticatorSize))
	}
	if n > MaxChunkTokens {
		return nil, errs.Invalidf("tokens", fmt.Sprintf("一次最多 %d 个令牌", MaxChunkTokens), fmt.Sprintf("at most %d tokens per call", MaxChunkTokens))
	}
	if r.Answerer == nil {
		return nil, errs.New(errs.Unavailable, "", "平台未配置配送转发", "the platform's delivery relay is not configured")
	}
	signer, _, err := r.signer(ctx)
	if err != nil {
		return nil, err
	}
	// One pass of SHA-256 over the tokens serves the request's record
	// and the check of the supplier's statement: a batch chunk is tens of
	// megabytes.
	// The exchange's hash: SHA-256, or SM3 under the 国密 profile, as its
	// nodes hash what they sign.
	alg := r.P.Digest()
	tokensSum := evidence.HashWith(alg, tokens)
	th := tokensSum.String()
	var plan deliveryPlan
	if err := r.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		plan, err = r.planDelivery(ctx, tx, a.MemberID, orderID, requestID, th, n)
		return err
	}); err != nil {
		return nil, err
	}
	o := plan.order
	required, err := authz.Required(o.Terms.Verification)
	if err != nil {
		return nil, err
	}
	if err := authz.Check(required, az.Level, n, az.Commitments); err != nil {
		return nil, err
	}
	keyReceipt, err := r.keyReceipt(ctx, o.Terms.Demander, plan.demanderX)
	if err != nil {
		return nil, err
	}
	ans, err := r.forward(ctx, signer, plan, &AnswerRequest{OrderID: o.ID, RequestID: requestID, ListingID: o.Terms.ListingID,
		Supplier: o.Terms.Supplier, Demander: o.Terms.Demander, DemanderX25519: plan.demanderX, Columns: plan.columns, Tokens: tokens, Authenticator: authenticator,
		DemanderKeyReceipt: keyReceipt})
	if err != nil {
		return nil, err
	}
	if ans.Queried != uint64(n) {
		return nil, supplierFault(o.Terms.Supplier, fmt.Sprintf("应答的查询数 %d 与令牌数 %d 不符", ans.Queried, n), fmt.Sprintf("it answered %d queried for %d tokens", ans.Queried, n))
	}
	commitment := evidence.Hash(seal.CommitmentWith(alg, ans.Sealed))
	st := evidence.Answer{OrderID: o.ID, RequestID: requestID, Queried: uint64(n), Matched: ans.Matched, Tokens: tokensSum, Commitment: commitment}
	if err := st.Verify(plan.supplierKey, ans.Signature); err != nil {
		return nil, supplierFault(o.Terms.Supplier, errs.ReasonOf(err).ZH, errs.ReasonOf(err).EN)
	}
	if plan.prev != nil && plan.prev.Commitment == commitment.String() {
		return &DeliveryResult{Delivery: plan.prev, Sealed: ans.Sealed, Replayed: true, FirstChargeFen: plan.prev.ChargeFen}, nil
	}
	rec := &store.Delivery{OrderID: o.ID, RequestID: requestID, Demander: o.Terms.Demander, Supplier: o.Terms.Supplier,
		Queried: int64(n), Matched: int64(ans.Matched), Commitment: commitment.String(), TokensDigest: th, SupplierSig: ans.Signature}
	if len(az.Commitments) > 0 {
		rec.AuthzDigest, rec.AuthzLevel = evidence.HashWith(alg, az.Commitments).String(), int(az.Level)
	}
	var out *DeliveryResult
	var refused error
	err = r.P.DB.Transact(ctx, func(tx *store.Tx) error {
		out, refused = nil, nil
		d := *rec
		res, err := r.recordDelivery(ctx, tx, signer, &d)
		if errs.Is(err, errs.ResourceExhausted) && res == nil {
			// The quota could not cover the charge: its suspension is
			// recorded in tx and commits; the delivery does not, and the
			// sealed answer is dropped.
			refused = err
			return nil
		}
		out = res
		return err
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return nil, err
	}
	out.Sealed = ans.Sealed
	return out, nil
}

// planDelivery makes every check that can refuse a delivery before the
// supplier is asked, so that a refused request costs it nothing.
func (r *Relay) planDelivery(ctx context.Context, tx *store.Tx, caller, orderID, requestID, th string, n int) (deliveryPlan, error) {
	var plan deliveryPlan
	o, err := r.Market.CheckOrderForDelivery(ctx, tx, orderID, n)
	if err != nil {
		return plan, err
	}
	if o.Terms.Demander != caller {
		return plan, errs.New(errs.PermissionDenied, "order_id", "只有订单的需求方节点可以请求配送", "only the order's demander node may request deliveries")
	}
	if max := MaxTokens(o); n > max {
		return plan, errs.Invalidf("tokens", fmt.Sprintf("该订单每次最多 %d 个令牌，本次 %d 个", max, n), fmt.Sprintf("this order takes at most %d tokens per call; this one has %d", max, n))
	}
	plan.order = o
	prev, err := tx.Delivery(ctx, o.ID, requestID)
	switch {
	case err == nil:
		if prev.TokensDigest != th {
			return plan, conflictingRequest(requestID)
		}
		plan.prev = prev
	case errs.Is(err, errs.NotFound):
		if err := checkTraversal(ctx, tx, o, n); err != nil {
			return plan, err
		}
		q, err := tx.QuotaAccount(ctx, o.Terms.Demander, false)
		if err != nil {
			return plan, err
		}
		if avail := q.Available(tx.Now()); q.IsSuspended() || avail <= 0 {
			return plan, errs.New(errs.ResourceExhausted, "quota",
				fmt.Sprintf("可用额度不足（可用 ¥%s），数据互联已暂停或无法扣费：请充值后再请求配送", pricing.FormatYuan(avail)),
				fmt.Sprintf("the quota is insufficient (available ¥%s): exchange is suspended or cannot be charged; top up before requesting deliveries", pricing.FormatYuan(avail)))
		}
	default:
		return plan, err
	}
	sup := o.Terms.Supplier
	ep, err := tx.NodeEndpoint(ctx, sup)
	if errs.Is(err, errs.NotFound) {
		return plan, errs.New(errs.FailedPrecondition, "supplier", "供应方 "+sup+" 的节点尚未登记接入地址，暂不能配送", "the node of supplier "+sup+" has not registered its endpoint; it cannot deliver yet")
	}
	if err != nil {
		return plan, err
	}
	sk, err := tx.MemberKeys(ctx, sup)
	if err != nil {
		return plan, err
	}
	dk, err := tx.MemberKeys(ctx, o.Terms.Demander)
	if err != nil {
		return plan, err
	}
	if len(sk.Keys.Signing) == 0 || len(dk.Keys.X25519) == 0 {
		return plan, errs.New(errs.FailedPrecondition, "keys", "订单双方须已登记节点密钥", "both parties must have registered their node keys")
	}
	if plan.columns, err = orderColumns(ctx, tx, o); err != nil {
		return plan, err
	}
	plan.endpoint, plan.supplierKey, plan.demanderX = ep.URL, sk.Keys.Signing, dk.Keys.X25519
	return plan, nil
}

func conflictingRequest(requestID string) error {
	return errs.New(errs.Conflict, "request_id", "请求编号 "+requestID+" 已用于另一批令牌：每个请求编号只能对应一批令牌", "request ID "+requestID+" was used for other tokens: a request ID stands for one set of tokens")
}

// checkTraversal enforces the order's per-day IDs (business day,
// Asia/Shanghai) and per-minute requests (遍历方式约束).
func checkTraversal(ctx context.Context, tx *store.Tx, o *market.Order, n int) error {
	tr := o.Terms.Traversal
	if tr.IDsPerDay > 0 {
		u, err := tx.DeliveryUsage(ctx, o.ID, store.DayPeriod(calendar.DateOf(tx.Now()).String()))
		if err != nil {
			return err
		}
		if u.Queried+int64(n) > tr.IDsPerDay {
			return errs.New(errs.ResourceExhausted, "tokens", fmt.Sprintf("超出每日 %d 个标识的遍历限制（今日已查询 %d 个，本次 %d 个）", tr.IDsPerDay, u.Queried, n),
				fmt.Sprintf("over the traversal limit of %d IDs a day (%d queried today, %d in this request)", tr.IDsPerDay, u.Queried, n))
		}
	}
	if tr.RequestsPerMinute > 0 {
		c, err := tx.RecentDeliveries(ctx, o.ID, tx.Now().Add(-time.Minute))
		if err != nil {
			return err
		}
		if c >= int64(tr.RequestsPerMinute) {
			return errs.New(errs.ResourceExhausted, "order_id", fmt.Sprintf("超出每分钟 %d 次请求的遍历限制，请稍后重试", tr.RequestsPerMinute),
				fmt.Sprintf("over the traversal limit of %d requests a minute; retry shortly", tr.RequestsPerMinute))
		}
	}
	return nil
}

func supplierFault(supplier, zh, en string) error {
	return errs.New(errs.FailedPrecondition, "supplier", "供应方 "+supplier+" 节点的应答无效，未计费："+zh, "the answer of supplier "+supplier+"'s node is invalid; nothing was charged: "+en)
}

// forward asks the supplier's node, with the relay's signature on the
// request and a timeout.
func (r *Relay) forward(ctx context.Context, signer note.Signer, plan deliveryPlan, req *AnswerRequest) (*Answer, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultRelayTimeout
	}
	fctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	sign := func(body []byte) (string, error) {
		nonce := make([]byte, 16)
		rand.Read(nonce)
		return evidence.Relay{OrderID: req.OrderID, RequestID: req.RequestID, Supplier: req.Supplier,
			Nonce: base64.RawURLEncoding.EncodeToString(nonce), At: r.P.DB.Now(), Body: evidence.HashWith(r.P.Digest(), body)}.Header(signer)
	}
	ans, err := r.Answerer.Answer(fctx, plan.endpoint, req, sign)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		kind := errs.KindOf(err)
		if kind == errs.Internal {
			kind = errs.Unavailable
		}
		return nil, &errs.Error{Kind: kind, Field: "supplier", Err: err, Reason: i18n.T(
			"供应方 "+req.Supplier+" 的节点未能应答，未计费："+errs.ReasonOf(err).ZH,
			"the node of supplier "+req.Supplier+" did not answer; nothing was charged: "+errs.ReasonOf(err).EN)}
	}
	return ans, nil
}

// recordDelivery meters, charges, logs and signs one verified answer in
// tx. It returns (nil, ResourceExhausted) when the quota cannot cover the
// charge, the suspension recorded in tx.
func (r *Relay) recordDelivery(ctx context.Context, tx *store.Tx, signer note.Signer, d *store.Delivery) (*DeliveryResult, error) {
	// The order row is locked: one delivery of an order at a time, so its
	// counters, limits and charges are exact under concurrency.
	if _, err := tx.Order(ctx, d.OrderID, true); err != nil {
		return nil, err
	}
	o, err := r.Market.CheckOrderForDelivery(ctx, tx, d.OrderID, int(d.Queried))
	if err != nil {
		return nil, err
	}
	if prev, err := tx.Delivery(ctx, d.OrderID, d.RequestID); err == nil {
		// Delivered by a concurrent call with the same request ID.
		if prev.TokensDigest != d.TokensDigest {
			return nil, conflictingRequest(d.RequestID)
		}
		if prev.Commitment == d.Commitment {
			return &DeliveryResult{Delivery: prev, Replayed: true, FirstChargeFen: prev.ChargeFen}, nil
		}
		return r.redeliver(ctx, tx, signer, prev, d)
	} else if !errs.Is(err, errs.NotFound) {
		return nil, err
	}
	if err := checkTraversal(ctx, tx, o, int(d.Queried)); err != nil {
		return nil, err
	}
	day := calendar.DateOf(tx.Now())
	month := store.MonthPeriod(monthOf(day))
	before, err := tx.DeliveryUsage(ctx, o.ID, month)
	if err != nil {
		return nil, err
	}
	charge, err := o.Terms.Price.Charge(pricing.Usage{Queried: before.Queried, Matched: before.Matched}, pricing.Usage{Queried: d.Queried, Matched: d.Matched})
	if err != nil {
		return nil, err
	}
	if charge > 0 {
		if _, _, err := tx.Deduct(ctx, store.Debit{Member: o.Terms.Demander, RequestID: debitID(o.ID, d.RequestID), AmountFen: charge,
			Reason: "delivery " + d.RequestID, Object: o.ID}); err != nil {
			return nil, err
		}
	}
	d.ChargeFen, d.DeliveredAt, d.RetainUntil = charge, tx.Now(), day.AddDays(o.Terms.RetentionDays).String()
	payload := bizlog.P{
		"request_id": d.RequestID, "demander": d.Demander, "supplier": d.Supplier, "listing": o.Terms.ListingID,
		"queried": d.Queried, "matched": d.Matched, "charge_fen": charge, "commitment": d.Commitment, r.hashKey("tokens"): d.TokensDigest,
		"supplier_signature": base64.StdEncoding.EncodeToString(d.SupplierSig), "retain_until": d.RetainUntil, "method": string(o.Terms.Method),
	}
	if d.AuthzDigest != "" {
		payload[r.hashKey("authorisations")], payload["authorisation_level"] = d.AuthzDigest, d.AuthzLevel
	}
	e, err := tx.Append(ctx, o.Terms.Demander, KindDeliveryCompleted, o.ID, payload)
	if err != nil {
		return nil, err
	}
	d.Seq = e.Seq
	if d.Receipt, err = receipt(signer, d, d.ChargeFen, d.Seq, d.DeliveredAt); err != nil {
		return nil, err
	}
	if err := tx.InsertDelivery(ctx, d); err != nil {
		return nil, err
	}
	u := store.DeliveryUsage{Queried: d.Queried, Matched: d.Matched, Requests: 1, ChargeFen: charge}
	if err := tx.AddDeliveryUsage(ctx, o.ID, u, month, store.DayPeriod(day.String())); err != nil {
		return nil, err
	}
	return &DeliveryResult{Delivery: d}, nil
}

// hashKey names a payload field holding a hash of what, after the
// exchange's hash: "tokens_sha256", or "tokens_sm3" under the 国密 profile.
func (r *Relay) hashKey(what string) string {
	return bizlog.CommitField(what, r.P.Digest())
}

// redeliver records a repeated request whose supplier answered with other
// sealed bytes than the first time (a new HPKE encapsulation): nothing is
// charged again; the entry and the receipt name the new commitment.
func (r *Relay) redeliver(ctx context.Context, tx *store.Tx, signer note.Signer, prev, d *store.Delivery) (*DeliveryResult, error) {
	e, err := tx.Append(ctx, prev.Demander, KindDeliveryRedelivered, prev.OrderID, bizlog.P{
		"request_id": prev.RequestID, "demander": prev.Demander, "supplier": prev.Supplier, "queried": d.Queried, "matched": d.Matched,
		"charge_fen": 0, "commitment": d.Commitment, r.hashKey("tokens"): d.TokensDigest, "first_seq": prev.Seq,
		"supplier_signature": base64.StdEncoding.EncodeToString(d.SupplierSig), "retain_until": prev.RetainUntil,
	})
	if err != nil {
		return nil, err
	}
	again := *prev
	again.Matched, again.Commitment, again.SupplierSig, again.ChargeFen, again.Seq, again.DeliveredAt = d.Matched, d.Commitment, d.SupplierSig, 0, e.Seq, tx.Now()
	if again.Receipt, err = receipt(signer, &again, 0, e.Seq, tx.Now()); err != nil {
		return nil, err
	}
	return &DeliveryResult{Delivery: &again, Replayed: true, FirstChargeFen: prev.ChargeFen}, nil
}

func receipt(signer note.Signer, d *store.Delivery, charge, seq int64, at time.Time) (string, error) {
	c, err := hex.DecodeString(d.Commitment)
	if err != nil || len(c) != sha256.Size {
		return "", fmt.Errorf("delivery commitment %q is not a SHA-256", d.Commitment)
	}
	return evidence.Receipt{OrderID: d.OrderID, RequestID: d.RequestID, Demander: d.Demander, Supplier: d.Supplier,
		Queried: uint64(d.Queried), Matched: uint64(d.Matched), ChargeFen: charge, Commitment: evidence.Hash(c), Seq: seq,
		At: at, RetainUntil: d.RetainUntil}.Sign(signer)
}

// Destruction reasons of AttestDestruction.
const (
	DestroyedDeadline = "deadline" // the retention period ended
	DestroyedRequest  = "request"  // destroyed early
)

// Attestation is the outcome of AttestDestruction.
type Attestation struct {
	Seq      int64 // the delivery.destroyed entry
	Recorded int   // deliveries newly marked destroyed
}

// AttestDestruction records that the demander's node destroyed the data of
// deliveries of an order (X-P12): one log entry for the lot. Deliveries
// already attested are skipped; if all were, nothing new is logged and the
// earlier entry's number is returned. Node-signed, the demander only.
func (r *Relay) AttestDestruction(ctx context.Context, orderID string, requestIDs []string, reason string, destroyedAt time.Time) (*Attestation, error) {
	a, err := platform.RequireNode(ctx)
	if err != nil {
		return nil, err
	}
	if reason != DestroyedDeadline && reason != DestroyedRequest {
		return nil, errs.Invalidf("reason", "原因须为 deadline（留存期届满）或 request（提前销毁）", "reason must be deadline or request")
	}
	if len(requestIDs) == 0 || len(requestIDs) > MaxAttested {
		return nil, errs.Invalidf("request_ids", fmt.Sprintf("须列出 1 至 %d 个请求编号", MaxAttested), fmt.Sprintf("list 1 to %d request IDs", MaxAttested))
	}
	for i, id := range requestIDs {
		if err := CheckRequestID(fmt.Sprintf("request_ids[%d]", i), id); err != nil {
			return nil, err
		}
	}
	ids := slices.Clone(requestIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	now := r.P.DB.Now()
	if destroyedAt.IsZero() {
		destroyedAt = now
	}
	if destroyedAt.After(now.Add(evidence.MaxRelaySkew)) {
		return nil, errs.Invalidf("destroyed_at", "销毁时间不能晚于现在", "the destruction time cannot be in the future")
	}
	out := &Attestation{}
	err = r.P.DB.Transact(ctx, func(tx *store.Tx) error {
		*out = Attestation{}
		o, err := tx.Order(ctx, orderID, true)
		if err != nil {
			return err
		}
		if o.Terms.Demander != a.MemberID {
			return errs.New(errs.PermissionDenied, "order_id", "只有订单的需求方节点可以登记销毁", "only the order's demander node attests destruction")
		}
		var fresh []string
		for _, id := range ids {
			d, err := tx.Delivery(ctx, o.ID, id)
			if err != nil {
				return err
			}
			if d.DestroyedAt.IsZero() {
				fresh = append(fresh, id)
			} else if out.Seq == 0 {
				out.Seq = d.DestroySeq
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		list := sha256.Sum256([]byte(strings.Join(fresh, "\n")))
		e, err := tx.Append(ctx, o.Terms.Demander, KindDeliveryDestroyed, o.ID, bizlog.P{"count": len(fresh), "reason": reason,
			"requests_sha256": hex.EncodeToString(list[:]), "destroyed_at": destroyedAt.UTC().Format(time.RFC3339), "supplier": o.Terms.Supplier})
		if err != nil {
			return err
		}
		out.Seq, out.Recorded = e.Seq, len(fresh)
		for _, id := range fresh {
			if _, err := tx.MarkDestroyed(ctx, o.ID, id, destroyedAt, reason, e.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeliveryQuery narrows Deliveries.
type DeliveryQuery struct {
	OrderID     string
	OverdueOnly bool // retention ended before today (Asia/Shanghai), not destroyed
	Limit       int
}

// Deliveries lists deliveries, newest first: a member those it is party
// to, the operator and the regulator all (X-P12: the regulator lists the
// overdue ones).
func (r *Relay) Deliveries(ctx context.Context, q DeliveryQuery) ([]*store.Delivery, error) {
	var out []*store.Delivery
	err := r.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.Deliveries(ctx, store.DeliveryQuery{OrderID: q.OrderID, Overdue: q.OverdueOnly, Today: calendar.DateOf(tx.Now()).String(), Limit: q.Limit})
		return err
	})
	return out, err
}
