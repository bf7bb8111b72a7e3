package supply

import (
	"container/list"
	"context"
	"crypto"
	"crypto/ecdh"
	"sync"
	"time"
	"unsafe"

	"hulian/internal/catalog"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/tokenindex"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/seal"
)

// The supplier's half of delivery (DESIGN.md protocol step 4): the
// platform relays a demander's tokens with its signature over the request
// (evidence.Relay); the node looks them up in the order's token index,
// seals the matches to the demander node's key and signs what it answered
// (evidence.Answer), which the platform verifies before it charges.

// MaxAnswerTokens is the most tokens one relayed request may carry: a
// batch chunk of 4 million tokens is 64 MiB on the wire.
const MaxAnswerTokens = 1 << 22

// AnswerRequest is a request the platform relays to this node.
type AnswerRequest struct {
	OrderID        string
	RequestID      string
	ListingID      string
	DemanderMember string
	DemanderX25519 []byte   // the demander node's registered key: order-key peer and HPKE recipient
	Columns        []string // the licensed tag keys, in answer order
	Tokens         []byte   // 16 bytes each
	Authenticator  []byte   // the demander node's MAC over the request (ordertoken.Key.Authenticator)
	// DemanderKeyReceipt proves DemanderX25519 is the demander's logged
	// registration (node.CheckPeerKey).
	DemanderKeyReceipt []byte
}

// Answer is the node's answer: the sealed matches and the node's
// signature over evidence.Answer.
type Answer struct {
	Sealed    []byte
	Queried   uint64
	Matched   uint64
	Signature []byte
}

// OpenRelay verifies the Hulian-Relay header of a request with body
// against the pinned platform key and the node's clock. The nonce is
// checked by Answer.
func (n *Side) OpenRelay(ctx context.Context, header string, body []byte) (*evidence.Relay, error) {
	vkey, err := n.VerifierKey(ctx)
	if err != nil {
		return nil, err
	}
	if vkey == "" {
		return nil, errs.New(errs.FailedPrecondition, evidence.HeaderRelay, "本节点尚未登记应答地址，也就没有平台的验证密钥，不能应答",
			"this node has not registered its answer endpoint, so it holds no platform verifier key and cannot answer")
	}
	return evidence.OpenRelay(header, body, vkey, n.Now())
}

// OpenRelayHeader verifies a relayed request's Hulian-Relay header before
// its body is read; the caller checks the body with the note's CheckBody.
func (n *Side) OpenRelayHeader(ctx context.Context, header string) (*evidence.Relay, error) {
	vkey, err := n.VerifierKey(ctx)
	if err != nil {
		return nil, err
	}
	if vkey == "" {
		return nil, errs.New(errs.FailedPrecondition, evidence.HeaderRelay, "本节点尚未登记应答地址，也就没有平台的验证密钥，不能应答",
			"this node has not registered its answer endpoint, so it holds no platform verifier key and cannot answer")
	}
	return evidence.OpenRelayHeader(header, vkey, n.Now())
}

