package seal

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"hulian/internal/errs"
)

func newKey(t testing.TB) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	demander := newKey(t)
	for _, plain := range [][]byte{nil, {1, 0}, bytes.Repeat([]byte("标签"), 10_000)} {
		sealed, err := Seal(demander.PublicKey(), "ord_1", "req_1", plain)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) != len(plain)+Overhead {
			t.Errorf("sealed %d bytes into %d, want %d", len(plain), len(sealed), len(plain)+Overhead)
		}
		got, err := Open(demander, "ord_1", "req_1", sealed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatal("opened plaintext differs")
		}
		again, _ := Seal(demander.PublicKey(), "ord_1", "req_1", plain)
		if bytes.Equal(again, sealed) {
			t.Fatal("two seals of one plaintext are equal: the ephemeral key is not fresh")
		}
	}
}

// TestBinding checks that a sealed answer opens only with the demander's
// key for its own order and request, and not after any change.
func TestBinding(t *testing.T) {
	t.Parallel()
	demander, other := newKey(t), newKey(t)
	sealed, err := Seal(demander.PublicKey(), "ord_1", "req_1", []byte("answer"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		key      *ecdh.PrivateKey
		order    string
		request  string
		sealed   []byte
		wantFail string // field of the expected error
	}{
		{"wrong key", other, "ord_1", "req_1", sealed, "sealed"},
		{"wrong order", demander, "ord_2", "req_1", sealed, "sealed"},
		{"wrong request", demander, "ord_1", "req_2", sealed, "sealed"},
		// The NUL separator keeps ("ord_1", "req_1") apart from these.
		{"request moved into order", demander, "ord_1r", "eq_1", sealed, "sealed"},
		{"truncated", demander, "ord_1", "req_1", sealed[:len(sealed)-1], "sealed"},
		{"too short", demander, "ord_1", "req_1", sealed[:Overhead-1], "sealed"},
		{"extended", demander, "ord_1", "req_1", append(bytes.Clone(sealed), 0), "sealed"},
		{"empty request", demander, "ord_1", "", sealed, "request_id"},
		{"NUL in request", demander, "ord_1", "r\x00", sealed, "request_id"},
		{"long request", demander, "ord_1", strings.Repeat("r", MaxRequestIDLen+1), sealed, "request_id"},
		{"empty order", demander, "", "req_1", sealed, "order_id"},
	}
	for i := range sealed {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		tests = append(tests, struct {
			name     string
			key      *ecdh.PrivateKey
			order    string
			request  string
			sealed   []byte
			wantFail string
		}{fmt.Sprint("bit flipped in byte ", i), demander, "ord_1", "req_1", b, "sealed"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plain, err := Open(tt.key, tt.order, tt.request, tt.sealed)
			if e, ok := err.(*errs.Error); !ok || e.Kind != errs.Invalid || e.Field != tt.wantFail {
				t.Fatalf("Open = %q, %v; want an invalid %s error", plain, err, tt.wantFail)
			}
		})
	}
}

func TestSealRejectsKeys(t *testing.T) {
	t.Parallel()
	p256, _ := ecdh.P256().GenerateKey(rand.Reader)
	zero, _ := ecdh.X25519().NewPublicKey(make([]byte, 32))
	for name, pub := range map[string]*ecdh.PublicKey{"nil": nil, "P-256": p256.PublicKey(), "low order": zero} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Seal(pub, "ord_1", "req_1", []byte("x")); !errs.Is(err, errs.Invalid) {
				t.Fatalf("Seal to %s key: %v, want invalid", name, err)
			}
		})
	}
	if _, err := Open(p256, "ord_1", "req_1", make([]byte, 64)); !errs.Is(err, errs.Invalid) {
		t.Fatalf("Open with a P-256 key: %v", err)
	}
}

