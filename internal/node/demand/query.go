package demand

import (
	"context"
	"crypto/ecdh"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/tokenindex"
	"hulian/internal/protocol/authz"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/seal"
)

// The demander's half of delivery (DESIGN.md protocol steps 4–6): tokens
// instead of exIDs, sent through the platform; the sealed answer opened
// with the node's key and checked against the platform's signed receipt;
// every delivery recorded with its retention deadline.

// QueryResult is the outcome of one real-time request.
type QueryResult struct {
	OrderID   string
	RequestID string
	Columns   []string // the order's tag keys, the order of each Values entry
	// Values holds, for each exID asked in the order asked, its values,
	// or nil if the supplier holds none for it.
	Values    [][]string
	Matched   int // distinct exIDs answered
	ChargeFen int64
	Receipt   *evidence.Receipt
	Replayed  bool // the platform had delivered this request ID before
	// Unauthorised are the positions of exIDs not asked: the order needs
	// a query authorisation (X-E10) the node holds none of for them.
	Unauthorised []int
}

// peerTTL is how long the node reuses what the platform said of an order:
// an order suspended meanwhile is still refused by the platform.
const peerTTL = time.Minute

type cachedPeer struct {
	peer *node.OrderPeer
	at   time.Time
}

// peers caches node.OrderPeer answers per order.
type peers struct {
	mu sync.Mutex
	m  map[string]cachedPeer
}