// Answer answers a relayed request whose Hulian-Relay header OpenRelay has
// verified. A retried request (the same order and request IDs with the
// same tokens) gets the same bytes as the first time, from a cache, so
// that the platform's commitment stays the one it logged.
func (n *Side) Answer(ctx context.Context, relay *evidence.Relay, req *AnswerRequest) (*Answer, error) {
	if relay == nil {
		return nil, errs.New(errs.Unauthenticated, evidence.HeaderRelay, "请求不是平台转发的（缺少平台签名）", "the request was not relayed by the platform (no platform signature)")
	}
	if relay.Supplier != n.MemberID() || n.MemberID() == "" {
		return nil, errs.New(errs.PermissionDenied, "supplier", "平台转发的请求是给另一成员（"+relay.Supplier+"）的节点的", "the relayed request is for another member's node ("+relay.Supplier+")")
	}
	if relay.OrderID != req.OrderID || relay.RequestID != req.RequestID {
		return nil, errs.New(errs.Unauthenticated, evidence.HeaderRelay, "请求中的订单或请求编号与平台签名不符", "the order or request ID in the body differs from the platform's signature")
	}
	if _, err := seal.InfoFor(req.OrderID, req.RequestID); err != nil {
		return nil, err
	}
	if len(req.Tokens) == 0 || len(req.Tokens)%ordertoken.TokenSize != 0 {
		return nil, errs.Invalidf("tokens", "令牌须为 16 字节的整数倍且不能为空", "tokens must be a non-empty multiple of 16 bytes")
	}
	if len(req.Tokens)/ordertoken.TokenSize > MaxAnswerTokens {
		return nil, errs.Invalidf("tokens", "单次请求的令牌过多", "too many tokens in one request")
	}
	demander, err := ecdh.X25519().NewPublicKey(req.DemanderX25519)
	if err != nil {
		return nil, errs.Invalidf("demander_x25519_public_key", "需求方节点公钥须为 32 字节的 X25519 公钥", "the demander node's key must be a 32-byte X25519 public key")
	}
	if len(req.Columns) == 0 {
		return nil, errs.Invalidf("columns", "订单未列出许可的标签列", "the order lists no licensed tag")
	}
	if err := n.CheckPeerKey(ctx, req.DemanderKeyReceipt, req.DemanderMember, req.DemanderX25519); err != nil {
		return nil, err
	}

	var v *nodestore.DatasetVersion
	var gen, consentGen int64
	var managed bool
	var purpose string
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		fresh, err := tx.RememberNonce(ctx, relay.Nonce)
		if err != nil {
			return err
		}
		if !fresh {
			return errs.New(errs.Unauthenticated, evidence.HeaderRelay, "重放的转发请求（随机数已用过）", "a replayed relayed request (the nonce was used before)")
		}
		if v, err = tx.CurrentVersionForListing(ctx, req.ListingID); err != nil {
			return err
		}
		if gen, err = tx.ExclusionsGen(ctx); err != nil {
			return err
		}
		// The consent ledger's head, read in the same transaction as the
		// nonce: a withdrawal committed before this request is seen.
		if consentGen, managed, err = tx.ConsentManaged(ctx); err != nil || !managed {
			return err
		}
		purpose, err = tx.OrderPurpose(ctx, req.OrderID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if managed && purpose == "" {
		return nil, errUnbound(req.OrderID)
	}
	if err := n.CheckRegion(catalog.SubjectKind(v.Subject)); err != nil {
		return nil, err
	}
	if !v.GatePass {
		return nil, errs.New(errs.FailedPrecondition, "dataset", "数据集当前版本未通过合规检查（k 值或禁止内容），不能用于应答", "the dataset's current version failed the gate (k or prohibited content) and cannot answer")
	}
	tokensHash := evidence.HashWith(n.Digest(), req.Tokens)
	if err := checkAuthenticator(n.Digest(), n.Keys.X25519, demander, req, tokensHash); err != nil {
		return nil, err
	}
	if a, ok, err := n.cache.answers.get(req.OrderID, req.RequestID, tokensHash, n.Now()); ok || err != nil {
		return a, err
	}
	probe := datasetData{columns: v.Columns, tagKeys: v.TagKeys}
	cols := make([]int, len(req.Columns))
	for i, key := range req.Columns {
		c, ok := probe.column(key)
		if !ok {
			return nil, errNoColumn(key)
		}
		cols[i] = c
	}

	oc, err := n.acquire(ctx, req.OrderID, v, demander)
	if err != nil {
		return nil, err
	}
	defer n.cache.release(oc)
	if oc.data.exclGen.Load() < gen {
		if err := n.refreshExclusions(ctx, oc.data, gen); err != nil {
			return nil, err
		}
	}
	var allow *bitset
	var snap *consentSnap
	if managed {
		if snap, err = n.allowedSnap(ctx, oc.data, purpose, consentGen); err != nil {
			return nil, err
		}
		allow = snap.bits
	}
	if err := oc.data.exclusionGate(purpose, snap); err != nil {
		return nil, err
	}
	a, ms, err := oc.answer(n.Keys.Signer, n.Digest(), demander, req.OrderID, req.RequestID, req.Tokens, tokensHash, cols, allow)
	if err != nil {
		return nil, err
	}
	// What was supplied is recorded before the answer leaves: the privacy
	// centre shows a person where their data went, and a later correction
	// or deletion is sent to the demanders that received it (rectify.go).
	if err := n.recordSupplied(ctx, req, v.ID, purpose, ms); err != nil {
		return nil, err
	}
	return n.cache.answers.put(req.OrderID, req.RequestID, tokensHash, a, n.Now()), nil
}

// checkAuthenticator refuses tokens the demander's node did not make for
// this order and request: only the two nodes hold k_o, so neither the
// platform nor anyone replaying another order's tokens can produce it.
func checkAuthenticator(alg digest.Alg, own *ecdh.PrivateKey, demander *ecdh.PublicKey, req *AnswerRequest, tokensHash evidence.Hash) error {
	if len(req.Authenticator) == 0 {
		return errs.Invalidf("authenticator", "请求缺少需求方节点的请求认证码", "the request carries no authenticator from the demander's node")
	}
	k, err := ordertoken.DeriveFor(alg, own, demander, req.OrderID)
	if err != nil {
		return err
	}
	defer k.Zero()
	if !k.VerifyAuthenticator(req.RequestID, tokensHash, req.Authenticator) {
		return errs.Invalidf("tokens", "令牌不是为该订单生成的（请求认证码不符）：请用本订单重新生成令牌", "the tokens were not made for this order (the request authenticator does not verify): make them again for this order")
	}
	return nil
}

// answer looks tokens up, seals the matches' values of cols to the
// demander and signs the statement.
func (oc *orderContext) answer(key crypto.Signer, alg digest.Alg, demander *ecdh.PublicKey, orderID, requestID string, raw []byte, tokensHash evidence.Hash, cols []int, allow *bitset) (*Answer, []tokenindex.Match, error) {
	// The request's bytes are the tokens themselves: a view, not a copy.
	tokens := unsafe.Slice((*ordertoken.Token)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/ordertoken.TokenSize)
	ms := oc.lookup(tokens, allow)
	plain := oc.data.encodeAnswer(ms, cols)
	sealed, err := seal.Seal(demander, orderID, requestID, plain)
	clear(plain)
	if err != nil {
		return nil, nil, err
	}
	a := &Answer{Sealed: sealed, Queried: uint64(len(tokens)), Matched: uint64(len(ms))}
	a.Signature, err = evidence.Answer{OrderID: orderID, RequestID: requestID, Queried: a.Queried, Matched: a.Matched,
		Tokens: tokensHash, Commitment: seal.CommitmentWith(alg, sealed)}.Sign(key)
	if err != nil {
		return nil, nil, err
	}
	return a, ms, nil
}

// Answer cache bounds: a retry comes within seconds or minutes; an hour
// covers a platform restart, and 256 MiB holds several large chunks.
const (
	DefaultAnswerCacheBytes = 256 << 20
	DefaultAnswerCacheTTL   = time.Hour
)

// answerCache keeps recent answers by order and request, the oldest
// dropped first when it is full.
type answerCache struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	size  int
	order *list.List // of *cachedAnswer, oldest at the front
	byKey map[string]*list.Element
}

