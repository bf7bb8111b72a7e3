package sig_test

import (
	"bytes"
	"crypto/ecdsa"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm2/sm2ec"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/errs"
	"hulian/internal/sig"
)

func TestSignVerify(t *testing.T) {
	msg := []byte("hulian gate report\n")
	for _, alg := range []string{sig.Ed25519, sig.SM2} {
		t.Run(alg, func(t *testing.T) {
			s, err := sig.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			pub := sig.Public(s)
			if got, err := sig.AlgOf(pub); err != nil || got != alg || sig.AlgOfKey(s) != alg {
				t.Fatalf("AlgOf = %q, %v", got, err)
			}
			if err := sig.CheckPublic("key", pub); err != nil {
				t.Fatal(err)
			}
			signature := sig.Sign(s, msg)
			if !sig.Verify(pub, msg, signature) {
				t.Fatal("a signature does not verify")
			}
			if sig.Verify(pub, []byte("another message"), signature) {
				t.Error("a signature verifies another message")
			}
			bad := bytes.Clone(signature)
			bad[len(bad)-1] ^= 1
			if sig.Verify(pub, msg, bad) {
				t.Error("a tampered signature verifies")
			}
			again, err := sig.FromSeed(alg, sig.Seed(s))
			if err != nil || !bytes.Equal(sig.Public(again), pub) {
				t.Fatalf("from its seed: %v", err)
			}
			other, _ := sig.Generate(alg)
			if sig.Verify(sig.Public(other), msg, signature) {
				t.Error("a signature verifies under another key")
			}
		})
	}
	for _, n := range []int{0, 31, 34, 65} {
		if _, err := sig.AlgOf(make([]byte, n)); err == nil {
			t.Errorf("a key of %d bytes was accepted", n)
		}
	}
	if err := sig.CheckPublic("key", append([]byte{2}, bytes.Repeat([]byte{0xff}, 32)...)); !errs.Is(err, errs.Invalid) {
		t.Errorf("an x off the curve: %v", err)
	}
}

// TestSM2Standard checks our SM2 signatures against the library's own
// GB/T 32918.2 verification with the default identifier of GM/T 0009-2012
// spelled out, so that a verifier elsewhere using the standard's defaults
// accepts them.
func TestSM2Standard(t *testing.T) {
	s, err := sig.Generate(sig.SM2)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("message digest")
	signature := sig.Sign(s, msg)
	x, y := sm2ec.UnmarshalCompressed(sm2.P256(), sig.Public(s))
	pub := &ecdsa.PublicKey{Curve: sm2.P256(), X: x, Y: y}
	if !sm2.VerifyASN1WithSM2(pub, []byte("1234567812345678"), msg, signature) {
		t.Error("not a GB/T 32918.2 signature with the default identifier")
	}
	if sm2.VerifyASN1WithSM2(pub, []byte("another identifier"), msg, signature) {
		t.Error("the identifier is not bound in")
	}
}

func TestNotes(t *testing.T) {
	for _, alg := range []string{sig.Ed25519, sig.SM2} {
		t.Run(alg, func(t *testing.T) {
			skey, vkey, err := sig.GenerateNoteKey(alg, "hulian.example/log")
			if err != nil {
				t.Fatal(err)
			}
			if got, err := sig.NoteAlgOf(vkey); err != nil || got != alg {
				t.Fatalf("NoteAlgOf = %q, %v", got, err)
			}
			s, err := sig.NewNoteSigner(skey)
			if err != nil {
				t.Fatal(err)
			}
			v, err := sig.NewNoteVerifier(vkey)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := note.Sign(&note.Note{Text: "hulian.example/log\n3\nAAAA\n"}, s)
			if err != nil {
				t.Fatal(err)
			}
			n, err := note.Open(msg, note.VerifierList(v))
			if err != nil || len(n.Sigs) != 1 {
				t.Fatalf("open: %v", err)
			}
			tampered := bytes.Replace(msg, []byte("\n3\n"), []byte("\n4\n"), 1)
			if _, err := note.Open(tampered, note.VerifierList(v)); err == nil {
				t.Error("a tampered note opens")
			}
		})
	}
	_, sm2v, _ := sig.GenerateNoteKey(sig.SM2, "a")
	for _, bad := range []string{"", "a+00000000+AA==", "a+zz+AA==", sm2v[:len(sm2v)-4] + "AAAA", "PRIVATE+KEY+a+00000000+AA=="} {
		if _, err := sig.NewNoteVerifier(bad); err == nil {
			t.Errorf("NewNoteVerifier(%q) accepted", bad)
		}
	}
	if _, err := sig.NewNoteSigner("a+00000000+AA=="); err == nil {
		t.Error("a verifier key was taken for a signer key")
	}
}

func FuzzNoteVerifier(f *testing.F) {
	_, v1, _ := sig.GenerateNoteKey(sig.Ed25519, "x")
	_, v2, _ := sig.GenerateNoteKey(sig.SM2, "y")
	f.Add(v1)
	f.Add(v2)
	f.Add("a+b+c")
	f.Fuzz(func(t *testing.T, vkey string) {
		v, err := sig.NewNoteVerifier(vkey)
		if err == nil && v.Verify([]byte("m"), []byte("s")) {
			t.Fatal("a junk signature verified")
		}
	})
}

func BenchmarkSign(b *testing.B) {
	for _, alg := range []string{sig.Ed25519, sig.SM2} {
		s, _ := sig.Generate(alg)
		msg := bytes.Repeat([]byte{1}, 200)
		b.Run(alg+"/sign", func(b *testing.B) {
			for b.Loop() {
				sig.Sign(s, msg)
			}
		})
		signature := sig.Sign(s, msg)
		b.Run(alg+"/verify", func(b *testing.B) {
			for b.Loop() {
				if !sig.Verify(sig.Public(s), msg, signature) {
					b.Fatal("no")
				}
			}
		})
	}
}
