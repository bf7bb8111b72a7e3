package nodekey

import (
	"bytes"
	"hulian/internal/keyring"
	"testing"
)

func TestKeysSealRoundTrip(t *testing.T) {
	t.Parallel()
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	s, _ := keyring.NewAESGCM(bytes.Repeat([]byte{3}, keyring.KEKSize))
	xPub, xSealed, err := k.SealPrivate(s, PurposeX25519)
	if err != nil {
		t.Fatal(err)
	}
	ePub, eSealed, err := k.SealPrivate(s, PurposeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range [][]byte{k.X25519.Bytes(), k.Ed25519.Seed()} {
		if bytes.Contains(xSealed, secret) || bytes.Contains(eSealed, secret) {
			t.Fatal("private key visible in sealed form")
		}
	}
	got, err := OpenKeys(s, xPub, xSealed, ePub, eSealed)
	if err != nil {
		t.Fatal(err)
	}
	if !got.X25519.Equal(k.X25519) || !got.Ed25519.Equal(k.Ed25519) {
		t.Error("keys changed in the round trip")
	}
	// Swapping the sealed values between purposes must fail: the context
	// binds each to its own row.
	if _, err := OpenKeys(s, xPub, eSealed, ePub, xSealed); err == nil {
		t.Error("swapped sealed keys opened")
	}
	other, _ := Generate()
	if _, err := OpenKeys(s, other.Public().X25519, xSealed, ePub, eSealed); err == nil {
		t.Error("mismatched public key accepted")
	}
	if err := k.Public().Validate(); err != nil {
		t.Errorf("public keys rejected by the platform's rules: %v", err)
	}
}

func BenchmarkOpenKeys(b *testing.B) {
	k, _ := Generate()
	s, _ := keyring.NewAESGCM(bytes.Repeat([]byte{4}, keyring.KEKSize))
	xPub, xSealed, _ := k.SealPrivate(s, PurposeX25519)
	ePub, eSealed, _ := k.SealPrivate(s, PurposeEd25519)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := OpenKeys(s, xPub, xSealed, ePub, eSealed); err != nil {
			b.Fatal(err)
		}
	}
}
