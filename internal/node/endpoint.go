package node

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/authz"
	"hulian/internal/protocol/peerkey"
)

// DeliveryPlatform is what the node asks of the platform's
// DeliveryService. Every call is signed with the node's key. The
// production client (package platformclient) implements it beside
// Platform; a platform client without it leaves the node unable to
// deliver, nothing else.
type DeliveryPlatform interface {
	// RegisterEndpoint records where this node answers AnswerService
	// requests and returns the platform's log verifier key.
	RegisterEndpoint(ctx context.Context, url string) (verifierKey string, err error)
	// OrderPeer returns what the node needs of an order to deliver under
	// it.
	OrderPeer(ctx context.Context, orderID string) (*OrderPeer, error)
	// Deliver relays one request of tokens to the supplier's node, with
	// the commitments to the subjects' query authorisations the order's
	// verification method requires (X-E10).
	Deliver(ctx context.Context, orderID, requestID string, tokens, authenticator []byte, az Authorisations) (*Delivered, error)
	// AttestDestruction records in the platform's log that deliveries'
	// data was destroyed, and returns the log entry's sequence number.
	AttestDestruction(ctx context.Context, orderID string, requestIDs []string, reason string, at time.Time) (seq int64, err error)
}

// OrderPeer is an order as one party's node needs it.
type OrderPeer struct {
	OrderID       string
	Side          string // "demand" or "supply": the caller's side
	PeerMember    string
	PeerX25519    []byte
	ListingID     string
	Method        string // "realtime" or "batch"
	RetentionDays int
	Columns       []string // licensed tag keys, in answer order
	MaxTokens     int      // the most tokens per Deliver call
	VerifierKey   string   // the platform's log verifier key
	Verification  string   // the order's verification method: one_step, two_step or "" (X-E10)
	// PeerKeyReceipt is the log receipt of the peer's key registration,
	// which CheckPeerKey verifies before the key is used.
	PeerKeyReceipt []byte
}

// Authorisations are a request's commitments to its subjects' query
// authorisations: authz.CommitmentSize bytes per token, each record at
// Level or above.
type Authorisations struct {
	Commitments []byte
	Level       authz.Level
}

// Delivered is the platform's answer to Deliver.
type Delivered struct {
	Sealed      []byte
	Queried     uint64
	Matched     uint64
	ChargeFen   int64
	Receipt     string // signed note
	RetainUntil string
	Replayed    bool
	// FirstChargeFen is, for a replay, what the first delivery charged.
	FirstChargeFen int64
}

// Delivery returns the platform's delivery client.
func (n *Node) Delivery() (DeliveryPlatform, error) {
	if n.platform == nil {
		return nil, errNotConfigured()
	}
	dp, ok := n.platform.(DeliveryPlatform)
	if !ok {
		return nil, errs.New(errs.FailedPrecondition, "--platform", "平台客户端不支持配送", "the platform client does not support delivery")
	}
	return dp, nil
}

// CheckPublicURL validates the base URL the platform reaches this node's
// AnswerService at and returns it without a trailing slash.
func CheckPublicURL(field, raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", errs.Invalidf(field, "节点对外地址须为 http(s)://主机[:端口][/路径]", "the node's public URL must be http(s)://host[:port][/path]")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ErrVerifierKeyChanged is returned when the platform presents another log
// verifier key than the one the node pinned: either the platform rotated
// its key, which an operator announces, or someone else is answering as
// the platform. The node stops rather than trust it.
func errVerifierKeyChanged(pinned, got string) error {
	return errs.New(errs.FailedPrecondition, "verifier_key",
		"平台提供的日志验证密钥与本节点固定的不一致（固定："+keyName(pinned)+"，收到："+keyName(got)+"）；若运营方确已更换密钥，请核实后清除节点设置 "+nodestore.SettingVerifierKey,
		"the platform presents another log verifier key than the one this node pinned (pinned "+keyName(pinned)+", got "+keyName(got)+"); if the operator did rotate it, verify and clear the node setting "+nodestore.SettingVerifierKey)
}

// keyName is the name part of a signed-note verifier key.
func keyName(vkey string) string {
	name, _, _ := strings.Cut(vkey, "+")
	return name
}

// PinVerifierKey pins vkey if the node has none, and refuses another.
func (n *Node) PinVerifierKey(ctx context.Context, vkey string) error {
	if vkey == "" {
		return errs.New(errs.Unavailable, "verifier_key", "平台未提供日志验证密钥", "the platform gave no log verifier key")
	}
	return n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		pinned, err := tx.Setting(ctx, nodestore.SettingVerifierKey)
		if err != nil {
			return err
		}
		switch pinned {
		case vkey:
			return nil
		case "":
			return tx.SetSetting(ctx, nodestore.SettingVerifierKey, vkey)
		}
		return errVerifierKeyChanged(pinned, vkey)
	})
}

