package nodekey

import (
	"crypto"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/sig"
)

// Keys are the node's two private keys.
type Keys struct {
	X25519 *ecdh.PrivateKey // order-key agreement with other members' nodes
	// Signer signs requests to the platform, answers, gate reports and
	// consent receipts: Ed25519, or SM2 under the 国密 profile (package
	// sig).
	Signer crypto.Signer
}

// Generate makes a fresh pair of keys from the system's random source, the
// signing key of algorithm alg (sig.Ed25519 or sig.SM2).
func Generate(alg string) (*Keys, error) {
	x, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	s, err := sig.Generate(alg)
	if err != nil {
		return nil, err
	}
	return &Keys{X25519: x, Signer: s}, nil
}

// Public returns the public keys the platform registers at account opening.
func (k *Keys) Public() member.Keys {
	return member.Keys{X25519: k.X25519.PublicKey().Bytes(), Signing: sig.Public(k.Signer)}
}

// Encode writes a public key the way the console and CLI show it: standard
// base64, which the platform's console accepts when pasted.
func Encode(pub []byte) string { return base64.StdEncoding.EncodeToString(pub) }

// Purposes, as recorded beside each sealed key: the agreement key, and the
// signing key by its algorithm.
const (
	PurposeX25519  = "x25519"
	PurposeEd25519 = "ed25519"
	PurposeSM2     = "sm2"
)

// SigningPurposes are the purposes a signing key is stored under.
var SigningPurposes = []string{PurposeEd25519, PurposeSM2}

// SigningPurpose is the purpose the signing key of k is stored under.
func (k *Keys) SigningPurpose() string {
	if sig.AlgOfKey(k.Signer) == sig.SM2 {
		return PurposeSM2
	}
	return PurposeEd25519
}

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
// X25519 scalar, the Ed25519 seed or the SM2 scalar).
func (k *Keys) private(purpose string) []byte {
	if purpose == PurposeX25519 {
		return k.X25519.Bytes()
	}
	return sig.Seed(k.Signer)
}

// SealPrivate seals the private key of purpose with its public key as
// context.
func (k *Keys) SealPrivate(s keyring.Sealer, purpose string) (public, sealed []byte, err error) {
	pub := k.Public()
	public = pub.Signing
	if purpose == PurposeX25519 {
		public = pub.X25519
	}
	sealed, err = s.Seal(k.private(purpose), aad(purpose, public))
	return public, sealed, err
}

// OpenKeys rebuilds the keys from their sealed forms and checks that each
// private key matches the public key stored beside it. sPurpose says which
// algorithm the signing key is.
func OpenKeys(s keyring.Sealer, xPublic, xSealed []byte, sPurpose string, sPublic, sSealed []byte) (*Keys, error) {
	xs, err := s.Open(xSealed, aad(PurposeX25519, xPublic))
	if err != nil {
		return nil, fmt.Errorf("x25519 key: %w", err)
	}
	x, err := ecdh.X25519().NewPrivateKey(xs)
	if err != nil {
		return nil, fmt.Errorf("x25519 key: %w", err)
	}
	alg := sig.Ed25519
	if sPurpose == PurposeSM2 {
		alg = sig.SM2
	}
	seed, err := s.Open(sSealed, aad(sPurpose, sPublic))
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", alg, err)
	}
	signer, err := sig.FromSeed(alg, seed)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", alg, err)
	}
	k := &Keys{X25519: x, Signer: signer}
	pub := k.Public()
	if string(pub.X25519) != string(xPublic) || string(pub.Signing) != string(sPublic) {
		return nil, fmt.Errorf("stored public keys do not match the private keys")
	}
	return k, nil
}

// EnvKEK is the environment variable holding a node's KEK in base64.
const EnvKEK = "HULIAN_NODE_KEK"
