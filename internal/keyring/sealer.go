// Package keyring protects secrets at rest: the platform's exID and log
// signing keys and a member node's private keys are stored sealed under a
// key-encryption key (KEK) that lives outside the database, so a copy of the
// database alone gives none of them away.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Sealer encrypts small secrets under a key-encryption key, binding each to
// its context (the additional data) so a sealed value cannot be moved to
// another row. The national-cryptography profile adds an SM4-GCM sealer
// behind the same interface.
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
// nonces are safe here: a process seals a handful of keys over its
// lifetime, far below GCM's 2^32 random-nonce bound.
const AlgAESGCM = "aes-256-gcm"

type aesGCM struct {
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
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &aesGCM{aead: aead, id: KeyID(kek)}, nil
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

func (s *aesGCM) Algorithm() string { return AlgAESGCM }
func (s *aesGCM) KeyID() string     { return s.id }

// Seal returns nonce ‖ ciphertext ‖ tag.
func (s *aesGCM) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out, plaintext, aad), nil
}

// ErrOpen is returned when a sealed value does not open: wrong KEK, wrong
// context or tampered data.
var ErrOpen = errors.New("sealed value does not open under this key-encryption key")

func (s *aesGCM) Open(sealed, aad []byte) ([]byte, error) {
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
