package oprf

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// Test vectors from RFC 9497, Appendix A.1.2 (ristretto255-SHA512, VOPRF
// mode): Seed = a3×32, KeyInfo = "test key".
const (
	vecSeed    = "a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3"
	vecKeyInfo = "74657374206b6579"
	vecSkSm    = "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909"
	vecPkSm    = "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"
)

// vector fields hold comma-separated lists for the batched vector, as the
// RFC prints them.
type vector struct {
	name, input, blind, blinded, evaluated, proof, r, output string
}

var vectors = []vector{
	{
		name:      "A.1.2 test vector 1, batch size 1",
		input:     "00",
		blind:     "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
		blinded:   "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945",
		evaluated: "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e",
		proof:     "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd066d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d",
		r:         "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
		output:    "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7da4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c",
	},
	{
		name:      "A.1.2 test vector 2, batch size 1",
		input:     "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
		blind:     "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706",
		blinded:   "cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c",
		evaluated: "60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468",
		proof:     "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
		r:         "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
		output:    "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6",
	},
	{
		name:      "A.1.2 test vector 3, batch size 2",
		input:     "00,5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a",
		blind:     "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706,222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e",
		blinded:   "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945,90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
		evaluated: "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e,cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
		proof:     "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
		r:         "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c",
		output:    "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7da4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c,8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6",
	},
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func unhexList(t testing.TB, s string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, part := range strings.Split(s, ",") {
		out = append(out, unhex(t, part))
	}
	return out
}

func vectorKey(t testing.TB) *PrivateKey {
	t.Helper()
	k, err := DeriveKeyPair(unhex(t, vecSeed), unhex(t, vecKeyInfo))
	if err != nil {
		t.Fatalf("DeriveKeyPair: %v", err)
	}
	return k
}

func TestDeriveKeyPairVector(t *testing.T) {
	t.Parallel()
	k := vectorKey(t)
	sk, _ := k.MarshalBinary()
	if got := hex.EncodeToString(sk); got != vecSkSm {
		t.Errorf("skSm = %s, want %s", got, vecSkSm)
	}
	pk, _ := k.Public().MarshalBinary()
	if got := hex.EncodeToString(pk); got != vecPkSm {
		t.Errorf("pkSm = %s, want %s", got, vecPkSm)
	}
}

func TestVectors(t *testing.T) {
	t.Parallel()
	k := vectorKey(t)
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			inputs := unhexList(t, v.input)
			blindBytes := unhexList(t, v.blind)
			n := len(inputs)

			blinds := make([]Scalar, n)
			blinded := make([]Element, n)
			for i := range inputs {
				if err := blinds[i].UnmarshalBinary(blindBytes[i]); err != nil {
					t.Fatalf("blind %d: %v", i, err)
				}
				var err error
				blinded[i], err = DeterministicBlind(inputs[i], blinds[i])
				if err != nil {
					t.Fatalf("DeterministicBlind %d: %v", i, err)
				}
			}
			checkList(t, "BlindedElement", blinded, v.blinded)

			var nonce Scalar
			if err := nonce.UnmarshalBinary(unhex(t, v.r)); err != nil {
				t.Fatalf("ProofRandomScalar: %v", err)
			}
			evaluated, proof, err := BlindEvaluateBatchWithNonce(k, blinded, nonce)
			if err != nil {
				t.Fatalf("BlindEvaluateBatchWithNonce: %v", err)
			}
			checkList(t, "EvaluationElement", evaluated, v.evaluated)
			pb, _ := proof.MarshalBinary()
			if got := hex.EncodeToString(pb); got != v.proof {
				t.Errorf("Proof = %s, want %s", got, v.proof)
			}

			// The client side, starting from the RFC's bytes rather than ours.
			var wireProof Proof
			if err := wireProof.UnmarshalBinary(unhex(t, v.proof)); err != nil {
				t.Fatalf("proof: %v", err)
			}
			wireEval := make([]Element, n)
			for i, b := range unhexList(t, v.evaluated) {
				if err := wireEval[i].UnmarshalBinary(b); err != nil {
					t.Fatalf("evaluated %d: %v", i, err)
				}
			}
			outputs, err := VerifyAndFinalize(k.Public(), inputs, blinds, blinded, wireEval, wireProof)
			if err != nil {
				t.Fatalf("VerifyAndFinalize: %v", err)
			}
			want := unhexList(t, v.output)
			for i := range outputs {
				if !bytes.Equal(outputs[i], want[i]) {
					t.Errorf("Output[%d] = %x, want %x", i, outputs[i], want[i])
				}
			}
		})
	}
}

func checkList(t *testing.T, what string, got []Element, want string) {
	t.Helper()
	parts := make([]string, len(got))
	for i := range got {
		b, _ := got[i].MarshalBinary()
		parts[i] = hex.EncodeToString(b)
	}
	if g := strings.Join(parts, ","); g != want {
		t.Errorf("%s = %s, want %s", what, g, want)
	}
}
