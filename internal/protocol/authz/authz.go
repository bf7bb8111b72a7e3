// Package authz is X-E10's verification method as the delivery protocol
// carries it. A listing whose tags are associated with individuals names
// a verification method: one-step, the subject's signed query
// authorisation (数据查询授权协议) must be held before querying; two-step,
// an interactive identity verification besides. The demander's node keeps
// each subject's authorisation record, sends tokens only for subjects
// whose record reaches the order's level, and commits to each record in
// the request: one 32-byte commitment per token. The platform checks that
// every token has one at the level the order requires and logs their
// digest; it learns nothing of the records, which a salt hides, nor of the
// subjects. Asked in an audit, the demander opens a token's commitment
// with the record and salt, and anyone can check it against the logged
// digest.
package authz

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Level is how far a subject's authorisation goes.
type Level uint8

const (
	None    Level = 0 // no verification required (listing without association)
	OneStep Level = 1 // the subject signed the query authorisation
	TwoStep Level = 2 // and passed an interactive identity verification
)

// Required is the level a listing's verification method asks for: "" for
// none, "one_step" or "two_step".
func Required(method string) (Level, error) {
	switch method {
	case "":
		return None, nil
	case "one_step":
		return OneStep, nil
	case "two_step":
		return TwoStep, nil
	}
	return None, errs.Invalidf("verification", "验证方式须为 one_step 或 two_step", "the verification method must be one_step or two_step")
}

// Method is the listing's name of a level.
func (l Level) Method() string {
	switch l {
	case OneStep:
		return "one_step"
	case TwoStep:
		return "two_step"
	}
	return ""
}

// CommitmentSize is the size of one token's commitment.
const CommitmentSize = sha256.Size

// SaltSize is the size of a record's salt.
const SaltSize = 16

// Record is a subject's query authorisation as the demander's node holds
// it. The documents themselves (the signed agreement, the verification's
// evidence) stay in the member's systems; the record holds their SHA-256.
type Record struct {
	Agreement  [32]byte // SHA-256 of the signed query authorisation
	SignedOn   string   // YYYY-MM-DD, Asia/Shanghai
	ExpiresOn  string   // YYYY-MM-DD, the last day it is valid
	VerifiedOn string   // YYYY-MM-DD of the identity verification, "" if none
	// Verification is the identity verification's method and evidence
	// reference as the member records it, e.g. "sms:3f9a…"; "" if none.
	Verification string
	Salt         [SaltSize]byte
}

// Level is what the record allows.
func (r *Record) Level() Level {
	if r.VerifiedOn != "" && r.Verification != "" {
		return TwoStep
	}
	return OneStep
}

// ValidOn reports whether the record covers a query on date (YYYY-MM-DD):
// signed on or before it and not expired.
func (r *Record) ValidOn(date string) bool {
	return r.SignedOn <= date && date <= r.ExpiresOn && (r.VerifiedOn == "" || r.VerifiedOn <= date)
}

const domain = "hulian-query-authorisation-v1\n"

// Commit is the commitment to record r for one token of one order. The
// order and token bind it to this request's subject under this order; the
// salt keeps the record from being guessed from the commitment.
func Commit(orderID string, token []byte, level Level, r *Record) [CommitmentSize]byte {
	return CommitWith(digest.SHA256, orderID, token, level, r)
}

// CommitWith is Commit under alg: SM3 under the 国密 profile.
func CommitWith(alg digest.Alg, orderID string, token []byte, level Level, r *Record) [CommitmentSize]byte {
	h := alg.New()
	h.Write([]byte(domain))
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(orderID))
	field(token)
	field([]byte{byte(level)})
	field(r.Agreement[:])
	field([]byte(r.SignedOn))
	field([]byte(r.ExpiresOn))
	field([]byte(r.VerifiedOn))
	field([]byte(r.Verification))
	field(r.Salt[:])
	var c [CommitmentSize]byte
	h.Sum(c[:0])
	return c
}

// Check is what the platform verifies of a request's commitments: one per
// token, at a level that meets the order's requirement. With no
// requirement, commitments are optional but, if sent, complete.
func Check(required, declared Level, tokens int, commitments []byte) error {
	if required == None && len(commitments) == 0 {
		return nil
	}
	if len(commitments) != tokens*CommitmentSize {
		return errs.Invalidf("authorisations", fmt.Sprintf("每个令牌须附 %d 字节的授权承诺：%d 个令牌应为 %d 字节，实为 %d 字节", CommitmentSize, tokens, tokens*CommitmentSize, len(commitments)),
			fmt.Sprintf("each token needs a %d-byte authorisation commitment: %d tokens need %d bytes, not %d", CommitmentSize, tokens, tokens*CommitmentSize, len(commitments)))
	}
	if declared < required || declared > TwoStep {
		return errs.New(errs.PermissionDenied, "authorisation_level",
			fmt.Sprintf("该订单的挂牌要求%s：请求声明的授权级别 %d 不足", required.Label().ZH, declared),
			fmt.Sprintf("the order's listing requires %s: the request declares authorisation level %d", required.Label().EN, declared))
	}
	return nil
}

// Label names a level in both languages.
func (l Level) Label() i18n.Text {
	switch l {
	case OneStep:
		return i18n.T("一次验证（本人签署数据查询授权协议）", "one-step verification (the subject's signed query authorisation)")
	case TwoStep:
		return i18n.T("二次验证（授权协议加交互式身份验证）", "two-step verification (signed authorisation and interactive identity verification)")
	}
	return i18n.T("无需验证", "no verification")
}
