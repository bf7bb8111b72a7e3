// Package peerkey is how a member's node checks the other party's node key
// that the platform hands it, instead of taking the platform's word: the
// platform sends, with the key, a receipt from its business log (the
// registration entry, a checkpoint signed with the log's key, and the
// inclusion proof). The node verifies it with the log verifier key it has
// pinned, and that the entry registers exactly this key for exactly this
// member. A platform that substitutes a key must then log the substitution
// under the member's name, in a log that members, witnesses and the
// regulator can audit — it can no longer do it silently.
package peerkey

import (
	"encoding/json"
	"fmt"
	"sync"

	"hulian/internal/bizlog"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Receipt is the wire form of the proof: a bizlog.Receipt in JSON, the
// format of `hulian log receipts`.
func Receipt(r *bizlog.Receipt) ([]byte, error) { return json.Marshal(r) }

// registration is the part of a member.account_opened payload checked.
type registration struct {
	X25519    string `json:"x25519_public_sha256"`
	X25519SM3 string `json:"x25519_public_sm3"` // a platform of the 国密 profile
}

// matches reports whether the registration commits to x25519, by the hash
// its field names.
func (r registration) matches(x25519 []byte) bool {
	if r.X25519SM3 != "" {
		return r.X25519 == "" && r.X25519SM3 == bizlog.CommitWith(digest.SM3, x25519)
	}
	return r.X25519 == bizlog.Commit(x25519)
}

// refused is the error for a key the node must not use.
func refused(member, why string) error {
	return &errs.Error{Kind: errs.FailedPrecondition, Field: "peer_key_receipt", Reason: i18n.T(
		"无法用业务日志验证平台给出的成员 "+member+" 节点公钥（"+why+"），拒绝使用该密钥",
		"the node key the platform gave for member "+member+" cannot be verified against the business log ("+why+"); the key is refused")}
}

// Check verifies that receipt proves, under the log verifier key vkey, that
// member registered x25519 as its node's key, and returns the index of
// the registration entry.
func Check(receipt []byte, vkey, member string, x25519 []byte) (int64, error) {
	if len(receipt) == 0 {
		return 0, refused(member, "no receipt")
	}
	var r bizlog.Receipt
	if err := json.Unmarshal(receipt, &r); err != nil {
		return 0, refused(member, "malformed receipt")
	}
	if err := r.Verify(vkey); err != nil {
		return 0, refused(member, err.Error())
	}
	return CheckEntry(&r.Entry, member, x25519)
}

// CheckEntry checks that e is member's registration of x25519 and returns
// its index.
func CheckEntry(e *bizlog.Entry, member string, x25519 []byte) (int64, error) {
	if e.Kind != bizlog.KindMemberOpened || e.Member != member {
		return 0, refused(member, fmt.Sprintf("entry %d is %s of %s, not a key registration of this member", e.Seq, e.Kind, e.Member))
	}
	var reg registration
	if err := json.Unmarshal(e.Payload, &reg); err != nil || !reg.matches(x25519) {
		return 0, refused(member, fmt.Sprintf("entry %d registers another key", e.Seq))
	}
	return e.Seq, nil
}

// Newest remembers the newest registration a node has verified per member,
// so that a platform cannot hand back a member's earlier key once the node
// has seen a later one.
type Newest struct {
	mu sync.Mutex
	m  map[string]int64
}

// Admit records index as member's registration, refusing one older than
// the newest seen.
func (n *Newest) Admit(member string, index int64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[string]int64{}
	}
	if last, ok := n.m[member]; ok && index < last {
		return refused(member, fmt.Sprintf("entry %d is older than the registration %d already seen", index, last))
	}
	n.m[member] = index
	return nil
}

// Known returns the newest registration index admitted for member.
func (n *Newest) Known(member string) (int64, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	i, ok := n.m[member]
	return i, ok
}
