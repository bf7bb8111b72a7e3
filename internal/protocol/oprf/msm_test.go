package oprf

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/gtank/ristretto255"
)

func randomPoints(t testing.TB, n int) ([]ristretto255.Scalar, []*ristretto255.Element) {
	t.Helper()
	s := make([]ristretto255.Scalar, n)
	p := make([]*ristretto255.Element, n)
	var buf [64]byte
	for i := range n {
		rand.Read(buf[:])
		s[i].FromUniformBytes(buf[:])
		rand.Read(buf[:])
		p[i] = ristretto255.NewElement().FromUniformBytes(buf[:])
	}
	return s, p
}

// TestVarTimeMSM checks the bucket method against the library's own
// multi-scalar multiplication, including scalars whose digits carry into the
// top window and repeated points that land in one bucket.
func TestVarTimeMSM(t *testing.T) {
	for _, n := range []int{1, 2, 64, 300, 1000, 4096} {
		if _, adds := bucketWindow(n); n >= 1000 && adds > strausAdds*n {
			t.Errorf("n=%d would not use the bucket method", n)
		}
	}
	t.Parallel()
	for _, n := range []int{1, 2, 64, 300, 1000, 4096} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			t.Parallel()
			s, p := randomPoints(t, n)
			if n > 3 {
				// Order-1 and all-ones-ish scalars exercise the carries.
				var minusOne ristretto255.Scalar
				minusOne.Subtract(ristretto255.NewScalar(), scalarOne())
				s[0] = minusOne
				s[1] = *ristretto255.NewScalar()
				p[2] = p[3]
			}
			sp := make([]*ristretto255.Scalar, n)
			for i := range s {
				sp[i] = &s[i]
			}
			want := ristretto255.NewElement().VarTimeMultiScalarMult(sp, p)
			got := varTimeMSM(s, p)
			if got.Equal(want) != 1 {
				t.Fatalf("varTimeMSM differs from the library for n=%d", n)
			}
			for _, c := range []int{4, 7, 16} {
				if bucketMSM(s, p, c).Equal(want) != 1 {
					t.Fatalf("bucketMSM with c=%d differs from the library for n=%d", c, n)
				}
			}
		})
	}
}

func scalarOne() *ristretto255.Scalar {
	var b [32]byte
	b[0] = 1
	var s ristretto255.Scalar
	if err := s.Decode(b[:]); err != nil {
		panic(err)
	}
	return &s
}

func TestSignedDigits(t *testing.T) {
	t.Parallel()
	s, _ := randomPoints(t, 50)
	for c := 4; c <= 16; c++ {
		w := (254 + c - 1) / c
		digits := signedDigits(s, c, w)
		for i := range s {
			// Σ d_j·2^(cj) must give the scalar back.
			acc := ristretto255.NewScalar()
			for j := w - 1; j >= 0; j-- {
				for range c {
					acc.Add(acc, acc)
				}
				d := digits[i*w+j]
				if d < -(1<<(c-1))+1 || d > 1<<(c-1) {
					t.Fatalf("c=%d digit %d out of range", c, d)
				}
				term := smallScalar(d)
				acc.Add(acc, term)
			}
			if acc.Equal(&s[i]) != 1 {
				t.Fatalf("c=%d: digits of scalar %d do not recompose", c, i)
			}
		}
	}
}

func smallScalar(d int32) *ristretto255.Scalar {
	neg := d < 0
	if neg {
		d = -d
	}
	var b [32]byte
	b[0], b[1] = byte(d), byte(d>>8)
	var s ristretto255.Scalar
	if err := s.Decode(b[:]); err != nil {
		panic(err)
	}
	if neg {
		s.Negate(&s)
	}
	return &s
}

// BenchmarkVarTimeMSM compares the bucket method with the library's Straus
// multi-scalar multiplication; strausAdds comes from here.
func BenchmarkVarTimeMSM(b *testing.B) {
	for _, n := range []int{128, 256, 512, 1024, 4096} {
		s, p := randomPoints(b, n)
		sp := make([]*ristretto255.Scalar, n)
		for i := range s {
			sp[i] = &s[i]
		}
		b.Run(fmt.Sprintf("library/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				ristretto255.NewElement().VarTimeMultiScalarMult(sp, p)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/element")
		})
		b.Run(fmt.Sprintf("buckets/n=%d", n), func(b *testing.B) {
			c, _ := bucketWindow(n)
			for b.Loop() {
				bucketMSM(s, p, c)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/element")
		})
	}
}
