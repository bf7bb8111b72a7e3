// Package reqsign signs and verifies the HTTP requests a member's node sends
// to the platform, with the Ed25519 key registered at account opening. The
// signature covers the method, path and query, member, time, a nonce and a
// SHA-256 of the body, so a request cannot be altered, moved or replayed.
//
// The body's SHA-256 also travels in a header, so the platform checks the
// signature before it reads a byte of the body: an anonymous caller costs
// it one key lookup and one signature check, never a body held in memory.
package reqsign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/sig"
)

// Header names.
const (
	HeaderMember    = "Hulian-Member"
	HeaderTimestamp = "Hulian-Timestamp"
	HeaderNonce     = "Hulian-Nonce"
	HeaderSignature = "Hulian-Signature"
	HeaderBodyHash  = "Hulian-Content-Sha256" // hex SHA-256 of the body (an Ed25519 node)
	HeaderBodySM3   = "Hulian-Content-Sm3"    // hex SM3 of the body (an SM2 node, the 国密 profile)
)

// MaxSkew is how far a request's time may differ from the platform's clock;
// nonces are remembered for twice as long, so a replay is always caught.
const MaxSkew = 5 * time.Minute

// message is the signed text. The version prefix separates it from any
// other use of the key.
func message(method, target, member, ts, nonce, bodyHash string) []byte {
	return []byte(strings.Join([]string{"hulian-request-v1", method, target, member, ts, nonce, bodyHash}, "\n"))
}

func target(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.EscapedPath()
	}
	return r.URL.EscapedPath() + "?" + r.URL.RawQuery
}

// Sign adds the signature headers to r, whose body is body (r.Body is
// replaced by it).
func Sign(r *http.Request, body []byte, member string, key crypto.Signer, now time.Time) {
	n := make([]byte, 16)
	rand.Read(n)
	nonce := base64.RawURLEncoding.EncodeToString(n)
	ts := strconv.FormatInt(now.Unix(), 10)
	alg := digest.ForSigner(sig.AlgOfKey(key))
	sum := alg.Sum(body)
	h := hex.EncodeToString(sum[:])
	signature := sig.Sign(key, message(r.Method, target(r), member, ts, nonce, h))
	r.Header.Set(bodyHeader(alg), h)
	r.Header.Set(HeaderMember, member)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(signature))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// maxSignature bounds a signature: 64 bytes of Ed25519, at most 72 of a
// DER-encoded SM2 signature.
const maxSignature = 80

// Signed reports whether r carries a node signature.
func Signed(r *http.Request) bool { return r.Header.Get(HeaderSignature) != "" }

// Parsed is a signed request's claimed identity, checked by Verify.
type Parsed struct {
	Member string
	Nonce  string
	Time   time.Time
}

func unauth(zh, en string) error { return errs.New(errs.Unauthenticated, "signature", zh, en) }

// VerifyHeaders checks r's signature with the member's public key, over
// the body's SHA-256 as the request declares it, and its time against now,
// without reading the body. The caller must then record the nonce (replays
// are caught there, in the database shared by all platform replicas) and
// check the body with BodyMatches as it reads it.
func VerifyHeaders(r *http.Request, pub []byte, now time.Time) (*Parsed, Digest, error) {
	var d Digest
	p := &Parsed{Member: r.Header.Get(HeaderMember), Nonce: r.Header.Get(HeaderNonce)}
	ts := r.Header.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, d, unauth("签名请求缺少有效的时间戳", "the signed request has no valid timestamp")
	}
	p.Time = time.Unix(sec, 0)
	if skew := now.Sub(p.Time); skew > MaxSkew || skew < -MaxSkew {
		return nil, d, unauth("签名请求的时间与平台时间相差超过 5 分钟", "the signed request's time is more than 5 minutes from the platform's")
	}
	if l := len(p.Nonce); l < 16 || l > 64 {
		return nil, d, unauth("签名请求缺少随机数", "the signed request has no nonce")
	}
	// The body's hash goes with the key: SM3 for an SM2 node.
	keyAlg, err := sig.AlgOf(pub)
	if err != nil {
		return nil, d, unauth("成员注册的节点密钥无效", "the member's registered node key is not valid")
	}
	d.Alg = digest.ForSigner(keyAlg)
	header := bodyHeader(d.Alg)
	h := r.Header.Get(header)
	if b, err := hex.DecodeString(h); err != nil || len(b) != digest.Size || h != strings.ToLower(h) {
		return nil, d, unauth("签名请求缺少请求体摘要（"+header+"）", "the signed request has no body digest ("+header+")")
	} else {
		copy(d.Sum[:], b)
	}
	signature, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || len(signature) == 0 || len(signature) > maxSignature {
		return nil, d, unauth("签名格式错误", "malformed signature")
	}
	if !sig.Verify(pub, message(r.Method, target(r), p.Member, ts, p.Nonce, h), signature) {
		return nil, d, unauth("签名与成员注册的节点密钥不符", "the signature does not match the member's registered node key")
	}
	return p, d, nil
}

// Digest is the body's hash a signature covers.
type Digest struct {
	Alg digest.Alg
	Sum [digest.Size]byte
}

// bodyHeader is the header carrying the body's hash under alg.
func bodyHeader(alg digest.Alg) string {
	if alg == digest.SM3 {
		return HeaderBodySM3
	}
	return HeaderBodyHash
}

// BodyMatches reports an error unless body is the one the signature
// declared.
func BodyMatches(body []byte, d Digest) error {
	if d.Alg.Sum(body) != d.Sum {
		return unauth("请求体与签名声明的摘要不符", "the body does not match the digest the signature covers")
	}
	return nil
}

// Verify checks r's headers (VerifyHeaders) and that body is the body they
// declare.
func Verify(r *http.Request, body []byte, pub []byte, now time.Time) (*Parsed, error) {
	p, d, err := VerifyHeaders(r, pub, now)
	if err != nil {
		return nil, err
	}
	if err := BodyMatches(body, d); err != nil {
		return nil, err
	}
	return p, nil
}
