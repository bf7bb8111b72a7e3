package tokenindex_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"hulian/internal/node/tokenindex"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ordertoken"
)

// kernelCase is one benchmark population: a demander's and a supplier's
// exIDs, half of the demander's present at the supplier, and the order key
// both nodes derive.
type kernelCase struct {
	key      ordertoken.Key
	demander []exid.ExID
	supplier []exid.ExID
}

func newKernelCase(b *testing.B, n int) *kernelCase {
	b.Helper()
	sk, _ := ecdh.X25519().GenerateKey(rand.Reader)
	dk, _ := ecdh.X25519().GenerateKey(rand.Reader)
	key, err := ordertoken.Derive(sk, dk.PublicKey(), "ord_bench")
	if err != nil {
		b.Fatal(err)
	}
	var seed [32]byte
	r := mrand.New(mrand.NewChaCha8(seed))
	gen := func(n int) []exid.ExID {
		ids := make([]exid.ExID, n)
		for i := range ids {
			ids[i][0] = 1
			for j := 1; j < exid.Size; j++ {
				ids[i][j] = byte(r.Uint32())
			}
		}
		return ids
	}
	c := &kernelCase{key: key, supplier: gen(n), demander: gen(n)}
	for i := 0; i < n; i += 2 {
		c.demander[i] = c.supplier[(i*7)%n]
	}
	return c
}

// BenchmarkKernel is the collision kernel of a batch delivery (issue 7,
// Performance): the demander's tokens for n exIDs, the supplier's index of
// n tokens, and the probe of the demander's n tokens against it. Both
// implementations compute tokens with the same ordertoken.Tokens; impl=map
// keeps them in a pre-sized Go map instead of the index. The supplier's own
// tokens are computed outside the timed part (a node builds its index when
// an order becomes active, not per request); the supplier-tokens-ms metric
// reports what they cost.
//
// cpu-ms is the CPU time of the timed part, both CPUs together.
//
// n=10,000,000 runs only with HULIAN_KERNEL_10M=1: it needs about 1.5 GB
// and tens of seconds.
func BenchmarkKernel(b *testing.B) {
	sizes := []int{1_000_000}
	if os.Getenv("HULIAN_KERNEL_10M") != "" {
		sizes = append(sizes, 10_000_000)
	}
	for _, n := range sizes {
		c := newKernelCase(b, n)
		supplierTokens := make([]ordertoken.Token, n)
		start := time.Now()
		c.key.Tokens(c.supplier, supplierTokens)
		supplierMS := float64(time.Since(start).Microseconds()) / 1e3
		demanderTokens := make([]ordertoken.Token, n)

		for _, impl := range []string{"index", "map"} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", impl, n), func(b *testing.B) {
				var tokensD, buildD, probeD, cpuD time.Duration
				var matched int
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					runtime.GC() // the previous iteration's index or map is garbage
					b.StartTimer()
					c0 := cpuTime()
					t0 := time.Now()
					c.key.Tokens(c.demander, demanderTokens)
					t1 := time.Now()
					var probe func([]ordertoken.Token) int
					release := func() {}
					if impl == "index" {
						ix, err := tokenindex.Build(supplierTokens, nil)
						if err != nil {
							b.Fatal(err)
						}
						probe = func(q []ordertoken.Token) int { return len(ix.Join(q)) }
						release = ix.Release
					} else {
						m := make(map[ordertoken.Token]uint32, n)
						for k, t := range supplierTokens {
							m[t] = uint32(k)
						}
						probe = func(q []ordertoken.Token) int {
							var hits []tokenindex.Hit
							for k, t := range q {
								if ref, ok := m[t]; ok {
									hits = append(hits, tokenindex.Hit{Query: uint32(k), Ref: ref})
								}
							}
							return len(hits)
						}
					}
					t2 := time.Now()
					matched = probe(demanderTokens)
					t3 := time.Now()
					cpuD += cpuTime() - c0
					b.StopTimer()
					release()
					b.StartTimer()
					tokensD += t1.Sub(t0)
					buildD += t2.Sub(t1)
					probeD += t3.Sub(t2)
				}
				if matched != n/2 {
					b.Fatalf("matched %d of %d, want %d", matched, n, n/2)
				}
				per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 / float64(b.N) }
				b.ReportMetric(per(tokensD), "tokens-ms")
				b.ReportMetric(per(buildD), "build-ms")
				b.ReportMetric(per(probeD), "probe-ms")
				b.ReportMetric(supplierMS, "supplier-tokens-ms")
				b.ReportMetric(per(cpuD), "cpu-ms")
			})
		}
	}
}

// BenchmarkProbe is the real-time case: 1,000 tokens against an index of
// one million.
func BenchmarkProbe(b *testing.B) {
	c := newKernelCase(b, 1_000_000)
	tokens := make([]ordertoken.Token, len(c.supplier))
	c.key.Tokens(c.supplier, tokens)
	ix, err := tokenindex.Build(tokens, nil)
	if err != nil {
		b.Fatal(err)
	}
	q := make([]ordertoken.Token, 1000)
	c.key.Tokens(c.demander[:1000], q)
	hits := make([]tokenindex.Hit, 0, 1000)
	for b.Loop() {
		hits = ix.Probe(q, hits[:0])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(q)), "ns/token")
}

// BenchmarkJoinChunks is a batch delivery's supplier side: a list as
// large as the index, joined in chunks of 262,144 tokens as a file query
// sends them (10 million with HULIAN_KERNEL_10M=1, n with
// HULIAN_KERNEL_N=n). "every" reads every partition ahead of its lookups,
// the baseline; "dense" only those with lookups enough to use it.
func BenchmarkJoinChunks(b *testing.B) {
	n := 1_000_000
	if os.Getenv("HULIAN_KERNEL_10M") != "" {
		n = 10_000_000
	}
	if v, err := strconv.Atoi(os.Getenv("HULIAN_KERNEL_N")); err == nil && v > 0 {
		n = v
	}
	c := newKernelCase(b, n)
	tokens := make([]ordertoken.Token, n)
	c.key.Tokens(c.supplier, tokens)
	ix, err := tokenindex.Build(tokens, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Release()
	c.key.Tokens(c.demander, tokens)
	const chunk = 1 << 18
	for _, mode := range []struct {
		name    string
		density int
	}{{"every", math.MaxInt32}, {"dense", 0}} {
		b.Run(mode.name, func(b *testing.B) {
			if mode.density > 0 {
				old := tokenindex.SetWarmDensity(mode.density)
				defer tokenindex.SetWarmDensity(old)
			}
			for b.Loop() {
				matched := 0
				for lo := 0; lo < n; lo += chunk {
					matched += len(ix.Join(tokens[lo:min(lo+chunk, n)]))
				}
				if matched != n/2 {
					b.Fatalf("matched %d of %d, want %d", matched, n, n/2)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/token")
		})
	}
}
