// Package oprf implements the verifiable oblivious pseudorandom function of
// RFC 9497 in VOPRF mode (0x01) with the suite ristretto255-SHA512, the
// irreversible step of exID issuance.
//
// The platform holds a PrivateKey per epoch and answers a batch of blinded
// elements with BlindEvaluateBatch: one evaluation per element and a single
// batched DLEQ proof. A member blinds each canonical input with Blind, sends
// the blinded elements, and checks the proof and unblinds with
// VerifyAndFinalize. The platform learns nothing about the inputs; the member
// cannot compute outputs without the platform, and the proof binds every
// answer to the published public key.
//
// All group arithmetic comes from github.com/gtank/ristretto255. Operations
// on secrets (the private key, the blinds) use its constant-time scalar
// multiplication; only the proof's composite elements and its verification,
// whose scalars and points are all public, run in variable time.
package oprf

import (
	"crypto"
	"crypto/sha512"
	"encoding/binary"
	"io"

	// circl's expander is the RFC 9380 expand_message_xmd the suite needs;
	// gtank/ristretto255 and the standard library do not provide one, and
	// circl is already the reference this package is tested against.
	"github.com/cloudflare/circl/expander"
	"github.com/gtank/ristretto255"

	"hulian/internal/errs"
)

// Sizes of the wire encodings (RFC 9497 §4.1: Ne = Ns = 32, Nh = 64).
const (
	ElementSize = 32
	ScalarSize  = 32
	ProofSize   = 2 * ScalarSize
	OutputSize  = sha512.Size
	// MaxBatch is the largest batch one proof can cover: the composite
	// transcript encodes the element index in two bytes.
	MaxBatch = 1<<16 - 1
	// MaxInputSize is the longest input Finalize can encode (two-byte length).
	MaxInputSize = 1<<16 - 1
)

// contextString is "OPRFV1-" ‖ I2OSP(mode, 1) ‖ "-" ‖ identifier
// (RFC 9497 §3.1) for mode 0x01 and ristretto255-SHA512.
const contextString = "OPRFV1-\x01-ristretto255-SHA512"

// Domain separation tags and labels, RFC 9497 §2.2, §3.2.1, §3.3.2 and §4.1.
const (
	dstHashToGroup  = "HashToGroup-" + contextString
	dstHashToScalar = "HashToScalar-" + contextString
	dstDeriveKey    = "DeriveKeyPair" + contextString
	dstSeed         = "Seed-" + contextString
	labelComposite  = "Composite"
	labelChallenge  = "Challenge"
	labelFinalize   = "Finalize"
)

var (
	h2gExpander = expander.NewExpanderMD(crypto.SHA512, []byte(dstHashToGroup))
	h2sExpander = expander.NewExpanderMD(crypto.SHA512, []byte(dstHashToScalar))
	dkpExpander = expander.NewExpanderMD(crypto.SHA512, []byte(dstDeriveKey))
)

// Errors. Each names what is wrong so that a member's operator can act on it.
var (
	ErrElement = errs.Invalidf("element",
		"群元素编码无效（须为 32 字节规范的 ristretto255 编码，且不得为单位元）",
		"invalid group element (must be a 32-byte canonical ristretto255 encoding other than the identity)")
	ErrScalar = errs.Invalidf("scalar",
		"标量编码无效（须为 32 字节小端且小于群阶，且不得为零）",
		"invalid scalar (must be 32 bytes little-endian, below the group order, and non-zero)")
	ErrProofEncoding = errs.Invalidf("proof",
		"证明编码无效（须为 64 字节：c ‖ s，各为规范标量）",
		"invalid proof encoding (must be 64 bytes: c ‖ s, each a canonical scalar)")
	ErrProof = errs.Invalidf("proof",
		"平台的批量证明未通过验证：应答不是用已公布的本期公钥计算的，结果已丢弃",
		"the platform's batch proof does not verify: the answers were not computed with the published key for this epoch; results discarded")
	ErrBatch = errs.Invalidf("batch",
		"批量大小无效（须为 1 至 65535 个元素，且各列表长度一致）",
		"invalid batch (1 to 65535 elements, all lists of the same length)")
	ErrInput = errs.Invalidf("input",
		"输入过长（最多 65535 字节）",
		"input too long (at most 65535 bytes)")
	ErrDeriveKey = errs.Invalidf("seed",
		"无法由该种子派生密钥",
		"no key can be derived from this seed")
)

