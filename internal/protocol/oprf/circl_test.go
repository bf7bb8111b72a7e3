package oprf

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"

	circl "github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
)

// The interoperability tests run circl's VOPRF (the reference named in the
// issue) against this package in both directions, on batches.

var circlSuite = circl.SuiteRistretto255

func testInputs(n int) [][]byte {
	inputs := make([][]byte, n)
	for i := range inputs {
		inputs[i] = fmt.Appendf(nil, "mobile\x00+861380013%04d", i)
	}
	return inputs
}

// circlKey converts our key to circl's through the 32-byte encoding.
func circlKey(t testing.TB, k *PrivateKey) *circl.PrivateKey {
	t.Helper()
	b, _ := k.MarshalBinary()
	ck := new(circl.PrivateKey)
	if err := ck.UnmarshalBinary(circlSuite, b); err != nil {
		t.Fatalf("circl UnmarshalBinary: %v", err)
	}
	return ck
}

func TestCirclClientOurServer(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 17, 600} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			t.Parallel()
			k, err := GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			ck := circlKey(t, k)
			client := circl.NewVerifiableClient(circlSuite, ck.Public())
			inputs := testInputs(n)
			fin, req, err := client.Blind(inputs)
			if err != nil {
				t.Fatal(err)
			}

			blinded := make([]Element, n)
			for i, e := range req.Elements {
				b, _ := e.MarshalBinaryCompress()
				if err := blinded[i].UnmarshalBinary(b); err != nil {
					t.Fatalf("our UnmarshalBinary of circl's element %d: %v", i, err)
				}
			}
			evaluated, proof, err := BlindEvaluateBatch(k, blinded, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}

			g := circlSuite.Group()
			ev := &circl.Evaluation{Elements: make([]circl.Evaluated, n), Proof: new(dleq.Proof)}
			for i := range evaluated {
				b, _ := evaluated[i].MarshalBinary()
				ev.Elements[i] = g.NewElement()
				if err := ev.Elements[i].UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
			}
			pb, _ := proof.MarshalBinary()
			if err := ev.Proof.UnmarshalBinary(g, pb); err != nil {
				t.Fatal(err)
			}
			outputs, err := client.Finalize(fin, ev)
			if err != nil {
				t.Fatalf("circl client rejects our evaluation: %v", err)
			}
			server := circl.NewVerifiableServer(circlSuite, ck)
			for i, in := range inputs {
				want, _ := server.FullEvaluate(in)
				if !bytes.Equal(outputs[i], want) {
					t.Fatalf("output %d differs from circl's FullEvaluate", i)
				}
			}
		})
	}
}

func TestCirclServerOurClient(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 17, 600} {
		t.Run(fmt.Sprint("n=", n), func(t *testing.T) {
			t.Parallel()
			ck, err := circl.GenerateKey(circlSuite, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			server := circl.NewVerifiableServer(circlSuite, ck)
			pkb, _ := ck.Public().MarshalBinary()
			var pk PublicKey
			if err := pk.UnmarshalBinary(pkb); err != nil {
				t.Fatal(err)
			}

			inputs := testInputs(n)
			blinds := make([]Scalar, n)
			blinded := make([]Element, n)
			g := circlSuite.Group()
			req := &circl.EvaluationRequest{Elements: make([]circl.Blinded, n)}
			for i, in := range inputs {
				if blinds[i], blinded[i], err = Blind(in, rand.Reader); err != nil {
					t.Fatal(err)
				}
				b, _ := blinded[i].MarshalBinary()
				req.Elements[i] = g.NewElement()
				if err := req.Elements[i].UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
			}
			ev, err := server.Evaluate(req)
			if err != nil {
				t.Fatal(err)
			}

			evaluated := make([]Element, n)
			for i, e := range ev.Elements {
				b, _ := e.MarshalBinaryCompress()
				if err := evaluated[i].UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
			}
			pb, _ := ev.Proof.MarshalBinary()
			var proof Proof
			if err := proof.UnmarshalBinary(pb); err != nil {
				t.Fatal(err)
			}
			outputs, err := VerifyAndFinalize(pk, inputs, blinds, blinded, evaluated, proof)
			if err != nil {
				t.Fatalf("our client rejects circl's evaluation: %v", err)
			}
			for i, in := range inputs {
				want, _ := server.FullEvaluate(in)
				if !bytes.Equal(outputs[i], want) {
					t.Fatalf("output %d differs from circl's FullEvaluate", i)
				}
			}
		})
	}
}
