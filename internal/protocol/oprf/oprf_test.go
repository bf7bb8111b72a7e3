package oprf

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"hulian/internal/errs"
)

type batch struct {
	inputs    [][]byte
	blinds    []Scalar
	blinded   []Element
	evaluated []Element
	proof     Proof
}

func newBatch(t *testing.T, k *PrivateKey, n int) batch {
	t.Helper()
	b := batch{inputs: testInputs(n), blinds: make([]Scalar, n), blinded: make([]Element, n)}
	for i, in := range b.inputs {
		var err error
		if b.blinds[i], b.blinded[i], err = Blind(in, rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if b.evaluated, b.proof, err = BlindEvaluateBatch(k, b.blinded, rand.Reader); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustKey(t *testing.T) *PrivateKey {
	t.Helper()
	k, err := GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRoundTrip checks that outputs depend on the input and the key only, not
// on the blinds or the batch they travelled in.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	a := newBatch(t, k, 5)
	b := newBatch(t, k, 5)
	outA, err := VerifyAndFinalize(k.Public(), a.inputs, a.blinds, a.blinded, a.evaluated, a.proof)
	if err != nil {
		t.Fatal(err)
	}
	outB, err := VerifyAndFinalize(k.Public(), b.inputs, b.blinds, b.blinded, b.evaluated, b.proof)
	if err != nil {
		t.Fatal(err)
	}
	for i := range outA {
		if !bytes.Equal(outA[i], outB[i]) {
			t.Errorf("output %d changed with the blind", i)
		}
		if len(outA[i]) != OutputSize {
			t.Errorf("output %d has %d bytes", i, len(outA[i]))
		}
		if i > 0 && bytes.Equal(outA[i], outA[i-1]) {
			t.Errorf("outputs %d and %d collide", i-1, i)
		}
	}
	k2 := mustKey(t)
	c := newBatch(t, k2, 5)
	outC, err := VerifyAndFinalize(k2.Public(), c.inputs, c.blinds, c.blinded, c.evaluated, c.proof)
	if err != nil {
		t.Fatal(err)
	}
	for i := range outC {
		if bytes.Equal(outC[i], outA[i]) {
			t.Errorf("output %d is the same under another key", i)
		}
	}
}

// TestVerifyRejects covers the ways a platform's answer can be wrong.
func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	other := mustKey(t)
	good := newBatch(t, k, 4)
	byOther := newBatch(t, other, 4)

	tests := []struct {
		name string
		pk   PublicKey
		edit func(b *batch)
		want error
	}{
		{"proof from a different key", k.Public(), func(b *batch) {
			// Evaluated with another key, proof valid for that key.
			b.evaluated, b.proof, _ = BlindEvaluateBatch(other, b.blinded, rand.Reader)
		}, ErrProof},
		{"verified against the wrong public key", other.Public(), func(*batch) {}, ErrProof},
		{"one evaluation swapped", k.Public(), func(b *batch) {
			b.evaluated[1], b.evaluated[2] = b.evaluated[2], b.evaluated[1]
		}, ErrProof},
		{"one evaluation from another batch", k.Public(), func(b *batch) {
			b.evaluated[0] = byOther.evaluated[0]
		}, ErrProof},
		{"proof of another batch", k.Public(), func(b *batch) {
			_, b.proof, _ = BlindEvaluateBatch(k, byOther.blinded, rand.Reader)
		}, ErrProof},
		{"evaluation missing", k.Public(), func(b *batch) { b.evaluated = b.evaluated[:3] }, ErrBatch},
		{"blind missing", k.Public(), func(b *batch) { b.blinds = b.blinds[:3] }, ErrBatch},
		{"zero element", k.Public(), func(b *batch) { b.evaluated[0] = Element{} }, ErrElement},
		{"zero blind", k.Public(), func(b *batch) { b.blinds[0] = Scalar{} }, ErrScalar},
		{"zero public key", PublicKey{}, func(*batch) {}, ErrElement},
		{"empty batch", k.Public(), func(b *batch) { *b = batch{} }, ErrBatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := batch{
				inputs:    append([][]byte(nil), good.inputs...),
				blinds:    append([]Scalar(nil), good.blinds...),
				blinded:   append([]Element(nil), good.blinded...),
				evaluated: append([]Element(nil), good.evaluated...),
				proof:     good.proof,
			}
			tt.edit(&b)
			out, err := VerifyAndFinalize(tt.pk, b.inputs, b.blinds, b.blinded, b.evaluated, b.proof)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if out != nil {
				t.Fatal("outputs returned with an error")
			}
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("kind = %v", errs.KindOf(err))
			}
		})
	}
}