// RegisterEndpoint registers publicURL as where the platform relays
// requests to this node, and pins the platform's verifier key.
func (n *Node) RegisterEndpoint(ctx context.Context, publicURL string) error {
	u, err := CheckPublicURL("--public-url", publicURL)
	if err != nil {
		return err
	}
	dp, err := n.Delivery()
	if err != nil {
		return err
	}
	vkey, err := dp.RegisterEndpoint(ctx, u)
	if err != nil {
		return err
	}
	if err := n.PinVerifierKey(ctx, vkey); err != nil {
		return err
	}
	return n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		old, err := tx.Setting(ctx, nodestore.SettingPublicURL)
		if err != nil || old == u {
			return err
		}
		if err := tx.SetSetting(ctx, nodestore.SettingPublicURL, u); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventEndpointRegistered, "url="+u+" verifier="+keyName(vkey))
	})
}

// RegisterEndpointIfActive registers the endpoint once the platform
// reports the member active with this node's keys: what a node does on
// start. It reports whether it registered.
func (n *Node) RegisterEndpointIfActive(ctx context.Context, publicURL string) (bool, error) {
	if n.platform == nil {
		return false, nil
	}
	st := n.Status(ctx)
	if st.Err != nil {
		return false, st.Err
	}
	if st.Stage != member.StageActive || !st.KeysMatch {
		return false, nil
	}
	return true, n.RegisterEndpoint(ctx, publicURL)
}

// PublicURL is the endpoint the node registered, "" if none.
func (n *Node) PublicURL(ctx context.Context) (string, error) {
	var u string
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		u, err = tx.Setting(ctx, nodestore.SettingPublicURL)
		return err
	})
	return u, err
}

// IsVerifierKeyChanged reports whether err is the refusal of a platform
// key other than the pinned one.
func IsVerifierKeyChanged(err error) bool {
	var e *errs.Error
	return errs.Is(err, errs.FailedPrecondition) && errors.As(err, &e) && e.Field == "verifier_key"
}

// CheckPeerKey verifies that receipt proves, under the pinned log
// verifier key, that member registered key as its node's key, and that it
// is not older than a registration of member this node has seen. A node
// uses another member's key only after this check: the platform cannot
// hand it a key of its own making without logging it under that member's
// name.
func (n *Node) CheckPeerKey(ctx context.Context, receipt []byte, member string, key []byte) error {
	// The platform sends the same receipt with every request of an order:
	// one verified before is not read and verified again, only held to
	// the newest registration seen.
	digest := receiptDigest(receipt, member, key)
	if index, ok := n.verifiedReceipts.get(digest); ok {
		return n.peerKeys.Admit(member, index)
	}
	vkey, err := n.VerifierKey(ctx)
	if err != nil {
		return err
	}
	if vkey == "" {
		return errs.New(errs.FailedPrecondition, "verifier_key", "本节点尚未固定平台的日志验证密钥，无法验证对方的节点公钥", "this node has not pinned the platform's log verifier key and cannot verify the other party's node key")
	}
	index, err := peerkey.Check(receipt, vkey, member, key)
	if err != nil {
		n.logger.WarnContext(ctx, "refused a peer node key the log does not prove", "member", member, "err", err)
		return err
	}
	// The newest registration seen is kept in the node's database too, so
	// that a restart does not let the platform hand back an older key.
	name := nodestore.SettingPeerKeyPrefix + member
	last, known := n.peerKeys.Known(member)
	if !known {
		var stored string
		if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { stored, err = tx.Setting(ctx, name); return err }); err != nil {
			return err
		}
		if i, err := strconv.ParseInt(stored, 10, 64); err == nil {
			n.peerKeys.Admit(member, i)
			last, known = i, true
		}
	}
	if err := n.peerKeys.Admit(member, index); err != nil {
		n.logger.WarnContext(ctx, "refused an older peer node key", "member", member, "err", err)
		return err
	}
	if !known || index > last {
		if err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error { return tx.SetSetting(ctx, name, strconv.FormatInt(index, 10)) }); err != nil {
			return err
		}
	}
	n.verifiedReceipts.put(digest, index)
	return nil
}

// receiptDigest names a receipt as verified for a member's key.
func receiptDigest(receipt []byte, member string, key []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(member))
	h.Write([]byte{0})
	h.Write(key)
	h.Write([]byte{0})
	h.Write(receipt)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// receiptCache holds the receipts verified since the node started, with
// the log index each proves: a handful per peer member, bounded all the
// same (emptied when full).
type receiptCache struct {
	mu sync.Mutex
	m  map[[32]byte]int64
}

const maxVerifiedReceipts = 4096

func (c *receiptCache) get(d [32]byte) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, ok := c.m[d]
	return i, ok
}

func (c *receiptCache) put(d [32]byte, index int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerifiedReceipts {
		c.m = map[[32]byte]int64{}
	}
	c.m[d] = index
}

// VerifierKey returns the platform's pinned log verifier key, "" if none
// is pinned yet.
func (n *Node) VerifierKey(ctx context.Context) (string, error) {
	var k string
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		k, err = tx.Setting(ctx, nodestore.SettingVerifierKey)
		return err
	})
	return k, err
}
