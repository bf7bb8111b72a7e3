// Package bizlog is the business log 数据互联业务日志 (X-W5, X-G1): every
// state change on the platform appends an entry in the same transaction as
// the change. Entries are leaves of an RFC 6962 Merkle tree.
//
// Entries hold counts and commitments, never raw IDs, exIDs, tokens or
// delivered values.
package bizlog

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"hulian/internal/digest"
)

// Kinds of entries. The kind names the state change, "object.verb".
const (
	KindMemberApplied     = "member.applied"
	KindMemberResubmitted = "member.resubmitted"
	KindMemberQualified   = "member.qualified"
	KindMemberRejected    = "member.rejected"
	KindMemberAgreed      = "member.agreement_signed"
	KindMemberOpened      = "member.account_opened"
	KindMemberIntegrated  = "member.integration_passed"
	KindAccountCreated    = "account.created"
	KindAccountDisabled   = "account.disabled"
	KindTokenCreated      = "token.created"
	KindTokenRevoked      = "token.revoked"
	KindLogKeyCreated     = "log.key_created"
	// KindWitnessRegistered: the regulator's witness of the log first
	// published a cosignature (X-G1).
	KindWitnessRegistered = "log.witness_registered"
	// KindWitnessAlarm: a witness reported the log forked, rolled back or
	// rewritten.
	KindWitnessAlarm = "log.witness_alarm"
)

// Entry is one leaf of the business log.
type Entry struct {
	Seq     int64           `json:"seq"`    // leaf index, assigned on append
	At      time.Time       `json:"at"`     // UTC, microsecond precision
	Actor   string          `json:"actor"`  // who made the change (auth.Actor.Ref)
	Member  string          `json:"member"` // the member concerned, "" for platform-wide entries
	Kind    string          `json:"kind"`
	Object  string          `json:"object"`  // the object changed, e.g. a member or order ID
	Payload json.RawMessage `json:"payload"` // canonical JSON of a P
}

// P is an entry's details: strings, integers and booleans only (no floats:
// money is integer fen).
type P map[string]any

// Encode returns the canonical JSON of p: keys sorted (encoding/json sorts
// map keys), no insignificant white space.
func (p P) Encode() (json.RawMessage, error) {
	for k, v := range p {
		switch v.(type) {
		case string, bool, int, int32, int64, uint32, uint64, nil:
		default:
			return nil, fmt.Errorf("bizlog: payload %q has type %T; use strings, integers or booleans", k, v)
		}
	}
	if p == nil {
		p = P{}
	}
	return json.Marshal(map[string]any(p))
}

// TimeFormat is how an entry's time appears in its leaf: RFC 3339, UTC,
// always six fractional digits.
const TimeFormat = "2006-01-02T15:04:05.000000Z"

// Leaf is the entry's canonical encoding, the bytes hashed into the Merkle
// tree: JSON with the fields in the order of Entry and the payload as
// stored. Re-encoding a stored entry gives the same bytes, which is what
// lets anyone recompute the tree from the rows.
func (e *Entry) Leaf() []byte {
	payload := e.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	b, err := json.Marshal(struct {
		Seq     int64           `json:"seq"`
		At      string          `json:"at"`
		Actor   string          `json:"actor"`
		Member  string          `json:"member"`
		Kind    string          `json:"kind"`
		Object  string          `json:"object"`
		Payload json.RawMessage `json:"payload"`
	}{e.Seq, e.At.UTC().Format(TimeFormat), e.Actor, e.Member, e.Kind, e.Object, payload})
	if err != nil {
		// Only a payload that is not valid JSON can fail, and payloads are
		// made by Encode or read back from the log, where a broken one is
		// tampering: hash the raw bytes so that verification reports it.
		return append([]byte("invalid:"), e.Payload...)
	}
	return b
}

// LeafHash is the RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf).
func LeafHash(leaf []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(leaf)
	return h.Sum(nil)
}

// Commit is the commitment to a payload held elsewhere (a delivery, a
// document): its SHA-256, hex encoded.
func Commit(b []byte) string { return CommitWith(digest.SHA256, b) }

// CommitWith is the commitment under alg — SM3 under the 国密 profile —
// hex encoded.
func CommitWith(alg digest.Alg, b []byte) string {
	s := alg.Sum(b)
	return fmt.Sprintf("%x", s[:])
}

// CommitField names the payload field that holds a commitment to name
// under alg: "note_sha256", or "note_sm3" under the 国密 profile. The
// field's name tells a reader which hash to recompute.
func CommitField(name string, alg digest.Alg) string { return name + "_" + alg.Name() }
