//go:build linux

package oprf

import (
	"crypto/rand"
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	circl "github.com/cloudflare/circl/oprf"
	"golang.org/x/sys/unix"
)

// threadCPU is the CPU time the calling OS thread has used. Counting CPU
// time rather than wall time keeps the per-core comparison honest on a
// machine that other work is also using.
func threadCPU(b *testing.B) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

// cpuPair runs ours and theirs alternately on one locked OS thread and
// reports each one's CPU time per element and the ratio. The garbage
// collector is off while it runs: its background work would land on other
// threads, and circl allocates more, so leaving it out favours circl.
func cpuPair(b *testing.B, n int, ours, theirs func() error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var tOurs, tTheirs time.Duration
	for b.Loop() {
		runtime.GC()
		t0 := threadCPU(b)
		if err := ours(); err != nil {
			b.Fatal(err)
		}
		t1 := threadCPU(b)
		if err := theirs(); err != nil {
			b.Fatal(err)
		}
		tOurs, tTheirs = tOurs+t1-t0, tTheirs+threadCPU(b)-t1
	}
	b.ReportMetric(float64(tOurs.Nanoseconds())/float64(b.N*n), "hulian-cpu-ns/element")
	b.ReportMetric(float64(tTheirs.Nanoseconds())/float64(b.N*n), "circl-cpu-ns/element")
	b.ReportMetric(float64(tTheirs)/float64(tOurs), "speedup")
}

// BenchmarkBlindEvaluateBatchCPU is the platform's evaluation with its proof,
// against circl's VerifiableServer.Evaluate, in CPU time of one thread.
func BenchmarkBlindEvaluateBatchCPU(b *testing.B) {
	for _, n := range []int{256, 4096, 10000} {
		sb := newServerBench(b, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			cpuPair(b, n, func() error {
				_, _, err := BlindEvaluateBatch(sb.k, sb.blinded, rand.Reader)
				return err
			}, func() error {
				_, err := sb.server.Evaluate(sb.req)
				return err
			})
		})
	}
}

// BenchmarkClientCPU is the member's side per element in CPU time: Blind
// against circl's VerifiableClient.Blind, and VerifyAndFinalize against
// circl's VerifiableClient.Finalize, on batches of 4,096.
func BenchmarkClientCPU(b *testing.B) {
	const n = 4096
	k, err := GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	ck := circlKey(b, k)
	client := circl.NewVerifiableClient(circlSuite, ck.Public())
	inputs := testInputs(n)

	b.Run(fmt.Sprintf("op=blind/n=%d", n), func(b *testing.B) {
		cpuPair(b, n, func() error {
			for _, in := range inputs {
				if _, _, err := Blind(in, rand.Reader); err != nil {
					return err
				}
			}
			return nil
		}, func() error {
			_, _, err := client.Blind(inputs)
			return err
		})
	})

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
	fin, req, err := client.Blind(inputs)
	if err != nil {
		b.Fatal(err)
	}
	ev, err := circl.NewVerifiableServer(circlSuite, ck).Evaluate(req)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("op=verify-finalize/n=%d", n), func(b *testing.B) {
		cpuPair(b, n, func() error {
			_, err := VerifyAndFinalize(k.Public(), inputs, blinds, blinded, evaluated, proof)
			return err
		}, func() error {
			_, err := client.Finalize(fin, ev)
			return err
		})
	})
}
