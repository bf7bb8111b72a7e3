package oprf

import (
	"crypto/sha512"
	"io"

	"github.com/gtank/ristretto255"
)

// Blind maps input to the group and hides it under a fresh random blind
// (RFC 9497 §3.3.1). The blinded element goes to the platform; the blind
// stays with the caller until VerifyAndFinalize.
func Blind(input []byte, rand io.Reader) (blind Scalar, blinded Element, err error) {
	if err := randomScalar(rand, &blind.s); err != nil {
		return Scalar{}, Element{}, err
	}
	blinded, err = DeterministicBlind(input, blind)
	if err != nil {
		return Scalar{}, Element{}, err
	}
	return blind, blinded, nil
}

// DeterministicBlind is Blind with a caller-chosen blind, for test vectors.
// Reusing a blind across inputs links them; production code calls Blind.
func DeterministicBlind(input []byte, blind Scalar) (Element, error) {
	if len(input) > MaxInputSize {
		return Element{}, ErrInput
	}
	if isZero(&blind.s) {
		return Element{}, ErrScalar
	}
	var p ristretto255.Element
	hashToGroup(input, &p)
	// The identity has negligible probability but would make the blinded
	// element invalid; RFC 9497 calls it InvalidInputError.
	if p.Equal(ristretto255.NewElement()) == 1 {
		return Element{}, ErrInput
	}
	var out Element
	out.setPoint(p.ScalarMult(&blind.s, &p))
	return out, nil
}

// VerifyAndFinalize checks the platform's batched proof for the whole batch
// against pk (RFC 9497 §2.2.2 VerifyProof with ComputeComposites) and, only if
// it holds, unblinds each evaluation and hashes it with its input (§3.3.2
// Finalize). inputs, blinds, blinded and evaluated are parallel lists in the
// order the batch was sent. Each output is 64 bytes.
//
// A proof that does not verify returns ErrProof and no outputs: the answers
// may come from another key and must not be used.
func VerifyAndFinalize(pk PublicKey, inputs [][]byte, blinds []Scalar, blinded, evaluated []Element, proof Proof) ([][]byte, error) {
	n := len(inputs)
	if len(blinds) != n {
		return nil, ErrBatch
	}
	if err := validBatch(n, blinded, evaluated); err != nil {
		return nil, err
	}
	if !pk.e.valid() {
		return nil, ErrElement
	}
	for i := range inputs {
		if len(inputs[i]) > MaxInputSize {
			return nil, ErrInput
		}
		if isZero(&blinds[i].s) {
			return nil, ErrScalar
		}
	}
	if !verifyProof(&pk.e, blinded, evaluated, &proof) {
		return nil, ErrProof
	}

	inv := invertAll(blinds)
	outputs := make([][]byte, n)
	backing := make([]byte, n*OutputSize)
	buf := make([]byte, 0, 256)
	var p ristretto255.Element
	var enc [ElementSize]byte
	for i := range evaluated {
		p.ScalarMult(&inv[i], &evaluated[i].p)
		buf = appendLenPrefixed(buf[:0], inputs[i])
		buf = appendLenPrefixed(buf, p.Encode(enc[:0]))
		buf = append(buf, labelFinalize...)
		sum := sha512.Sum512(buf)
		outputs[i] = backing[i*OutputSize : (i+1)*OutputSize : (i+1)*OutputSize]
		copy(outputs[i], sum[:])
	}
	clear(inv)
	return outputs, nil
}

// verifyProof is RFC 9497 §2.2.2 VerifyProof with A the generator and B = pk.
func verifyProof(pk *Element, c, d []Element, proof *Proof) bool {
	weights := compositeWeights(pk, c, d)
	cp := make([]*ristretto255.Element, len(c))
	dp := make([]*ristretto255.Element, len(d))
	for i := range c {
		cp[i], dp[i] = &c[i].p, &d[i].p
	}
	m := varTimeMSM(weights, cp)
	z := varTimeMSM(weights, dp)

	// t2 = s·G + c·pk and t3 = s·M + c·Z; everything here is public.
	var t2, t3 ristretto255.Element
	t2.VarTimeDoubleScalarBaseMult(&proof.c, &pk.p, &proof.s)
	t3.VarTimeMultiScalarMult([]*ristretto255.Scalar{&proof.s, &proof.c}, []*ristretto255.Element{m, z})

	var expected ristretto255.Scalar
	challenge(pk, m, z, &t2, &t3, &expected)
	return expected.Equal(&proof.c) == 1
}

// invertAll returns 1/b for every blind with one scalar inversion and three
// multiplications per element (Montgomery's trick). Blinds are secret; the
// library's scalar multiplication and inversion are constant time.
func invertAll(blinds []Scalar) []ristretto255.Scalar {
	n := len(blinds)
	prefix := make([]ristretto255.Scalar, n)
	prefix[0] = blinds[0].s
	for i := 1; i < n; i++ {
		prefix[i].Multiply(&prefix[i-1], &blinds[i].s)
	}
	var acc ristretto255.Scalar
	acc.Invert(&prefix[n-1])
	for i := n - 1; i > 0; i-- {
		// prefix[i] becomes 1/b_i = acc · (b_0 ⋯ b_{i-1}); acc drops b_i.
		prefix[i].Multiply(&acc, &prefix[i-1])
		acc.Multiply(&acc, &blinds[i].s)
	}
	prefix[0] = acc
	return prefix
}
