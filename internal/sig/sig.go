// Package sig is the project's digital signatures under either
// cryptography profile: Ed25519 (RFC 8032) by default, SM2 with SM3 under
// the 国密 profile (GB/T 32918.2-2016 with the GB/T 32905-2016 hash and the
// default distinguishing identifier "1234567812345678" of GM/T 0009-2012),
// through emmansun/gmsm.
//
// A public key tells its algorithm by its length, so that the bytes the
// protocol already carries need no new field: 32 bytes are an Ed25519
// key, 33 bytes an SM2 point in compressed form (0x02 or 0x03 and its x
// coordinate). A key of another length is refused.
package sig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm2/sm2ec"

	"hulian/internal/errs"
)

// Algorithms.
const (
	Ed25519 = "ed25519"
	SM2     = "sm2"
)

// Sizes of public keys and of the private seeds Signers are kept as.
const (
	Ed25519PublicSize = ed25519.PublicKeySize
	SM2PublicSize     = 33
	SeedSize          = 32
)

// AlgOf returns the algorithm of a public key, by its length.
func AlgOf(pub []byte) (string, error) {
	switch len(pub) {
	case Ed25519PublicSize:
		return Ed25519, nil
	case SM2PublicSize:
		if _, err := parsedSM2(pub); err != nil {
			return "", err
		}
		return SM2, nil
	}
	return "", fmt.Errorf("sig: a public key of %d bytes is neither Ed25519 (32) nor a compressed SM2 point (33)", len(pub))
}

// CheckPublic validates a public key given on field.
func CheckPublic(field string, pub []byte) error {
	if _, err := AlgOf(pub); err != nil {
		return errs.Invalidf(field, "签名公钥须为 32 字节的 Ed25519 公钥或 33 字节的压缩 SM2 公钥", "a signing key is a 32-byte Ed25519 key or a 33-byte compressed SM2 key")
	}
	return nil
}

// Verify reports whether signature is pub's signature of msg.
func Verify(pub, msg, signature []byte) bool {
	switch len(pub) {
	case Ed25519PublicSize:
		return ed25519.Verify(ed25519.PublicKey(pub), msg, signature)
	case SM2PublicSize:
		k, err := parsedSM2(pub)
		if err != nil {
			return false
		}
		return sm2.VerifyASN1WithSM2(k, nil, msg, signature)
	}
	return false
}

// The platform verifies every node-signed request and every answer under
// a handful of members' keys: decompressing a point each time (a square
// root modulo p) is saved by remembering the parsed keys, a bounded few.
var (
	parsedMu   sync.Mutex
	parsedKeys = map[string]*ecdsa.PublicKey{}
)

const maxParsedKeys = 4096

func parsedSM2(pub []byte) (*ecdsa.PublicKey, error) {
	parsedMu.Lock()
	k, ok := parsedKeys[string(pub)]
	parsedMu.Unlock()
	if ok {
		return k, nil
	}
	k, err := sm2Public(pub)
	if err != nil {
		return nil, err
	}
	parsedMu.Lock()
	if len(parsedKeys) >= maxParsedKeys {
		clear(parsedKeys)
	}
	parsedKeys[string(pub)] = k
	parsedMu.Unlock()
	return k, nil
}

func sm2Public(pub []byte) (*ecdsa.PublicKey, error) {
	if len(pub) != SM2PublicSize || (pub[0] != 2 && pub[0] != 3) {
		return nil, errors.New("sig: not a compressed SM2 point")
	}
	x, y := sm2ec.UnmarshalCompressed(sm2.P256(), pub)
	if x == nil {
		return nil, errors.New("sig: not a point of the SM2 curve")
	}
	return &ecdsa.PublicKey{Curve: sm2.P256(), X: x, Y: y}, nil
}

// A private key is a crypto.Signer: an ed25519.PrivateKey or an
// *sm2.PrivateKey, so that code holding Ed25519 keys passes them as they
// are. Sign, Public and Seed read either.

// Generate makes a new key of alg.
func Generate(alg string) (crypto.Signer, error) {
	seed := make([]byte, SeedSize)
	for {
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		s, err := FromSeed(alg, seed)
		if errors.Is(err, errScalar) {
			continue // a scalar outside [1, n-2]: draw again
		}
		return s, err
	}
}

var errScalar = errors.New("sig: the seed is not a valid SM2 private scalar")

// FromSeed rebuilds a key of alg from its 32-byte seed: the Ed25519 seed,
// or the SM2 private scalar.
func FromSeed(alg string, seed []byte) (crypto.Signer, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("sig: a seed is %d bytes, got %d", SeedSize, len(seed))
	}
	switch alg {
	case Ed25519:
		return ed25519.NewKeyFromSeed(seed), nil
	case SM2:
		c := sm2.P256()
		d := new(big.Int).SetBytes(seed)
		// GB/T 32918.1: the private key d is in [1, n-2].
		if d.Sign() == 0 || d.Cmp(new(big.Int).Sub(c.Params().N, big.NewInt(1))) >= 0 {
			return nil, errScalar
		}
		k := &sm2.PrivateKey{}
		k.D = d
		k.PublicKey.Curve = c
		k.PublicKey.X, k.PublicKey.Y = c.ScalarBaseMult(seed)
		return k, nil
	}
	return nil, fmt.Errorf("sig: unknown algorithm %q", alg)
}

// AlgOfKey is the algorithm of a private key, "" for a kind this package
// does not sign with.
func AlgOfKey(k crypto.Signer) string {
	switch k.(type) {
	case ed25519.PrivateKey:
		return Ed25519
	case *sm2.PrivateKey:
		return SM2
	}
	return ""
}

// Public is a private key's public key, in the form AlgOf reads.
func Public(k crypto.Signer) []byte {
	switch k := k.(type) {
	case ed25519.PrivateKey:
		return []byte(k.Public().(ed25519.PublicKey))
	case *sm2.PrivateKey:
		return elliptic.MarshalCompressed(k.Curve, k.X, k.Y)
	}
	panic(fmt.Sprintf("sig: a %T is not a signing key", k))
}

// Seed is a private key's 32 bytes, for sealing at rest.
func Seed(k crypto.Signer) []byte {
	switch k := k.(type) {
	case ed25519.PrivateKey:
		return k.Seed()
	case *sm2.PrivateKey:
		return k.D.FillBytes(make([]byte, SeedSize))
	}
	panic(fmt.Sprintf("sig: a %T is not a signing key", k))
}

// Sign signs msg with k. Randomness (SM2's) comes from crypto/rand, which
// does not fail.
func Sign(k crypto.Signer, msg []byte) []byte {
	switch k := k.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, msg)
	case *sm2.PrivateKey:
		out, err := k.Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, nil))
		if err != nil {
			panic("sig: SM2 signing failed: " + err.Error())
		}
		return out
	}
	panic(fmt.Sprintf("sig: a %T is not a signing key", k))
}

// Name is an algorithm's name as people write it.
func Name(alg string) string {
	if alg == SM2 {
		return "SM2"
	}
	return "Ed25519"
}

// AlgFor is the signature algorithm of a cryptography profile
// (keyring.ProfileDefault or keyring.ProfileGM).
func AlgFor(profile string) string {
	if profile == "gm" {
		return SM2
	}
	return Ed25519
}