func TestBlindEvaluateRejects(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	good := newBatch(t, k, 2)
	tests := []struct {
		name    string
		blinded []Element
		want    error
	}{
		{"empty", nil, ErrBatch},
		{"too large", make([]Element, MaxBatch+1), ErrBatch},
		{"zero element", []Element{good.blinded[0], {}}, ErrElement},
	}
	if _, _, err := BlindEvaluateBatch(&PrivateKey{}, good.blinded, rand.Reader); !errors.Is(err, ErrScalar) {
		t.Errorf("zero key: err = %v", err)
	}
	if _, _, err := BlindEvaluateBatchWithNonce(k, good.blinded, Scalar{}); !errors.Is(err, ErrScalar) {
		t.Errorf("zero nonce: err = %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := BlindEvaluateBatch(k, tt.blinded, rand.Reader); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecodingRejects(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	pk, _ := k.Public().MarshalBinary()
	// ff…ff7f is 2^255 - 1 = p + 18: a field element that is not reduced.
	nonCanonical := bytes.Repeat([]byte{0xff}, 32)
	nonCanonical[31] = 0x7f
	negative := make([]byte, 32)
	negative[0] = 1  // s = 1 is odd, so "negative" in ristretto255's sense
	order := []byte{ // ℓ = 2^252 + 27742317777372353535851937790883648493, little endian
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	}

	elementTests := []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"public key", pk, true},
		{"identity", make([]byte, 32), false},
		{"short", pk[:31], false},
		{"long", append(append([]byte(nil), pk...), 0), false},
		{"non-canonical", nonCanonical, false},
		{"negative", negative, false},
	}
	for _, tt := range elementTests {
		var e Element
		if err := e.UnmarshalBinary(tt.in); (err == nil) != tt.ok {
			t.Errorf("element %s: err = %v", tt.name, err)
		}
	}

	var s Scalar
	if err := s.UnmarshalBinary(order); err == nil {
		t.Error("scalar equal to the group order accepted")
	}
	if err := s.UnmarshalBinary(make([]byte, 32)); err == nil {
		t.Error("zero scalar accepted")
	}
	var p Proof
	if err := p.UnmarshalBinary(append(append([]byte(nil), order...), make([]byte, 32)...)); err == nil {
		t.Error("proof with c = ℓ accepted")
	}
	if err := p.UnmarshalBinary(make([]byte, 63)); err == nil {
		t.Error("short proof accepted")
	}
	var priv PrivateKey
	if err := priv.UnmarshalBinary(make([]byte, 32)); err == nil {
		t.Error("zero private key accepted")
	}
}

func TestKeyMarshalRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustKey(t)
	b, _ := k.MarshalBinary()
	var k2 PrivateKey
	if err := k2.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !k2.Public().Equal(k.Public()) {
		t.Fatal("public key changed after a private key round trip")
	}
	pb, _ := k.Public().MarshalBinary()
	var pk PublicKey
	if err := pk.UnmarshalBinary(pb); err != nil || !pk.Equal(k.Public()) {
		t.Fatalf("public key round trip: %v", err)
	}
}

func TestInputTooLong(t *testing.T) {
	t.Parallel()
	if _, _, err := Blind(make([]byte, MaxInputSize+1), rand.Reader); !errors.Is(err, ErrInput) {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := Blind(make([]byte, MaxInputSize), rand.Reader); err != nil {
		t.Fatalf("longest input rejected: %v", err)
	}
}

func FuzzElementUnmarshal(f *testing.F) {
	k, _ := DeriveKeyPair([]byte("seed"), nil)
	pk, _ := k.Public().MarshalBinary()
	f.Add(pk)
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Element
		if e.UnmarshalBinary(data) != nil {
			return
		}
		out, _ := e.MarshalBinary()
		if !bytes.Equal(out, data) {
			t.Fatalf("accepted %x but re-encodes as %x", data, out)
		}
		// The cached encoding must be the element's own.
		if got := e.p.Encode(nil); !bytes.Equal(got, data) {
			t.Fatalf("cached encoding %x, element encodes as %x", data, got)
		}
	})
}

func FuzzProofUnmarshal(f *testing.F) {
	f.Add(make([]byte, 64))
	f.Add(bytes.Repeat([]byte{0xff}, 64))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Proof
		if p.UnmarshalBinary(data) != nil {
			return
		}
		out, _ := p.MarshalBinary()
		if !bytes.Equal(out, data) {
			t.Fatalf("accepted %x but re-encodes as %x", data, out)
		}
	})
}

func FuzzScalarUnmarshal(f *testing.F) {
	f.Add(make([]byte, 32))
	f.Add(bytes.Repeat([]byte{0x10}, 32))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Scalar
		if s.UnmarshalBinary(data) != nil {
			return
		}
		out, _ := s.MarshalBinary()
		if !bytes.Equal(out, data) {
			t.Fatalf("accepted %x but re-encodes as %x", data, out)
		}
	})
}
