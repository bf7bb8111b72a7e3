// Package ordertoken derives the per-order key two member nodes share and the
// tokens the demander sends instead of exIDs (DESIGN.md, protocol steps 3
// and 4; docs/delivery-crypto.md has the exact byte layout).
//
// k_o = HKDF-SHA256(ikm = X25519(own, peer), salt = none,
// info = "hulian/order/v1" ‖ order ID), 32 bytes, and a token is the first
// 16 bytes of HMAC-SHA256(k_o, the 17 binary bytes of the exID). The platform
// relays both nodes' public keys but holds neither private key, so it cannot
// compute k_o, and tokens of two orders share nothing it could link.
package ordertoken

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"runtime"
	"sync"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/protocol/exid"
)

const (
	// Info prefixes the HKDF info; the order ID follows it directly.
	Info = "hulian/order/v1"
	// KeySize is the length of k_o in bytes.
	KeySize = 32
	// TokenSize is the length of a token: half of the HMAC-SHA256 output,
	// which keeps 2^-128 collision odds per pair and halves the bytes a
	// request carries and an index stores.
	TokenSize = 16
	// MaxOrderIDLen bounds an order ID, which travels in every request.
	MaxOrderIDLen = 128
	// MaxChunkTokens bounds one chunk of a batch delivery: 16 MiB of
	// tokens, metered and charged as one delivery. A chunk is the unit a
	// running-out quota stops at, so it is kept well below a whole file.
	MaxChunkTokens = 1 << 20
)

// Token stands for one exID within one order.
type Token [TokenSize]byte

// Key is k_o. It prints as a placeholder so it cannot leak into a log line.
type Key struct {
	b   [KeySize]byte
	alg digest.Alg // SHA-256, or SM3 under the 国密 profile
}

// Derive computes k_o from this node's X25519 private key and the other
// node's registered public key. Supplier and demander get the same key.
//
// HKDF runs without a salt (RFC 5869 §2.2: a string of zeros): the salt
// would have to be a value both nodes agree on beforehand, and the only
// such values (the order ID, the public keys) are public and already bound
// through info or the shared secret itself; the X25519 output is a secret
// of high entropy that only needs extracting into a uniform key, the case
// in which RFC 5869 §3.1 allows leaving the salt out. DESIGN.md fixes the construction as it is, so that another
// implementation can interoperate from the document alone.
func Derive(own *ecdh.PrivateKey, peer *ecdh.PublicKey, orderID string) (Key, error) {
	return DeriveFor(digest.SHA256, own, peer, orderID)
}

// DeriveFor is Derive with the hash of the exchange's profile: under the
// 国密 profile HKDF and every HMAC below run over SM3 instead of SHA-256,
// the construction otherwise the same. Both nodes of an order must use
// the same.
func DeriveFor(alg digest.Alg, own *ecdh.PrivateKey, peer *ecdh.PublicKey, orderID string) (Key, error) {
	if err := CheckOrderID(orderID); err != nil {
		return Key{}, err
	}
	if own == nil || peer == nil || own.Curve() != ecdh.X25519() || peer.Curve() != ecdh.X25519() {
		return Key{}, errs.Invalidf("key", "订单密钥须由两把 X25519 密钥协商", "an order key is agreed between two X25519 keys")
	}
	// crypto/ecdh returns an error, not a result, when X25519 yields the
	// all-zero value (RFC 7748 §6.1): the peer key is of low order and the
	// "secret" would be known to anyone.
	shared, err := own.ECDH(peer)
	if err != nil {
		return Key{}, errs.Invalidf("peer_key", "对方节点公钥无效（低阶点），无法协商订单密钥", "the peer node's public key is invalid (a low-order point); no order key can be agreed")
	}
	defer clear(shared)
	okm, err := hkdf.Key(alg.New, shared, nil, Info+orderID, KeySize)
	if err != nil {
		return Key{}, err
	}
	k := Key{alg: alg}
	copy(k.b[:], okm)
	clear(okm)
	return k, nil
}

// CheckOrderID accepts the order IDs the platform issues: 1 to 128 bytes,
// no NUL byte (seal uses NUL as a separator after the order ID).
func CheckOrderID(orderID string) error {
	if len(orderID) == 0 || len(orderID) > MaxOrderIDLen {
		return errs.Invalidf("order_id", "订单编号须为 1 至 128 个字节", "an order ID is 1 to 128 bytes long")
	}
	for i := 0; i < len(orderID); i++ {
		if orderID[i] == 0 {
			return errs.Invalidf("order_id", "订单编号不得含有 NUL 字节", "an order ID may not contain a NUL byte")
		}
	}
	return nil
}

