// Package keyring protects secrets at rest: the platform's exID and log
// signing keys and a member node's private keys are stored sealed under a
// key-encryption key (KEK) that lives outside the database, so a copy of the
// database alone gives none of them away.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"

	"hulian/internal/errs"
)

// Sealer encrypts small secrets under a key-encryption key, binding each to
// its context (the additional data) so a sealed value cannot be moved to
// another row. AES-256-GCM is the default; the 国密 profile seals with
// SM4-GCM behind the same interface.
type Sealer interface {
	// Algorithm names the construction, stored beside each sealed value.
	Algorithm() string
	// KeyID identifies the KEK without revealing it, so that opening with
	// the wrong KEK is reported as such rather than as corrupt data.
	KeyID() string
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// KEKSize is the size of a key-encryption key.
const KEKSize = 32

// AlgAESGCM is AES-256-GCM with a random 96-bit nonce per value. Random
// nonces are safe here: a node seals a key per sensitive field of each
// dataset version it imports, far below GCM's 2^32 random-nonce bound.
const AlgAESGCM = "aes-256-gcm"

// AlgSM4GCM is SM4-GCM (GB/T 32907-2016, through emmansun/gmsm) with a
// random 96-bit nonce, the 国密 profile's sealer. SM4 takes a 128-bit key:
// it is derived from the 32-byte KEK with HKDF over SM3.
const AlgSM4GCM = "sm4-gcm"

type gcmSealer struct {
	alg  string
	aead cipher.AEAD
	id   string
}

// NewAESGCM returns the AES-256-GCM sealer under kek.
func NewAESGCM(kek []byte) (Sealer, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("key-encryption key must be %d bytes, got %d", KEKSize, len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	return newGCM(AlgAESGCM, block, kek)
}

// NewSM4GCM returns the SM4-GCM sealer under kek.
func NewSM4GCM(kek []byte) (Sealer, error) {
	if len(kek) != KEKSize {
		return nil, fmt.Errorf("key-encryption key must be %d bytes, got %d", KEKSize, len(kek))
	}
	key, err := hkdf.Key(sm3.New, kek, nil, "hulian/kek/sm4", 16)
	if err != nil {
		return nil, err
	}
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return newGCM(AlgSM4GCM, block, kek)
}

// ForAlgorithm returns the sealer of construction alg under kek, so that a
// value sealed under either profile opens under the other.
func ForAlgorithm(alg string, kek []byte) (Sealer, error) {
	switch alg {
	case AlgAESGCM:
		return NewAESGCM(kek)
	case AlgSM4GCM:
		return NewSM4GCM(kek)
	}
	return nil, fmt.Errorf("unknown sealing construction %q", alg)
}

func newGCM(alg string, block cipher.Block, kek []byte) (Sealer, error) {
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &gcmSealer{alg: alg, aead: aead, id: KeyID(kek)}, nil
}

// KeyID is a short public fingerprint of kek: the first 8 bytes of a
// domain-separated SHA-256, enough to tell KEKs apart and useless for
// recovering one.
func KeyID(kek []byte) string {
	h := sha256.New()
	h.Write([]byte("hulian/kek-id/v1\x00"))
	h.Write(kek)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func (s *gcmSealer) Algorithm() string { return s.alg }
func (s *gcmSealer) KeyID() string     { return s.id }

// Seal returns nonce ‖ ciphertext ‖ tag.
func (s *gcmSealer) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out, plaintext, aad), nil
}

// ErrOpen is returned when a sealed value does not open: wrong KEK, wrong
// context or tampered data.
var ErrOpen = errors.New("sealed value does not open under this key-encryption key")

func (s *gcmSealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrOpen
	}
	pt, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Cryptography profiles: the default one, and the 国密 profile under which
// what the project encrypts at rest is encrypted with SM4.
const (
	ProfileDefault = "default"
	ProfileGM      = "gm"
)

// ParseProfile reads a profile's name; "" is the default.
func ParseProfile(field, s string) (string, error) {
	switch strings.TrimSpace(s) {
	case "", ProfileDefault:
		return ProfileDefault, nil
	case ProfileGM:
		return ProfileGM, nil
	}
	return "", errs.Invalidf(field, "密码配置须为 default 或 gm（国密）", "the cryptography profile is default or gm (national standards)")
}

// SealerOf is the sealing construction of profile p.
func SealerOf(p string) string {
	if p == ProfileGM {
		return AlgSM4GCM
	}
	return AlgAESGCM
}
