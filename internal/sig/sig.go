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
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"

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
		if _, err := sm2Public(pub); err != nil {
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
		k, err := sm2Public(pub)
		if err != nil {
			return false
		}
		return sm2.VerifyASN1WithSM2(k, nil, msg, signature)
	}
	return false
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

// Signer signs with a private key.
type Signer interface {
	Alg() string
	// Public is the public key, in the form AlgOf reads.
	Public() []byte
	// Sign signs msg. Randomness comes from crypto/rand, which does not
	// fail.
	Sign(msg []byte) []byte
	// Seed is the private key's 32 bytes, for sealing at rest.
	Seed() []byte
}

// Generate makes a new key of alg.
func Generate(alg string) (Signer, error) {
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

// FromSeed rebuilds a key of alg from its seed.
func FromSeed(alg string, seed []byte) (Signer, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("sig: a seed is %d bytes, got %d", SeedSize, len(seed))
	}
	switch alg {
	case Ed25519:
		return ed25519Signer(ed25519.NewKeyFromSeed(seed)), nil
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
		return &sm2Signer{k: k, pub: elliptic.MarshalCompressed(c, k.PublicKey.X, k.PublicKey.Y), seed: append([]byte(nil), seed...)}, nil
	}
	return nil, fmt.Errorf("sig: unknown algorithm %q", alg)
}

// FromEd25519 wraps an Ed25519 private key.
func FromEd25519(k ed25519.PrivateKey) Signer { return ed25519Signer(k) }

type ed25519Signer ed25519.PrivateKey

func (k ed25519Signer) Alg() string { return Ed25519 }
func (k ed25519Signer) Public() []byte {
	return []byte(ed25519.PrivateKey(k).Public().(ed25519.PublicKey))
}
func (k ed25519Signer) Sign(msg []byte) []byte { return ed25519.Sign(ed25519.PrivateKey(k), msg) }
func (k ed25519Signer) Seed() []byte           { return ed25519.PrivateKey(k).Seed() }

type sm2Signer struct {
	k    *sm2.PrivateKey
	pub  []byte
	seed []byte
}

func (s *sm2Signer) Alg() string    { return SM2 }
func (s *sm2Signer) Public() []byte { return s.pub }
func (s *sm2Signer) Seed() []byte   { return s.seed }

func (s *sm2Signer) Sign(msg []byte) []byte {
	out, err := s.k.Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		// Only the random source can fail here, and crypto/rand does not.
		panic("sig: SM2 signing failed: " + err.Error())
	}
	return out
}

// AlgFor is the signature algorithm of a cryptography profile
// (keyring.ProfileDefault or keyring.ProfileGM).
func AlgFor(profile string) string {
	if profile == "gm" {
		return SM2
	}
	return Ed25519
}
