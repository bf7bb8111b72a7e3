package ordertoken

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/protocol/exid"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rfc7748Keys returns Alice's and Bob's key pairs from RFC 7748 §6.1.
func rfc7748Keys(t testing.TB) (alice, bob *ecdh.PrivateKey) {
	t.Helper()
	a, err := ecdh.X25519().NewPrivateKey(mustHex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ecdh.X25519().NewPrivateKey(mustHex(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// TestVectors checks Derive and Token against values computed with an
// independent HKDF/HMAC implementation from the RFC 7748 §6.1 key pairs,
// whose shared secret is 4a5d9d5b…1e161742. The same vectors are published
// in docs/delivery-crypto.md.
func TestVectors(t *testing.T) {
	t.Parallel()
	alice, bob := rfc7748Keys(t)
	shared, err := alice.ECDH(bob.PublicKey())
	if err != nil || hex.EncodeToString(shared) != "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" {
		t.Fatalf("RFC 7748 shared secret = %x, %v", shared, err)
	}
	tests := []struct {
		order  string
		key    string
		tokens map[string]string // exID text → token hex
	}{
		{"ord_example", "1f16dfc288461b31ecfe606bab00d070d6979b739b2479225087c05b02f0fb78", map[string]string{
			"ex1aeaqeayeaudaocajbifqydiob4ia": "20586dd0dee1656a6519fc723862e75a",
			"ex1aiaaaaaaaaaaaaaaaaaaaaaaaaaa": "04885e27191bac343153b40613116df8",
		}},
		{"ord_other", "c8897a224d5ef53a26572e784175419716649349fb8069ef91e1ecdccca4527f", map[string]string{
			"ex1aeaqeayeaudaocajbifqydiob4ia": "18d0f4b9aada128fcbdf8a89ca98ba90",
			"ex1aiaaaaaaaaaaaaaaaaaaaaaaaaaa": "eab36713c0c80d0d2d8d37a107800863",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.order, func(t *testing.T) {
			t.Parallel()
			for side, own := range map[string]*ecdh.PrivateKey{"alice": alice, "bob": bob} {
				peer := bob.PublicKey()
				if own == bob {
					peer = alice.PublicKey()
				}
				k, err := Derive(own, peer, tt.order)
				if err != nil {
					t.Fatal(err)
				}
				if got := hex.EncodeToString(k.b[:]); got != tt.key {
					t.Errorf("%s: k_o = %s, want %s", side, got, tt.key)
				}
				for text, want := range tt.tokens {
					id, err := exid.Parse(text)
					if err != nil {
						t.Fatal(err)
					}
					if got := k.Token(id); hex.EncodeToString(got[:]) != want {
						t.Errorf("%s: token(%s) = %x, want %s", side, text, got, want)
					}
				}
			}
		})
	}
}

func TestBothSidesAgree(t *testing.T) {
	t.Parallel()
	supplier, _ := ecdh.X25519().GenerateKey(rand.Reader)
	demander, _ := ecdh.X25519().GenerateKey(rand.Reader)
	ks, err := Derive(supplier, demander.PublicKey(), "ord_1")
	if err != nil {
		t.Fatal(err)
	}
	kd, err := Derive(demander, supplier.PublicKey(), "ord_1")
	if err != nil {
		t.Fatal(err)
	}
	if ks != kd {
		t.Fatal("supplier and demander derive different keys")
	}
	other, _ := ecdh.X25519().GenerateKey(rand.Reader)
	ko, err := Derive(demander, other.PublicKey(), "ord_1")
	if err != nil {
		t.Fatal(err)
	}
	if ko == kd {
		t.Fatal("a third node derives the same key")
	}
}

// TestLowOrderPeer feeds the points of small order on Curve25519 (the list
// libsodium and others reject; RFC 7748 §6.1 asks to check for the
// all-zero output they produce) as the peer's public key.
func TestLowOrderPeer(t *testing.T) {
	t.Parallel()
	own, _ := ecdh.X25519().GenerateKey(rand.Reader)
	points := []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	}
	for _, p := range points {
		t.Run(p[:8], func(t *testing.T) {
			t.Parallel()
			pub, err := ecdh.X25519().NewPublicKey(mustHex(t, p))
			if err != nil {
				return // refused already at parsing: just as good
			}
			k, err := Derive(own, pub, "ord_1")
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("Derive with low-order peer %s = %v, %v; want an invalid-argument error", p, k, err)
			}
		})
	}
}

func TestDeriveRejects(t *testing.T) {
	t.Parallel()
	own, _ := ecdh.X25519().GenerateKey(rand.Reader)
	peer, _ := ecdh.X25519().GenerateKey(rand.Reader)
	p256, _ := ecdh.P256().GenerateKey(rand.Reader)
	tests := []struct {
		name  string
		own   *ecdh.PrivateKey
		peer  *ecdh.PublicKey
		order string
		field string
	}{
		{"empty order", own, peer.PublicKey(), "", "order_id"},
		{"long order", own, peer.PublicKey(), strings.Repeat("x", 129), "order_id"},
		{"NUL in order", own, peer.PublicKey(), "ord\x00x", "order_id"},
		{"nil own", nil, peer.PublicKey(), "ord_1", "key"},
		{"nil peer", own, nil, "ord_1", "key"},
		{"P-256 peer", own, p256.PublicKey(), "ord_1", "key"},
		{"P-256 own", p256, peer.PublicKey(), "ord_1", "key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Derive(tt.own, tt.peer, tt.order)
			var e *errs.Error
			if !errs.Is(err, errs.Invalid) || !asErr(err, &e) || e.Field != tt.field {
				t.Fatalf("err = %v, want invalid %s", err, tt.field)
			}
		})
	}
	if _, err := Derive(own, peer.PublicKey(), strings.Repeat("x", 128)); err != nil {
		t.Fatalf("128-byte order ID: %v", err)
	}
}

func asErr(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	*target = e
	return ok
}

func randomIDs(t testing.TB, n int) []exid.ExID {
	t.Helper()
	ids := make([]exid.ExID, n)
	for i := range ids {
		ids[i][0] = 1
		rand.Read(ids[i][1:])
	}
	return ids
}

func keyPair(t testing.TB, order string) (Key, Key) {
	t.Helper()
	a, _ := ecdh.X25519().GenerateKey(rand.Reader)
	b, _ := ecdh.X25519().GenerateKey(rand.Reader)
	ka, err := Derive(a, b.PublicKey(), order)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := Derive(b, a.PublicKey(), order)
	if err != nil {
		t.Fatal(err)
	}
	return ka, kb
}

// TestOrdersUnlinkable is the privacy property of issue 7: two orders over
// the same people, even between the same two nodes, share no token.
func TestOrdersUnlinkable(t *testing.T) {
	t.Parallel()
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	ids := randomIDs(t, n)
	a, _ := ecdh.X25519().GenerateKey(rand.Reader)
	b, _ := ecdh.X25519().GenerateKey(rand.Reader)
	k1, err := Derive(a, b.PublicKey(), "ord_1")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := Derive(a, b.PublicKey(), "ord_2")
	if err != nil {
		t.Fatal(err)
	}
	t1, t2 := make([]Token, n), make([]Token, n)
	k1.Tokens(ids, t1)
	k2.Tokens(ids, t2)
	seen := make(map[Token]bool, n)
	for _, tk := range t1 {
		if seen[tk] {
			t.Fatal("two people share a token within one order")
		}
		seen[tk] = true
	}
	for i, tk := range t2 {
		if seen[tk] {
			t.Fatalf("person %d's token of order 2 appears among order 1's tokens", i)
		}
	}
}

func TestTokensBatch(t *testing.T) {
	t.Parallel()
	k, _ := keyPair(t, "ord_batch")
	for _, n := range []int{0, 1, 7, parallelFrom - 1, parallelFrom, parallelFrom*2 + 3} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			ids := randomIDs(t, n)
			out := make([]Token, n+1)
			k.Tokens(ids, out)
			for i, id := range ids {
				if out[i] != k.Token(id) {
					t.Fatalf("batch token %d differs from Token", i)
				}
			}
			if out[n] != (Token{}) {
				t.Fatal("Tokens wrote past the input's length")
			}
		})
	}
}

