// Package digest is the hash the project chooses where no standard fixes
// one — commitments, digests of request bodies, order tokens' MAC, chains
// — under either cryptography profile: SHA-256 by default, SM3 (GB/T
// 32905-2016, through emmansun/gmsm) under the 国密 profile. Both give 32
// bytes, so the fixed-size values of the protocol keep their size.
//
// Where a signature covers a hash, the hash follows the signer's algorithm
// (an SM2 key hashes with SM3): a verifier knows which from the key it
// already holds. Where no key is at hand, the party's profile says.
// Hashes fixed by a standard stay what it fixes: RFC 6962's tree, RFC
// 9497's OPRF, HPKE's KDF, the signed-note key hash.
package digest

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"

	"github.com/emmansun/gmsm/sm3"
)

// Algorithms.
type Alg string

const (
	SHA256 Alg = "sha256"
	SM3    Alg = "sm3"
)

// Size is the size of a digest under either algorithm.
const Size = 32

// ForProfile is the hash of a cryptography profile ("gm" or the default).
func ForProfile(profile string) Alg {
	if profile == "gm" {
		return SM3
	}
	return SHA256
}

// ForSigner is the hash that goes with a signature algorithm ("sm2" or
// "ed25519", as package sig names them).
func ForSigner(sigAlg string) Alg {
	if sigAlg == "sm2" {
		return SM3
	}
	return SHA256
}

// New returns a new hash of a.
func (a Alg) New() hash.Hash {
	if a == SM3 {
		return sm3.New()
	}
	return sha256.New()
}

// Sum returns the digest of b.
func (a Alg) Sum(b []byte) [Size]byte {
	if a == SM3 {
		return sm3.Sum(b)
	}
	return sha256.Sum256(b)
}

// HMAC returns an HMAC of a under key.
func (a Alg) HMAC(key []byte) hash.Hash {
	return hmac.New(a.New, key)
}

// Label is the algorithm as people write it: "SHA-256" or "SM3".
func (a Alg) Label() string {
	if a == SM3 {
		return "SM3"
	}
	return "SHA-256"
}

// Name is the algorithm as payloads and headers name it.
func (a Alg) Name() string {
	if a == SM3 {
		return "sm3"
	}
	return "sha256"
}
