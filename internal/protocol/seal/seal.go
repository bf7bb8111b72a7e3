// Package seal encrypts a supplier node's answer to the demander node's key
// (DESIGN.md, protocol step 4): HPKE (RFC 9180) in base mode with
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-128-GCM, from Go's
// crypto/hpke, with an info string that binds the ciphertext to one order
// and one request. The platform relays the sealed bytes and meters them
// through their commitment without being able to read them.
//
// docs/delivery-crypto.md gives the exact layout.
package seal

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/sha256"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/protocol/ordertoken"
)

const (
	// Info prefixes the HPKE info; order ID, a NUL byte and the request ID
	// follow it.
	Info = "hulian/delivery/v1"
	// EncSize is the length of the encapsulated key that starts a sealed
	// answer (Nenc of DHKEM(X25519, HKDF-SHA256)).
	EncSize = 32
	// Overhead is what sealing adds to a plaintext: the encapsulated key
	// and the AES-GCM tag.
	Overhead = EncSize + 16
	// MaxRequestIDLen bounds a request ID.
	MaxRequestIDLen = 128
)

// The suite is fixed rather than negotiated so that no request can
// downgrade it. AES-128-GCM over ChaCha20-Poly1305: member nodes are servers
// with AES and carry-less multiply instructions, where GCM is the faster of
// the two, and it is the FIPS 140-3 approved choice; 128-bit keys are ample
// for data whose licence lasts months, and the national-cryptography profile
// swaps in SM4-GCM, the same mode with a 128-bit cipher.
var (
	kdf  = hpke.HKDFSHA256()
	aead = hpke.AES128GCM()
)

// SuiteIDs are the RFC 9180 identifiers of the suite: KEM 0x0020
// (DHKEM(X25519, HKDF-SHA256)), KDF 0x0001 (HKDF-SHA256), AEAD 0x0001
// (AES-128-GCM).
var SuiteIDs = [3]uint16{0x0020, 0x0001, 0x0001}

// InfoFor returns the HPKE info for an order and request:
// "hulian/delivery/v1" ‖ orderID ‖ 0x00 ‖ requestID. Neither ID may hold a
// NUL byte, so the split is unambiguous.
func InfoFor(orderID, requestID string) ([]byte, error) {
	if err := ordertoken.CheckOrderID(orderID); err != nil {
		return nil, err
	}
	if len(requestID) == 0 || len(requestID) > MaxRequestIDLen {
		return nil, errs.Invalidf("request_id", "请求编号须为 1 至 128 个字节", "a request ID is 1 to 128 bytes long")
	}
	for i := 0; i < len(requestID); i++ {
		if requestID[i] == 0 {
			return nil, errs.Invalidf("request_id", "请求编号不得含有 NUL 字节", "a request ID may not contain a NUL byte")
		}
	}
	b := make([]byte, 0, len(Info)+len(orderID)+1+len(requestID))
	b = append(b, Info...)
	b = append(b, orderID...)
	b = append(b, 0)
	return append(b, requestID...), nil
}

// Seal encrypts plaintext to the demander node's registered X25519 key for
// one order and request. The result is enc ‖ ciphertext, as RFC 9180's
// single-shot API produces it; each call uses a fresh ephemeral key.
func Seal(recipient *ecdh.PublicKey, orderID, requestID string, plaintext []byte) ([]byte, error) {
	info, err := InfoFor(orderID, requestID)
	if err != nil {
		return nil, err
	}
	if recipient == nil || recipient.Curve() != ecdh.X25519() {
		return nil, errs.Invalidf("recipient_key", "需求方节点的公钥须为 X25519 密钥", "the demander node's public key must be an X25519 key")
	}
	pk, err := hpke.NewDHKEMPublicKey(recipient)
	if err != nil {
		return nil, errs.Invalidf("recipient_key", "需求方节点的公钥无效", "the demander node's public key is invalid")
	}
	sealed, err := hpke.Seal(pk, kdf, aead, info, plaintext)
	if err != nil {
		// A low-order recipient key makes the DH output zero, which HPKE
		// refuses; nothing else fails here.
		return nil, errs.Invalidf("recipient_key", "无法向该公钥加密：需求方节点的公钥无效", "cannot seal to this key: the demander node's public key is invalid")
	}
	return sealed, nil
}

// Open decrypts a sealed answer with the demander node's private key. It
// fails, with one error that does not say why, if the bytes were changed,
// were sealed to another key, or belong to another order or request.
func Open(priv *ecdh.PrivateKey, orderID, requestID string, sealed []byte) ([]byte, error) {
	info, err := InfoFor(orderID, requestID)
	if err != nil {
		return nil, err
	}
	if priv == nil || priv.Curve() != ecdh.X25519() {
		return nil, errs.Invalidf("key", "节点私钥须为 X25519 密钥", "the node's private key must be an X25519 key")
	}
	if len(sealed) < Overhead {
		return nil, errs.Invalidf("sealed", "密文过短，不是完整的加密应答", "the sealed answer is too short to be one")
	}
	sk, err := hpke.NewDHKEMPrivateKey(priv)
	if err != nil {
		return nil, err
	}
	plain, err := hpke.Open(sk, kdf, aead, info, sealed)
	if err != nil {
		return nil, errs.Invalidf("sealed", "无法解密应答：密文被篡改，或不属于本节点、本订单或本请求", "the answer does not open: it was altered, or is not for this node, order or request")
	}
	return plain, nil
}

// Commitment is SHA-256 of the sealed bytes exactly as relayed. The
// supplier signs it with the counts, the platform logs it, and the
// demander checks it against what it received: all three can agree on
// what was delivered without the platform reading it.
func Commitment(sealed []byte) [sha256.Size]byte { return sha256.Sum256(sealed) }

// CommitmentWith is the commitment under alg: SM3 under the 国密 profile.
func CommitmentWith(alg digest.Alg, sealed []byte) [sha256.Size]byte { return alg.Sum(sealed) }