func TestKeyHidden(t *testing.T) {
	t.Parallel()
	k, _ := keyPair(t, "ord_print")
	secret := hex.EncodeToString(k.b[:])
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if s := fmt.Sprintf(verb, k); strings.Contains(s, secret) || strings.Contains(s, fmt.Sprint(k.b[0], " ", k.b[1])) {
			t.Errorf("%s prints the key: %s", verb, s)
		}
	}
	k.Zero()
	if !k.IsZero() {
		t.Fatal("Zero left key bytes")
	}
}

func BenchmarkToken(b *testing.B) {
	k, _ := keyPair(b, "ord_bench")
	ids := randomIDs(b, 1)
	for b.Loop() {
		k.Token(ids[0])
	}
}

// BenchmarkTokens reports the batch form per ID, on one goroutine (a
// real-time request) and split over the CPUs (a batch file).
func BenchmarkTokens(b *testing.B) {
	k, _ := keyPair(b, "ord_bench")
	for _, n := range []int{10_000, 1 << 20} {
		b.Run(fmt.Sprint("n=", n), func(b *testing.B) {
			ids := randomIDs(b, n)
			out := make([]Token, n)
			for b.Loop() {
				k.Tokens(ids, out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/id")
		})
	}
}

// TestAuthenticator: a request's authenticator verifies under its order's
// key only, for its request ID and tokens only.
func TestAuthenticator(t *testing.T) {
	t.Parallel()
	alice, bob := rfc7748Keys(t)
	ka, _ := Derive(alice, bob.PublicKey(), "ord_a")
	kaPeer, _ := Derive(bob, alice.PublicKey(), "ord_a")
	kb, _ := Derive(alice, bob.PublicKey(), "ord_b")
	h := sha256.Sum256([]byte("tokens"))
	mac := ka.Authenticator("req-1", h)
	if !kaPeer.VerifyAuthenticator("req-1", h, mac[:]) {
		t.Fatal("the peer does not verify the authenticator")
	}
	other := sha256.Sum256([]byte("other tokens"))
	for name, ok := range map[string]bool{
		"another order":   kb.VerifyAuthenticator("req-1", h, mac[:]),
		"another request": ka.VerifyAuthenticator("req-2", h, mac[:]),
		"other tokens":    ka.VerifyAuthenticator("req-1", other, mac[:]),
		"truncated":       ka.VerifyAuthenticator("req-1", h, mac[:31]),
		"empty":           ka.VerifyAuthenticator("req-1", h, nil),
	} {
		if ok {
			t.Errorf("%s: verified", name)
		}
	}
}

// TestDeriveFor: under the 国密 profile both nodes derive the same order
// key over SM3, and its tokens and authenticators differ from the
// SHA-256 ones — the profile is not a label.
func TestDeriveFor(t *testing.T) {
	sup, _ := ecdh.X25519().GenerateKey(rand.Reader)
	dem, _ := ecdh.X25519().GenerateKey(rand.Reader)
	a, err := DeriveFor(digest.SM3, sup, dem.PublicKey(), "ord_1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := DeriveFor(digest.SM3, dem, sup.PublicKey(), "ord_1")
	c, _ := Derive(dem, sup.PublicKey(), "ord_1")
	var id exid.ExID
	id[0] = 1
	if a.Token(id) != b.Token(id) || a.Alg() != digest.SM3 || c.Alg() != digest.SHA256 {
		t.Fatal("the two nodes disagree under SM3")
	}
	if a.Token(id) == c.Token(id) {
		t.Error("SM3 and SHA-256 order keys give the same token")
	}
	h := [32]byte{1}
	if a.Authenticator("r", h) == c.Authenticator("r", h) {
		t.Error("SM3 and SHA-256 authenticators agree")
	}
	out := make([]Token, 1)
	a.Tokens([]exid.ExID{id}, out)
	if out[0] != a.Token(id) {
		t.Error("Tokens and Token disagree under SM3")
	}
}
