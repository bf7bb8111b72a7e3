package oprf

import (
	"io"

	"github.com/gtank/ristretto255"
)

// PrivateKey is the platform's evaluation key for one epoch.
type PrivateKey struct {
	k   ristretto255.Scalar
	pub PublicKey
}

// PublicKey is the published key members verify proofs against.
type PublicKey struct {
	e Element
}

// GenerateKey makes a fresh key from rand (crypto/rand.Reader in production).
func GenerateKey(rand io.Reader) (*PrivateKey, error) {
	var k PrivateKey
	if err := randomScalar(rand, &k.k); err != nil {
		return nil, err
	}
	k.setPublic()
	return &k, nil
}

// DeriveKeyPair derives a key deterministically from a seed and info string
// (RFC 9497 §3.2.1). The platform generates its keys at random; this exists
// for test vectors and for operators who keep keys as seeds.
func DeriveKeyPair(seed, info []byte) (*PrivateKey, error) {
	if len(info) > MaxInputSize {
		return nil, ErrInput
	}
	in := make([]byte, 0, len(seed)+2+len(info)+1)
	in = append(in, seed...)
	in = appendLenPrefixed(in, info)
	var k PrivateKey
	for counter := range 256 {
		msg := append(in, byte(counter))
		k.k.FromUniformBytes(dkpExpander.Expand(msg, 64))
		if !isZero(&k.k) {
			k.setPublic()
			return &k, nil
		}
	}
	return nil, ErrDeriveKey
}

func (k *PrivateKey) setPublic() {
	var p ristretto255.Element
	k.pub.e.setPoint(p.ScalarBaseMult(&k.k))
}

// Public returns the public key.
func (k *PrivateKey) Public() PublicKey { return k.pub }

// MarshalBinary returns the 32-byte scalar. Store it only encrypted.
func (k *PrivateKey) MarshalBinary() ([]byte, error) { return k.k.Encode(nil), nil }

// UnmarshalBinary sets k from a 32-byte scalar and recomputes the public key.
func (k *PrivateKey) UnmarshalBinary(data []byte) error {
	var s Scalar
	if err := s.UnmarshalBinary(data); err != nil {
		return err
	}
	k.k = s.s
	k.setPublic()
	return nil
}

// MarshalBinary returns the 32-byte element encoding.
func (pk PublicKey) MarshalBinary() ([]byte, error) { return pk.e.MarshalBinary() }

// UnmarshalBinary sets pk from a 32-byte element encoding.
func (pk *PublicKey) UnmarshalBinary(data []byte) error { return pk.e.UnmarshalBinary(data) }

// Equal reports whether pk and other are the same key.
func (pk PublicKey) Equal(other PublicKey) bool { return pk.e.Equal(other.e) }

// BlindEvaluateBatch evaluates every blinded element with k and proves, with
// one batched DLEQ proof, that all evaluations used the key behind k.Public()
// (RFC 9497 §3.3.2 BlindEvaluate, extended to a batch as §2.2.1 allows).
//
// It runs on one goroutine: the platform gets parallelism from serving many
// requests at once, and a request's cost stays predictable for rate limits.
func BlindEvaluateBatch(k *PrivateKey, blinded []Element, rand io.Reader) ([]Element, Proof, error) {
	var r ristretto255.Scalar
	if err := randomScalar(rand, &r); err != nil {
		return nil, Proof{}, err
	}
	return blindEvaluateBatch(k, blinded, &r)
}

// BlindEvaluateBatchWithNonce is BlindEvaluateBatch with the proof's random
// scalar given by the caller. It exists for test vectors: a nonce used twice
// with the same key and different batches reveals the key.
func BlindEvaluateBatchWithNonce(k *PrivateKey, blinded []Element, nonce Scalar) ([]Element, Proof, error) {
	// With a zero nonce, s = -c·k would publish the key.
	if isZero(&nonce.s) {
		return nil, Proof{}, ErrScalar
	}
	return blindEvaluateBatch(k, blinded, &nonce.s)
}

func blindEvaluateBatch(k *PrivateKey, blinded []Element, r *ristretto255.Scalar) ([]Element, Proof, error) {
	if k == nil || !k.pub.e.valid() {
		return nil, Proof{}, ErrScalar
	}
	if err := validBatch(len(blinded), blinded); err != nil {
		return nil, Proof{}, err
	}
	// One constant-time scalar multiplication per element.
	evaluated := make([]Element, len(blinded))
	var p ristretto255.Element
	for i := range blinded {
		evaluated[i].setPoint(p.ScalarMult(&k.k, &blinded[i].p))
	}
	proof := generateProof(k, blinded, evaluated, r)
	return evaluated, proof, nil
}

// generateProof is RFC 9497 §2.2.1 GenerateProof with ComputeCompositesFast:
// the server knows k, so Z = k·M costs one scalar multiplication instead of a
// second composite over the evaluations.
func generateProof(k *PrivateKey, c, d []Element, r *ristretto255.Scalar) Proof {
	weights := compositeWeights(&k.pub.e, c, d)
	points := make([]*ristretto255.Element, len(c))
	for i := range c {
		points[i] = &c[i].p
	}
	m := varTimeMSM(weights, points)
	var z, t2, t3 ristretto255.Element
	z.ScalarMult(&k.k, m)
	t2.ScalarBaseMult(r)
	t3.ScalarMult(r, m)

	var proof Proof
	challenge(&k.pub.e, m, &z, &t2, &t3, &proof.c)
	// s = r - c·k
	proof.s.Multiply(&proof.c, &k.k)
	proof.s.Subtract(r, &proof.s)
	return proof
}
