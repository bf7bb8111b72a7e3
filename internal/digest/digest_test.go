package digest_test

import (
	"encoding/hex"
	"testing"

	"hulian/internal/digest"
)

// TestVectors: "abc" under each algorithm, from GB/T 32905-2016 Appendix A
// (example 1) and FIPS 180-4's SHA-256 example.
func TestVectors(t *testing.T) {
	for alg, want := range map[digest.Alg]string{
		digest.SM3:    "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
		digest.SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	} {
		sum := alg.Sum([]byte("abc"))
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s(abc) = %s, want %s", alg, got, want)
		}
		h := alg.New()
		h.Write([]byte("abc"))
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("%s streamed = %s", alg, got)
		}
	}
	if digest.ForProfile("gm") != digest.SM3 || digest.ForProfile("default") != digest.SHA256 || digest.ForSigner("sm2") != digest.SM3 || digest.ForSigner("ed25519") != digest.SHA256 {
		t.Error("the profile's hash")
	}
	a, b := digest.SM3.HMAC([]byte("k")), digest.SHA256.HMAC([]byte("k"))
	a.Write([]byte("m"))
	b.Write([]byte("m"))
	if hex.EncodeToString(a.Sum(nil)) == hex.EncodeToString(b.Sum(nil)) {
		t.Error("HMAC-SM3 equals HMAC-SHA256")
	}
}