type cachedAnswer struct {
	key    string
	tokens evidence.Hash
	a      *Answer
	at     time.Time
}

func newAnswerCache(max int, ttl time.Duration) *answerCache {
	return &answerCache{max: max, ttl: ttl, order: list.New(), byKey: map[string]*list.Element{}}
}

func answerKey(orderID, requestID string) string { return orderID + "\x00" + requestID }

func (c *cachedAnswer) bytes() int { return len(c.a.Sealed) + len(c.a.Signature) + len(c.key) + 128 }

// get returns the answer given before to the same request; a request ID
// reused with other tokens is a conflict.
func (c *answerCache) get(orderID, requestID string, tokens evidence.Hash, now time.Time) (*Answer, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	e := c.byKey[answerKey(orderID, requestID)]
	if e == nil {
		return nil, false, nil
	}
	ca := e.Value.(*cachedAnswer)
	if ca.tokens != tokens {
		return nil, false, errs.New(errs.Conflict, "request_id", "同一请求编号已用于另一组令牌", "the request ID was used before with other tokens")
	}
	return ca.a, true, nil
}

// put stores a, unless an answer to the same request got there first, in
// which case that one is returned: both were computed from the same
// tokens, and only one may ever be given.
func (c *answerCache) put(orderID, requestID string, tokens evidence.Hash, a *Answer, now time.Time) *Answer {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := answerKey(orderID, requestID)
	if e := c.byKey[key]; e != nil {
		if ca := e.Value.(*cachedAnswer); ca.tokens == tokens {
			return ca.a
		}
		c.remove(e)
	}
	ca := &cachedAnswer{key: key, tokens: tokens, a: a, at: now}
	if ca.bytes() > c.max {
		return a
	}
	c.byKey[key] = c.order.PushBack(ca)
	c.size += ca.bytes()
	for c.size > c.max {
		c.remove(c.order.Front())
	}
	c.expire(now)
	return a
}

// expire drops answers older than the cache's time to live.
func (c *answerCache) expire(now time.Time) {
	for e := c.order.Front(); e != nil; e = c.order.Front() {
		if now.Sub(e.Value.(*cachedAnswer).at) < c.ttl {
			return
		}
		c.remove(e)
	}
}

func (c *answerCache) remove(e *list.Element) {
	ca := e.Value.(*cachedAnswer)
	c.order.Remove(e)
	delete(c.byKey, ca.key)
	c.size -= ca.bytes()
}

// PruneNonces forgets the nonces of relayed requests older than twice the
// allowed skew: a request that old is refused for its time anyway.
func (n *Side) PruneNonces(ctx context.Context) error {
	return n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		_, err := tx.PruneNonces(ctx, n.Now().Add(-2*evidence.MaxRelaySkew))
		return err
	})
}