// node.OrderPeer asks the platform about an order this member is party to,
// checks the platform's verifier key against the pinned one (pinning it
// if none is), and caches the answer for a minute.
func (n *Side) OrderPeer(ctx context.Context, orderID string) (*node.OrderPeer, error) {
	if err := ordertoken.CheckOrderID(orderID); err != nil {
		return nil, err
	}
	n.peers.mu.Lock()
	c, ok := n.peers.m[orderID]
	n.peers.mu.Unlock()
	if ok && n.Now().Sub(c.at) < peerTTL {
		return c.peer, nil
	}
	dp, err := n.Delivery()
	if err != nil {
		return nil, err
	}
	p, err := dp.OrderPeer(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if err := n.PinVerifierKey(ctx, p.VerifierKey); err != nil {
		return nil, err
	}
	if err := n.CheckPeerKey(ctx, p.PeerKeyReceipt, p.PeerMember, p.PeerX25519); err != nil {
		return nil, err
	}
	n.peers.mu.Lock()
	if n.peers.m == nil {
		n.peers.m = map[string]cachedPeer{}
	}
	n.peers.m[orderID] = cachedPeer{peer: p, at: n.Now()}
	n.peers.mu.Unlock()
	return p, nil
}

// demandPeer returns the order's peer for delivering as its demander.
func (n *Side) demandPeer(ctx context.Context, orderID string) (*node.OrderPeer, *ecdh.PublicKey, error) {
	p, err := n.OrderPeer(ctx, orderID)
	if err != nil {
		return nil, nil, err
	}
	if p.Side != "demand" {
		return nil, nil, errs.New(errs.PermissionDenied, "--order", "本成员不是该订单的需求方，不能查询", "this member is not the order's demander and cannot query under it")
	}
	peer, err := ecdh.X25519().NewPublicKey(p.PeerX25519)
	if err != nil {
		return nil, nil, errs.New(errs.Unavailable, "peer_x25519_public_key", "平台给出的供应方节点公钥无效", "the platform gave an invalid supplier node key")
	}
	return p, peer, nil
}

// Query sends one real-time request for ids under order orderID and
// returns the values the supplier holds, checked against the platform's
// receipt. The delivery is recorded with its retention deadline; the
// caller must drop the values by then (the node holds no copy).
func (n *Side) Query(ctx context.Context, orderID string, ids []exid.ExID) (*QueryResult, error) {
	if len(ids) == 0 {
		return nil, errs.Invalidf("ids", "请给出要查询的 exID", "give the exIDs to query")
	}
	p, peer, err := n.demandPeer(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if p.MaxTokens > 0 && len(ids) > p.MaxTokens {
		return nil, errs.Invalidf("ids", "单次实时查询最多 "+strconv.Itoa(p.MaxTokens)+" 个 exID，请分批或用批量查询", "one real-time query carries at most "+strconv.Itoa(p.MaxTokens)+" exIDs; split it or use a batch query")
	}
	c, err := n.deliverChunk(ctx, p, peer, auth.NewID("rq_"), ids, nil, "")
	if err != nil {
		return nil, err
	}
	res := &QueryResult{OrderID: orderID, RequestID: c.requestID, Columns: p.Columns, Values: c.values, Matched: c.matched,
		Receipt: c.receipt, Replayed: c.replayed}
	if c.receipt != nil {
		res.ChargeFen = c.receipt.ChargeFen
	}
	for i := range ids {
		if !c.asked(i) {
			res.Unauthorised = append(res.Unauthorised, i)
		}
	}
	return res, nil
}

// chunkResult is one delivered request, opened and checked.
type chunkResult struct {
	requestID string
	values    [][]string // per exID of the chunk
	matched   int
	receipt   *evidence.Receipt // nil when no subject of the chunk could be asked
	replayed  bool
	// firstCharge is, for a replay, what the first delivery charged.
	firstCharge int64
	// Under an order that needs query authorisations, sent holds the
	// positions of the exIDs asked, in order; the rest were not
	// authorised. nil when every exID was asked.
	sent         []int
	unauthorised int
}

// asked reports whether the exID at position i was sent.
func (c *chunkResult) asked(i int) bool {
	if c.sent == nil {
		return true
	}
	_, ok := slices.BinarySearch(c.sent, i)
	return ok
}

// charge is what the chunk cost: nothing when no request was sent; for a
// replay, what its first delivery charged (in an earlier run).
func (c *chunkResult) charge() int64 {
	switch {
	case c.receipt == nil:
		return 0
	case c.replayed:
		return c.firstCharge
	}
	return c.receipt.ChargeFen
}

// deliverChunk sends the tokens of ids as request requestID, checks the
// receipt, records the delivery (with the files its data goes to) and
// opens the answer.
func (n *Side) deliverChunk(ctx context.Context, p *node.OrderPeer, peer *ecdh.PublicKey, requestID string, ids []exid.ExID, files []string, keyType ident.Type) (*chunkResult, error) {
	if _, err := seal.InfoFor(p.OrderID, requestID); err != nil {
		return nil, err
	}
	dp, err := n.Delivery()
	if err != nil {
		return nil, err
	}
	vkey, err := n.VerifierKey(ctx)
	if err != nil {
		return nil, err
	}
	level, err := authz.Required(p.Verification)
	if err != nil {
		return nil, err
	}
	// Under a listing associated with individuals (X-E10), only subjects
	// whose query authorisation reaches the order's level are asked; the
	// others are answered "not authorised" without a request.
	all := ids
	var send []int
	var recs []*authz.Record
	if level > authz.None {
		if send, recs, err = n.authorised(ctx, ids, level); err != nil {
			return nil, err
		}
	}
	// And, on a node that runs its consent ledger, only customers whose
	// consent covers the order's purpose (consent.go).
	keep, err := n.consented(ctx, p.OrderID, all)
	if err != nil {
		return nil, err
	}
	filtered := level > authz.None || keep != nil
	if keep != nil {
		if level == authz.None {
			send = make([]int, len(all))
			for i := range send {
				send[i] = i
			}
		}
		k := 0
		for j, at := range send {
			if keep[at] {
				send[k] = at
				if recs != nil {
					recs[k] = recs[j]
				}
				k++
			}
		}
		send = send[:k]
		if recs != nil {
			recs = recs[:k]
		}
	}
	if filtered {
		ids = make([]exid.ExID, len(send))
		for i, at := range send {
			ids[i] = all[at]
		}
	}
	out := &chunkResult{requestID: requestID, values: make([][]string, len(all))}
	if filtered {
		out.unauthorised, out.sent = len(all)-len(send), append(make([]int, 0, len(send)), send...)
	}
	if len(ids) == 0 {
		return out, nil
	}
	k, err := ordertoken.DeriveFor(n.Digest(), n.Keys.X25519, peer, p.OrderID)
	if err != nil {
		return nil, err
	}
	tokens := make([]ordertoken.Token, len(ids))
	k.Tokens(ids, tokens)
	wire := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(tokens))), len(tokens)*ordertoken.TokenSize)
	mac := k.Authenticator(requestID, evidence.HashWith(k.Alg(), wire))
	k.Zero()
	az := node.Authorisations{Level: level}
	if level > authz.None {
		az.Commitments = make([]byte, 0, len(tokens)*authz.CommitmentSize)
		for i := range tokens {
			c := authz.CommitWith(n.Digest(), p.OrderID, tokens[i][:], level, recs[i])
			az.Commitments = append(az.Commitments, c[:]...)
		}
	}
	d, err := dp.Deliver(ctx, p.OrderID, requestID, wire, mac[:], az)
	if err != nil {
		return nil, err
	}
	r, err := evidence.OpenReceipt(d.Receipt, vkey)
	if err != nil {
		return nil, err
	}
	bad := func(zh, en string) error {
		return errs.New(errs.Unavailable, "receipt", "平台的配送回执与应答不符："+zh, "the platform's delivery receipt does not match the answer: "+en)
	}
	switch {
	case r.OrderID != p.OrderID || r.RequestID != requestID:
		return nil, bad("订单或请求编号不同", "another order or request")
	case r.Demander != n.MemberID():
		return nil, bad("需求方不是本成员", "the demander is not this member")
	case r.Commitment != evidence.Hash(seal.CommitmentWith(n.Digest(), d.Sealed)):
		return nil, bad("密文的承诺值不同", "the sealed answer's commitment differs")
	case r.Queried != uint64(len(ids)):
		return nil, bad("查询数不同", "the count queried differs")
	case d.RetainUntil != "" && d.RetainUntil != r.RetainUntil:
		return nil, bad("留存期限不同", "the retention deadline differs")
	}
	// The delivery is on record before its data is used: whatever happens
	// next, the retention sweep knows of it.
	abs := make([]string, 0, len(files))
	for _, f := range files {
		if a, err := filepath.Abs(f); err == nil {
			f = a
		}
		abs = append(abs, f)
	}
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		return tx.RecordDelivery(ctx, &nodestore.Delivery{OrderID: r.OrderID, RequestID: r.RequestID, Supplier: r.Supplier,
			Queried: r.Queried, Matched: r.Matched, ChargeFen: r.ChargeFen, Commitment: r.Commitment.String(), Seq: r.Seq,
			Receipt: d.Receipt, RetainUntil: r.RetainUntil, Files: abs, KeyType: string(keyType)})
	})
	if err != nil {
		return nil, err
	}
	plain, err := seal.Open(n.Keys.X25519, p.OrderID, requestID, d.Sealed)
	if err != nil {
		return nil, err
	}
	ans, err := seal.ParseAnswer(plain)
	if err != nil {
		return nil, err
	}
	if uint64(len(ans.Matches)) != r.Matched {
		return nil, bad("应答条数与回执的查得数不同", "the answer's matches differ from the receipt's count")
	}
	out.matched, out.receipt, out.replayed, out.firstCharge = len(ans.Matches), r, d.Replayed, d.FirstChargeFen
	// Both sides sorted by token: the asked tokens with their positions,
	// and the answer (sorted by its format), merged in one pass.
	asked := make([]tokenindex.Match, len(tokens))
	for i := range tokens {
		hi, lo := tokenindex.Halves(tokens[i][:])
		asked[i] = tokenindex.Match{Hi: hi, Lo: lo, Ref: uint32(i)}
	}
	asked = tokenindex.SortMatches(asked)
	j := 0
	for _, m := range ans.Matches {
		if len(m.Values) != len(p.Columns) {
			return nil, errs.New(errs.Unavailable, "answer", "供应方应答的取值个数与订单的标签列数不同", "the supplier's answer has another number of values than the order has columns")
		}
		hi, lo := tokenindex.Halves(m.Token[:])
		for j < len(asked) && (asked[j].Hi < hi || asked[j].Hi == hi && asked[j].Lo < lo) {
			j++
		}
		if j == len(asked) || asked[j].Hi != hi || asked[j].Lo != lo {
			return nil, errs.New(errs.Unavailable, "answer", "供应方应答了未查询的令牌", "the supplier answered a token that was not asked")
		}
		for ; j < len(asked) && asked[j].Hi == hi && asked[j].Lo == lo; j++ {
			at := int(asked[j].Ref)
			if out.sent != nil {
				at = out.sent[at]
			}
			out.values[at] = m.Values
		}
	}
	return out, nil
}