// Element is a ristretto255 group element together with its canonical
// encoding. Keeping the encoding spares the proof, which hashes every element,
// one costly re-encoding per element. The zero Element is invalid.
type Element struct {
	p   ristretto255.Element
	enc [ElementSize]byte
}

// setPoint fixes e to p and computes its encoding.
func (e *Element) setPoint(p *ristretto255.Element) {
	e.p = *p
	p.Encode(e.enc[:0])
}

// valid reports whether e was made by this package and is not the identity;
// the identity encodes as 32 zero bytes, as does the zero Element.
func (e *Element) valid() bool { return e.enc != [ElementSize]byte{} }

// UnmarshalBinary sets e from a canonical encoding. It rejects non-canonical
// encodings and the identity element (RFC 9497 §2.1 DeserializeElement).
func (e *Element) UnmarshalBinary(data []byte) error {
	if len(data) != ElementSize {
		return ErrElement
	}
	var p ristretto255.Element
	if err := p.Decode(data); err != nil {
		return ErrElement
	}
	var enc [ElementSize]byte
	copy(enc[:], data)
	if enc == [ElementSize]byte{} {
		return ErrElement
	}
	e.p, e.enc = p, enc
	return nil
}

// MarshalBinary returns the 32-byte canonical encoding.
func (e Element) MarshalBinary() ([]byte, error) { return e.AppendBinary(nil) }

// AppendBinary appends the 32-byte canonical encoding to b.
func (e Element) AppendBinary(b []byte) ([]byte, error) { return append(b, e.enc[:]...), nil }

// Equal reports whether e and f are the same element.
func (e Element) Equal(f Element) bool { return e.enc == f.enc }

// Scalar is an integer modulo the ristretto255 group order. Blinds are
// scalars and are secret: keep them only as long as a batch is in flight.
type Scalar struct {
	s ristretto255.Scalar
}

// UnmarshalBinary sets s from a canonical 32-byte little-endian encoding,
// rejecting values at or above the group order and zero.
func (s *Scalar) UnmarshalBinary(data []byte) error {
	var v ristretto255.Scalar
	if err := decodeScalar(&v, data); err != nil {
		return ErrScalar
	}
	if v.Equal(ristretto255.NewScalar()) == 1 {
		return ErrScalar
	}
	s.s = v
	return nil
}

// MarshalBinary returns the 32-byte little-endian encoding.
func (s Scalar) MarshalBinary() ([]byte, error) { return s.s.Encode(nil), nil }

func decodeScalar(v *ristretto255.Scalar, data []byte) error {
	// The library panics on a wrong length instead of returning an error.
	if len(data) != ScalarSize {
		return ErrScalar
	}
	return v.Decode(data)
}

// isZero reports in constant time whether s is zero.
func isZero(s *ristretto255.Scalar) bool { return s.Equal(ristretto255.NewScalar()) == 1 }

// Proof is a batched DLEQ proof (RFC 9497 §2.2): c ‖ s.
type Proof struct {
	c, s ristretto255.Scalar
}

// UnmarshalBinary sets p from its 64-byte encoding.
func (p *Proof) UnmarshalBinary(data []byte) error {
	if len(data) != ProofSize {
		return ErrProofEncoding
	}
	var c, s ristretto255.Scalar
	if decodeScalar(&c, data[:ScalarSize]) != nil || decodeScalar(&s, data[ScalarSize:]) != nil {
		return ErrProofEncoding
	}
	p.c, p.s = c, s
	return nil
}

// MarshalBinary returns the 64-byte encoding c ‖ s.
func (p Proof) MarshalBinary() ([]byte, error) { return p.AppendBinary(nil) }

// AppendBinary appends the 64-byte encoding c ‖ s to b.
func (p Proof) AppendBinary(b []byte) ([]byte, error) {
	return p.s.Encode(p.c.Encode(b)), nil
}

