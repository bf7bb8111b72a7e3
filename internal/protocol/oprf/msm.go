package oprf

import (
	"github.com/gtank/ristretto255"
)

// strausAdds is about what the library's own variable-time multi-scalar
// multiplication (Straus, one table per point) spends per point, counted in
// additions: 9 µs per point against 175 ns per addition in
// BenchmarkVarTimeMSM. Below that the bucket method is not worth it (batches
// of up to a few hundred elements).
const strausAdds = 48

// varTimeMSM returns Σ s[i]·p[i]. It runs in time that depends on the
// scalars and points, so both must be public: it is used only for the proof's
// composite elements, whose weights are hashes of public transcripts.
//
// For large batches it uses the bucket method (Pippenger): each scalar is cut
// into signed c-bit digits, every point is added into one bucket per window,
// and the buckets are summed with a running sum. That costs about
// ⌈254/c⌉·(n + 2^c) group additions instead of the ~50 per point of Straus,
// which at n = 4,096 more than halves the composite's cost. All group
// arithmetic is the library's Add, Subtract and Encode; this only schedules it.
func varTimeMSM(s []ristretto255.Scalar, p []*ristretto255.Element) *ristretto255.Element {
	n := len(s)
	c, adds := bucketWindow(n)
	if adds > strausAdds*n {
		sp := make([]*ristretto255.Scalar, n)
		for i := range s {
			sp[i] = &s[i]
		}
		return ristretto255.NewElement().VarTimeMultiScalarMult(sp, p)
	}
	return bucketMSM(s, p, c)
}

// bucketMSM is the bucket method with c-bit signed digits.
func bucketMSM(s []ristretto255.Scalar, p []*ristretto255.Element, c int) *ristretto255.Element {
	n := len(s)
	w := (254 + c - 1) / c // signed digits need one spare bit for the last carry
	digits := signedDigits(s, c, w)

	half := 1 << (c - 1)
	buckets := make([]ristretto255.Element, half)
	used := make([]bool, half)
	sum := ristretto255.NewElement()
	acc := ristretto255.NewElement()
	result := ristretto255.NewElement()

	for j := w - 1; j >= 0; j-- {
		// result = 2^c · result, by doubling through the library's addition.
		for range c {
			result.Add(result, result)
		}
		clear(used)
		for i := range n {
			d := digits[i*w+j]
			switch {
			case d > 0:
				b := int(d) - 1
				if used[b] {
					buckets[b].Add(&buckets[b], p[i])
				} else {
					buckets[b], used[b] = *p[i], true
				}
			case d < 0:
				b := int(-d) - 1
				if used[b] {
					buckets[b].Subtract(&buckets[b], p[i])
				} else {
					buckets[b].Negate(p[i])
					used[b] = true
				}
			}
		}
		// Σ_b (b+1)·bucket[b] as a running sum from the top bucket down.
		started := false
		for b := half - 1; b >= 0; b-- {
			if used[b] {
				if started {
					sum.Add(sum, &buckets[b])
				} else {
					*sum, started = buckets[b], true
				}
			}
			if started {
				acc.Add(acc, sum)
			}
		}
		if started {
			result.Add(result, acc)
		}
		sum.Zero()
		acc.Zero()
	}
	return result
}

// bucketWindow picks the digit width c that minimises the estimated number
// of additions ⌈254/c⌉·(n + 2^c) for n points, and returns that estimate.
func bucketWindow(n int) (c, adds int) {
	for w := 4; w <= 16; w++ {
		cost := (254 + w - 1) / w * (n + 1<<w)
		if c == 0 || cost < adds {
			c, adds = w, cost
		}
	}
	return c, adds
}

// signedDigits recodes each scalar into w digits in [-2^(c-1)+1, 2^(c-1)],
// base 2^c, little end first; digits[i*w+j] is digit j of scalar i.
func signedDigits(s []ristretto255.Scalar, c, w int) []int32 {
	digits := make([]int32, len(s)*w)
	mask := uint64(1)<<c - 1
	half := uint64(1) << (c - 1)
	var enc [ScalarSize + 8]byte // padding lets a window read past bit 255
	for i := range s {
		s[i].Encode(enc[:0])
		carry := uint64(0)
		for j := range w {
			bit := j * c
			// Read 64 bits starting at the byte holding bit; c ≤ 16 bits
			// fit after a shift of at most 7.
			var word uint64
			for k := 7; k >= 0; k-- {
				word = word<<8 | uint64(enc[bit/8+k])
			}
			v := (word>>(bit%8))&mask + carry
			if v > half {
				digits[i*w+j] = int32(v) - int32(1<<c)
				carry = 1
			} else {
				digits[i*w+j] = int32(v)
				carry = 0
			}
		}
	}
	return digits
}