// vector is a sealed answer made once with this package, kept so that any
// change to the suite or the info layout fails here, and published in
// docs/delivery-crypto.md for other implementations to open. The
// recipient's private key is skRm of RFC 9180 Appendix A.1.1.
var vector = struct {
	sk, order, request, sealed, plain string
}{
	sk:      "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
	order:   "ord_example",
	request: "req_0001",
	sealed: "bf98d18336bd438ea1713fdbd3247b8ae6f7a17088e74ff16ea6151f46ae872f" +
		"6672b929f9a214db2af29a57f862df129729480c10885e1b65e223a94b746117ab41942d7e917b98b2a9",
	plain: "0101" + "20586dd0dee1656a6519fc723862e75a" + "02" + "03" + "e58c97" + "02" + "3c3c",
}

func TestVector(t *testing.T) {
	t.Parallel()
	sk, err := ecdh.X25519().NewPrivateKey(mustHex(t, vector.sk))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(sk, vector.order, vector.request, mustHex(t, vector.sealed))
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got) != vector.plain {
		t.Fatalf("vector opens to %x, want %s", got, vector.plain)
	}
	if c := Commitment(mustHex(t, vector.sealed)); hex.EncodeToString(c[:]) != "ada7385f0eb58539269cd48846ad1924744bc6afc82acb2b51af1fdd11b3f097" {
		t.Fatalf("vector commitment %x", c)
	}
	a, err := ParseAnswer(got)
	if err != nil || len(a.Matches) != 1 || strings.Join(a.Matches[0].Values, "|") != "北|<<" {
		t.Fatalf("vector plaintext parses to %+v, %v", a, err)
	}
}

// TestSuite opens the first message of RFC 9180 Appendix A.1.1, the base
// mode vector of DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, with
// this package's KDF and AEAD: the suite is the one the IDs name.
func TestSuite(t *testing.T) {
	t.Parallel()
	if kdf.ID() != SuiteIDs[1] || aead.ID() != SuiteIDs[2] || hpke.DHKEM(ecdh.X25519()).ID() != SuiteIDs[0] {
		t.Fatal("suite IDs do not match the algorithms")
	}
	sk, err := hpke.DHKEM(ecdh.X25519()).NewPrivateKey(mustHex(t, vector.sk))
	if err != nil {
		t.Fatal(err)
	}
	r, err := hpke.NewRecipient(mustHex(t, "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431"), sk, kdf, aead,
		mustHex(t, "4f6465206f6e2061204772656369616e2055726e"))
	if err != nil {
		t.Fatal(err)
	}
	pt, err := r.Open([]byte("Count-0"), mustHex(t, "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"))
	if err != nil || string(pt) != "Beauty is truth, truth beauty" {
		t.Fatalf("RFC 9180 A.1.1 opens to %q, %v", pt, err)
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCommitment(t *testing.T) {
	t.Parallel()
	// SHA-256("abc"), FIPS 180-2 Appendix B.1.
	if c := Commitment([]byte("abc")); hex.EncodeToString(c[:]) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("Commitment(abc) = %x", c)
	}
}

func FuzzOpen(f *testing.F) {
	sk, err := ecdh.X25519().NewPrivateKey(mustHex(f, vector.sk))
	if err != nil {
		f.Fatal(err)
	}
	// The seed must be the same in every fuzzing process: the fixed vector.
	good, plainWant := mustHex(f, vector.sealed), mustHex(f, vector.plain)
	f.Add(good)
	f.Add([]byte{})
	f.Add(make([]byte, Overhead))
	f.Fuzz(func(t *testing.T, sealed []byte) {
		plain, err := Open(sk, vector.order, vector.request, sealed)
		if err != nil {
			return
		}
		if !bytes.Equal(sealed, good) || !bytes.Equal(plain, plainWant) {
			t.Fatalf("forged input %x opened to %q", sealed, plain)
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	k := newKey(b)
	plain := make([]byte, 10_000*40) // a full real-time answer, 10,000 matches
	for b.Loop() {
		if _, err := Seal(k.PublicKey(), "ord_1", "req_1", plain); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(plain)))
}

func BenchmarkOpen(b *testing.B) {
	k := newKey(b)
	plain := make([]byte, 10_000*40)
	sealed, _ := Seal(k.PublicKey(), "ord_1", "req_1", plain)
	for b.Loop() {
		if _, err := Open(k, "ord_1", "req_1", sealed); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(plain)))
}
