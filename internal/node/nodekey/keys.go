package nodekey

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"hulian/internal/keyring"
	"hulian/internal/member"
)

// Keys are the node's two private keys.
type Keys struct {
	X25519  *ecdh.PrivateKey   // order-key agreement with other members' nodes
	Ed25519 ed25519.PrivateKey // signs requests to the platform
}

// Generate makes a fresh pair of keys from the system's random source.
func Generate() (*Keys, error) {
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	_, e, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Keys{X25519: x, Ed25519: e}, nil
}

// Public returns the public keys the platform registers at account opening.
func (k *Keys) Public() member.Keys {
	return member.Keys{
		X25519:  k.X25519.PublicKey().Bytes(),
		Ed25519: k.Ed25519.Public().(ed25519.PublicKey),
	}
}

// Encode writes a public key the way the console and CLI show it: standard
// base64, which the platform's console accepts when pasted.
func Encode(pub []byte) string { return base64.StdEncoding.EncodeToString(pub) }

// Purposes, as recorded beside each sealed key.
const (
	PurposeX25519  = "x25519"
	PurposeEd25519 = "ed25519"
)

// aad binds a sealed private key to its purpose and public key, so a sealed
// value copied onto another row fails to open.
func aad(purpose string, public []byte) []byte {
	b := make([]byte, 0, 32+len(purpose)+len(public))
	b = append(b, "hulian/node/private-key/v1\x00"...)
	b = append(b, purpose...)
	b = append(b, 0)
	return append(b, public...)
}

// private is one private key's storable form: its 32-byte secret (the
// X25519 scalar or the Ed25519 seed).
func (k *Keys) private(purpose string) []byte {
	if purpose == PurposeX25519 {
		return k.X25519.Bytes()
	}
	return k.Ed25519.Seed()
}

// SealPrivate seals the private key of purpose with its public key as
// context.
func (k *Keys) SealPrivate(s keyring.Sealer, purpose string) (public, sealed []byte, err error) {
	pub := k.Public()
	public = pub.Ed25519
	if purpose == PurposeX25519 {
		public = pub.X25519
	}
	sealed, err = s.Seal(k.private(purpose), aad(purpose, public))
	return public, sealed, err
}

// OpenKeys rebuilds the keys from their sealed forms and checks that each
// private key matches the public key stored beside it.
func OpenKeys(s keyring.Sealer, xPublic, xSealed, ePublic, eSealed []byte) (*Keys, error) {
	xs, err := s.Open(xSealed, aad(PurposeX25519, xPublic))
	if err != nil {
		return nil, fmt.Errorf("x25519 key: %w", err)
	}
	x, err := ecdh.X25519().NewPrivateKey(xs)
	if err != nil {
		return nil, fmt.Errorf("x25519 key: %w", err)
	}
	es, err := s.Open(eSealed, aad(PurposeEd25519, ePublic))
	if err != nil {
		return nil, fmt.Errorf("ed25519 key: %w", err)
	}
	if len(es) != ed25519.SeedSize {
		return nil, fmt.Errorf("ed25519 key: seed is %d bytes", len(es))
	}
	k := &Keys{X25519: x, Ed25519: ed25519.NewKeyFromSeed(es)}
	pub := k.Public()
	if string(pub.X25519) != string(xPublic) || string(pub.Ed25519) != string(ePublic) {
		return nil, fmt.Errorf("stored public keys do not match the private keys")
	}
	return k, nil
}

// EnvKEK is the environment variable holding a node's KEK in base64.
const EnvKEK = "HULIAN_NODE_KEK"
