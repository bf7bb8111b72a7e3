package oprf

import (
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	circl "github.com/cloudflare/circl/oprf"
)

// The benchmarks run on the calling goroutine only, so their figures are per
// core whatever GOMAXPROCS is. ns/element divides by the batch size.

var benchSizes = []int{1, 256, 4096, 10000}

func perElement(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/element")
}

type serverBench struct {
	k       *PrivateKey
	blinded []Element
	server  circl.VerifiableServer
	req     *circl.EvaluationRequest
}

func newServerBench(b *testing.B, n int) serverBench {
	b.Helper()
	k, err := GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	ck := circlKey(b, k)
	client := circl.NewVerifiableClient(circlSuite, ck.Public())
	_, req, err := client.Blind(testInputs(n))
	if err != nil {
		b.Fatal(err)
	}
	blinded := make([]Element, n)
	for i, e := range req.Elements {
		enc, _ := e.MarshalBinaryCompress()
		if err := blinded[i].UnmarshalBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
	return serverBench{k: k, blinded: blinded, server: circl.NewVerifiableServer(circlSuite, ck), req: req}
}

// BenchmarkBlindEvaluateBatch measures the platform's evaluation with its
// batched proof, this package against circl's VerifiableServer.Evaluate on
// the same blinded elements. Both start from decoded elements.
func BenchmarkBlindEvaluateBatch(b *testing.B) {
	for _, n := range benchSizes {
		sb := newServerBench(b, n)
		b.Run(fmt.Sprintf("n=%d/impl=hulian", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := BlindEvaluateBatch(sb.k, sb.blinded, rand.Reader); err != nil {
					b.Fatal(err)
				}
			}
			perElement(b, n)
		})
		b.Run(fmt.Sprintf("n=%d/impl=circl", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := sb.server.Evaluate(sb.req); err != nil {
					b.Fatal(err)
				}
			}
			perElement(b, n)
		})
	}
}

// BenchmarkBlindEvaluateBatchRatio alternates the two implementations inside
// each iteration, so that load from other processes hits both alike, and
// reports how many times circl's time per batch ours is.
func BenchmarkBlindEvaluateBatchRatio(b *testing.B) {
	const n = 4096
	sb := newServerBench(b, n)
	b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
		var ours, theirs time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, _, err := BlindEvaluateBatch(sb.k, sb.blinded, rand.Reader); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if _, err := sb.server.Evaluate(sb.req); err != nil {
				b.Fatal(err)
			}
			ours, theirs = ours+t1.Sub(t0), theirs+time.Since(t1)
		}
		b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N*n), "hulian-ns/element")
		b.ReportMetric(float64(theirs.Nanoseconds())/float64(b.N*n), "circl-ns/element")
		b.ReportMetric(float64(theirs)/float64(ours), "speedup")
	})
}

// BenchmarkBlind measures the member's blinding of one input.
func BenchmarkBlind(b *testing.B) {
	input := testInputs(1)[0]
	b.Run("impl=hulian", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := Blind(input, rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
		perElement(b, 1)
	})
	b.Run("impl=circl", func(b *testing.B) {
		ck, _ := circl.GenerateKey(circlSuite, rand.Reader)
		client := circl.NewVerifiableClient(circlSuite, ck.Public())
		inputs := [][]byte{input}
		for b.Loop() {
			if _, _, err := client.Blind(inputs); err != nil {
				b.Fatal(err)
			}
		}
		perElement(b, 1)
	})
}

// BenchmarkVerifyAndFinalize measures the member's proof check and
// unblinding per element, against circl's VerifiableClient.Finalize.
func BenchmarkVerifyAndFinalize(b *testing.B) {
	for _, n := range benchSizes {
		k, err := GenerateKey(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		inputs := testInputs(n)
		blinds := make([]Scalar, n)
		blinded := make([]Element, n)
		for i, in := range inputs {
			if blinds[i], blinded[i], err = Blind(in, rand.Reader); err != nil {
				b.Fatal(err)
			}
		}
		evaluated, proof, err := BlindEvaluateBatch(k, blinded, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d/impl=hulian", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := VerifyAndFinalize(k.Public(), inputs, blinds, blinded, evaluated, proof); err != nil {
					b.Fatal(err)
				}
			}
			perElement(b, n)
		})

		ck := circlKey(b, k)
		client := circl.NewVerifiableClient(circlSuite, ck.Public())
		fin, req, err := client.Blind(inputs)
		if err != nil {
			b.Fatal(err)
		}
		ev, err := circl.NewVerifiableServer(circlSuite, ck).Evaluate(req)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("n=%d/impl=circl", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := client.Finalize(fin, ev); err != nil {
					b.Fatal(err)
				}
			}
			perElement(b, n)
		})
	}
}
