package nodekey

import (
	"bytes"
	"testing"

	"hulian/internal/keyring"
	"hulian/internal/sig"
)

func TestKeysSealRoundTrip(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{sig.Ed25519, sig.SM2} {
		t.Run(alg, func(t *testing.T) {
			k, err := Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := keyring.NewAESGCM(bytes.Repeat([]byte{3}, keyring.KEKSize))
			xPub, xSealed, err := k.SealPrivate(s, PurposeX25519)
			if err != nil {
				t.Fatal(err)
			}
			purpose := k.SigningPurpose()
			ePub, eSealed, err := k.SealPrivate(s, purpose)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range [][]byte{k.X25519.Bytes(), sig.Seed(k.Signer)} {
				if bytes.Contains(xSealed, secret) || bytes.Contains(eSealed, secret) {
					t.Fatal("private key visible in sealed form")
				}
			}
			got, err := OpenKeys(s, xPub, xSealed, purpose, ePub, eSealed)
			if err != nil {
				t.Fatal(err)
			}
			if !got.X25519.Equal(k.X25519) || !bytes.Equal(sig.Seed(got.Signer), sig.Seed(k.Signer)) || sig.AlgOfKey(got.Signer) != alg {
				t.Error("keys changed in the round trip")
			}
			// Swapping the sealed values between purposes must fail: the
			// context binds each to its own row.
			if _, err := OpenKeys(s, xPub, eSealed, purpose, ePub, xSealed); err == nil {
				t.Error("swapped sealed keys opened")
			}
			other, _ := Generate(alg)
			if _, err := OpenKeys(s, other.Public().X25519, xSealed, purpose, ePub, eSealed); err == nil {
				t.Error("mismatched public key accepted")
			}
			if err := k.Public().Validate(); err != nil {
				t.Errorf("public keys rejected by the platform's rules: %v", err)
			}
		})
	}
}

func BenchmarkOpenKeys(b *testing.B) {
	k, _ := Generate(sig.Ed25519)
	s, _ := keyring.NewAESGCM(bytes.Repeat([]byte{4}, keyring.KEKSize))
	xPub, xSealed, _ := k.SealPrivate(s, PurposeX25519)
	ePub, eSealed, _ := k.SealPrivate(s, PurposeEd25519)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenKeys(s, xPub, xSealed, PurposeEd25519, ePub, eSealed); err != nil {
			b.Fatal(err)
		}
	}
}
