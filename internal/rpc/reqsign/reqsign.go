// Package reqsign signs and verifies the HTTP requests a member's node sends
// to the platform, with the Ed25519 key registered at account opening. The
// signature covers the method, path and query, member, time, a nonce and a
// SHA-256 of the body, so a request cannot be altered, moved or replayed.
package reqsign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hulian/internal/errs"
)

// Header names.
const (
	HeaderMember    = "Hulian-Member"
	HeaderTimestamp = "Hulian-Timestamp"
	HeaderNonce     = "Hulian-Nonce"
	HeaderSignature = "Hulian-Signature"
)

// MaxSkew is how far a request's time may differ from the platform's clock;
// nonces are remembered for twice as long, so a replay is always caught.
const MaxSkew = 5 * time.Minute

// message is the signed text. The version prefix separates it from any
// other use of the key.
func message(method, target, member, ts, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(strings.Join([]string{"hulian-request-v1", method, target, member, ts, nonce, hex.EncodeToString(sum[:])}, "\n"))
}

func target(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return r.URL.EscapedPath()
	}
	return r.URL.EscapedPath() + "?" + r.URL.RawQuery
}

// Sign adds the signature headers to r, whose body is body (r.Body is
// replaced by it).
func Sign(r *http.Request, body []byte, member string, key ed25519.PrivateKey, now time.Time) {
	n := make([]byte, 16)
	rand.Read(n)
	nonce := base64.RawURLEncoding.EncodeToString(n)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := ed25519.Sign(key, message(r.Method, target(r), member, ts, nonce, body))
	r.Header.Set(HeaderMember, member)
	r.Header.Set(HeaderTimestamp, ts)
	r.Header.Set(HeaderNonce, nonce)
	r.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// Signed reports whether r carries a node signature.
func Signed(r *http.Request) bool { return r.Header.Get(HeaderSignature) != "" }

// Parsed is a signed request's claimed identity, checked by Verify.
type Parsed struct {
	Member string
	Nonce  string
	Time   time.Time
}

func unauth(zh, en string) error { return errs.New(errs.Unauthenticated, "signature", zh, en) }

// Verify checks r's signature over body with the member's public key and
// its time against now. The caller must then record the nonce (replays are
// caught there, in the database shared by all platform replicas).
func Verify(r *http.Request, body []byte, pub ed25519.PublicKey, now time.Time) (*Parsed, error) {
	p := &Parsed{Member: r.Header.Get(HeaderMember), Nonce: r.Header.Get(HeaderNonce)}
	ts := r.Header.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, unauth("签名请求缺少有效的时间戳", "the signed request has no valid timestamp")
	}
	p.Time = time.Unix(sec, 0)
	if d := now.Sub(p.Time); d > MaxSkew || d < -MaxSkew {
		return nil, unauth("签名请求的时间与平台时间相差超过 5 分钟", "the signed request's time is more than 5 minutes from the platform's")
	}
	if l := len(p.Nonce); l < 16 || l > 64 {
		return nil, unauth("签名请求缺少随机数", "the signed request has no nonce")
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || len(sig) != ed25519.SignatureSize || len(pub) != ed25519.PublicKeySize {
		return nil, unauth("签名格式错误", "malformed signature")
	}
	if !ed25519.Verify(pub, message(r.Method, target(r), p.Member, ts, p.Nonce, body), sig) {
		return nil, unauth("签名与成员注册的节点密钥不符", "the signature does not match the member's registered node key")
	}
	return p, nil
}