// Zero overwrites the key. Copies made by value, and the padded key HMAC
// keeps inside a hash state while tokens are computed, are beyond reach; Go
// gives no guarantee against the runtime having moved them either.
func (k *Key) Zero() { clear(k.b[:]) }

// IsZero reports whether k is the zero key, as after Zero.
func (k *Key) IsZero() bool { return k.b == [KeySize]byte{} }

// String hides the key.
func (Key) String() string { return "ordertoken.Key(redacted)" }

// GoString hides the key from %#v.
func (k Key) GoString() string { return k.String() }

// Token computes the first 16 bytes of HMAC-SHA256(k_o, id[0:17]): the
// MAC input is the exID's 17 binary bytes (epoch, then the 16 output
// bytes), never its text form.
func (k Key) Token(id exid.ExID) Token {
	m := hmac.New(k.hash(), k.b[:])
	m.Write(id[:])
	var sum [sha256.Size]byte
	var t Token
	copy(t[:], m.Sum(sum[:0]))
	return t
}

// AuthenticatorInfo starts the message of a request authenticator. It is
// longer than an exID, so no authenticator input is ever a token's.
const AuthenticatorInfo = "hulian/request/v1"

// AuthenticatorSize is the length of a request authenticator.
const AuthenticatorSize = sha256.Size

// Authenticator is the demander node's MAC over one request's tokens:
// HMAC-SHA256(k_o, "hulian/request/v1" ‖ 0x00 ‖ request ID ‖ 0x00 ‖
// SHA-256(tokens)). The order is bound by k_o itself. The supplier node
// checks it before it answers, so tokens made for another order (a
// mistaken resume, or tokens intercepted and replayed under another order
// by anyone without k_o) are refused with a clear error and cost nothing,
// rather than matching nothing and being charged.
func (k Key) Authenticator(requestID string, tokensSHA256 [sha256.Size]byte) [AuthenticatorSize]byte {
	m := hmac.New(k.hash(), k.b[:])
	m.Write([]byte(AuthenticatorInfo))
	m.Write([]byte{0})
	m.Write([]byte(requestID))
	m.Write([]byte{0})
	m.Write(tokensSHA256[:])
	var out [AuthenticatorSize]byte
	m.Sum(out[:0])
	return out
}

// VerifyAuthenticator reports whether mac is the authenticator of the
// request, in constant time.
func (k Key) VerifyAuthenticator(requestID string, tokensSHA256 [sha256.Size]byte, mac []byte) bool {
	want := k.Authenticator(requestID, tokensSHA256)
	return hmac.Equal(want[:], mac)
}

// parallelFrom is the batch size from which Tokens splits the work over
// the CPUs; below it the cost of starting goroutines shows, and a server
// answering many small requests is parallel across requests anyway.
const parallelFrom = 1 << 16

// Tokens fills out[i] with k.Token(ids[i]); out must be at least as long as
// ids. Each goroutine creates one HMAC state and resets it per ID, which
// reuses the hashed padded key instead of hashing it again per token.
// Batches of 65,536 IDs or more are split over GOMAXPROCS goroutines.
func (k Key) Tokens(ids []exid.ExID, out []Token) {
	if len(out) < len(ids) {
		panic("ordertoken: Tokens output shorter than input")
	}
	workers := runtime.GOMAXPROCS(0)
	if len(ids) < parallelFrom || workers == 1 {
		k.tokens(ids, out)
		return
	}
	var wg sync.WaitGroup
	per := (len(ids) + workers - 1) / workers
	for lo := 0; lo < len(ids); lo += per {
		hi := min(lo+per, len(ids))
		wg.Go(func() { k.tokens(ids[lo:hi], out[lo:hi]) })
	}
	wg.Wait()
}

// hash is the key's hash function.
func (k Key) hash() func() hash.Hash {
	if k.alg == "" {
		return sha256.New
	}
	return k.alg.New
}

// Alg is the key's hash: the tokens hash a request's tokens with it too.
func (k Key) Alg() digest.Alg {
	if k.alg == "" {
		return digest.SHA256
	}
	return k.alg
}

func (k Key) tokens(ids []exid.ExID, out []Token) {
	m := hmac.New(k.hash(), k.b[:])
	var sum [sha256.Size]byte
	for i := range ids {
		m.Reset()
		m.Write(ids[i][:])
		copy(out[i][:], m.Sum(sum[:0]))
	}
}