// randomScalar draws a uniform non-zero scalar: 64 bytes reduced modulo the
// order keep the bias below 2^-250.
func randomScalar(rand io.Reader, s *ristretto255.Scalar) error {
	var buf [64]byte
	for {
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return &errs.Error{Kind: errs.Internal, Err: err}
		}
		s.FromUniformBytes(buf[:])
		if !isZero(s) {
			return nil
		}
	}
}

// hashToGroup is RFC 9497 §4.1 HashToGroup: expand_message_xmd with SHA-512
// to 64 bytes, then the ristretto255 element derivation of RFC 9496 §4.3.4.
func hashToGroup(input []byte, out *ristretto255.Element) {
	out.FromUniformBytes(h2gExpander.Expand(input, 64))
}

// hashToScalar is RFC 9497 §4.1 HashToScalar with the default DST.
func hashToScalar(msg []byte, out *ristretto255.Scalar) {
	out.FromUniformBytes(h2sExpander.Expand(msg, 64))
}

// appendLenPrefixed appends I2OSP(len(b), 2) ‖ b.
func appendLenPrefixed(dst, b []byte) []byte {
	return append(binary.BigEndian.AppendUint16(dst, uint16(len(b))), b...)
}

// compositeSeed is the seed of ComputeComposites (RFC 9497 §2.2.1):
// Hash(I2OSP(len(Bm), 2) ‖ Bm ‖ I2OSP(len(seedDST), 2) ‖ seedDST).
func compositeSeed(pk *Element) [sha512.Size]byte {
	buf := make([]byte, 0, 2+ElementSize+2+len(dstSeed))
	buf = appendLenPrefixed(buf, pk.enc[:])
	buf = appendLenPrefixed(buf, []byte(dstSeed))
	return sha512.Sum512(buf)
}

// compositeWeights computes the weights d_i of ComputeComposites:
// d_i = HashToScalar(I2OSP(len(seed), 2) ‖ seed ‖ I2OSP(i, 2) ‖
// I2OSP(len(Ci), 2) ‖ Ci ‖ I2OSP(len(Di), 2) ‖ Di ‖ "Composite").
func compositeWeights(pk *Element, c, d []Element) []ristretto255.Scalar {
	seed := compositeSeed(pk)
	w := make([]ristretto255.Scalar, len(c))
	buf := make([]byte, 0, 2+len(seed)+2+2*(2+ElementSize)+len(labelComposite))
	buf = appendLenPrefixed(buf, seed[:])
	prefix := len(buf)
	for i := range c {
		buf = binary.BigEndian.AppendUint16(buf[:prefix], uint16(i))
		buf = appendLenPrefixed(buf, c[i].enc[:])
		buf = appendLenPrefixed(buf, d[i].enc[:])
		buf = append(buf, labelComposite...)
		hashToScalar(buf, &w[i])
	}
	return w
}

// challenge computes c = HashToScalar(I2OSP(len(Bm), 2) ‖ Bm ‖ … ‖ a3 ‖
// "Challenge") over pk, M, Z, t2 and t3 (RFC 9497 §2.2.1 and §2.2.2).
func challenge(pk *Element, m, z, t2, t3 *ristretto255.Element, out *ristretto255.Scalar) {
	buf := make([]byte, 0, 5*(2+ElementSize)+len(labelChallenge))
	buf = appendLenPrefixed(buf, pk.enc[:])
	var enc [ElementSize]byte
	for _, e := range []*ristretto255.Element{m, z, t2, t3} {
		buf = appendLenPrefixed(buf, e.Encode(enc[:0]))
	}
	buf = append(buf, labelChallenge...)
	hashToScalar(buf, out)
}

// validBatch checks the shape every batch operation needs.
func validBatch(n int, elems ...[]Element) error {
	if n < 1 || n > MaxBatch {
		return ErrBatch
	}
	for _, es := range elems {
		if len(es) != n {
			return ErrBatch
		}
		for i := range es {
			if !es[i].valid() {
				return ErrElement
			}
		}
	}
	return nil
}
