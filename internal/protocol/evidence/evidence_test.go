package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/errs"
)

func answer() Answer {
	return Answer{OrderID: "ord_abc", RequestID: "req-1", Queried: 1000, Matched: 620, Tokens: HashOf([]byte("tokens")), Commitment: HashOf([]byte("sealed"))}
}

func TestAnswer(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	a := answer()
	sig, err := a.Sign(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(pub, sig); err != nil {
		t.Fatal(err)
	}
	// Every field is covered by the signature.
	for name, change := range map[string]func(*Answer){
		"order":      func(a *Answer) { a.OrderID = "ord_abd" },
		"request":    func(a *Answer) { a.RequestID = "req-2" },
		"queried":    func(a *Answer) { a.Queried++ },
		"matched":    func(a *Answer) { a.Matched-- },
		"tokens":     func(a *Answer) { a.Tokens[0] ^= 1 },
		"commitment": func(a *Answer) { a.Commitment[31] ^= 1 },
	} {
		b := answer()
		change(&b)
		if err := b.Verify(pub, sig); errs.KindOf(err) != errs.Unauthenticated {
			t.Errorf("%s changed: %v", name, err)
		}
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if err := a.Verify(other, sig); err == nil {
		t.Error("verified with another key")
	}
	parsed, err := ParseAnswer(a.Text())
	if err != nil || parsed != a {
		t.Fatalf("ParseAnswer = %+v, %v", parsed, err)
	}
	a.Matched = a.Queried + 1
	if _, err := a.Sign(priv); errs.KindOf(err) != errs.Invalid {
		t.Errorf("matched > queried signed: %v", err)
	}
	a = answer()
	a.RequestID = "req 1"
	if _, err := a.Sign(priv); errs.KindOf(err) != errs.Invalid {
		t.Errorf("request ID with a space signed: %v", err)
	}
}

func keys(t *testing.T) (note.Signer, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, "hulian.test/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s, vkey
}

func TestReceipt(t *testing.T) {
	s, vkey := keys(t)
	r := Receipt{OrderID: "ord_1", RequestID: "b1/0", Demander: "mem_d", Supplier: "mem_s", Queried: 10, Matched: 3, ChargeFen: 150,
		Commitment: HashOf([]byte("x")), Seq: 42, At: time.Date(2026, 12, 1, 2, 3, 4, 5000, time.UTC), RetainUntil: "2026-12-31"}
	msg, err := r.Sign(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenReceipt(msg, vkey)
	if err != nil {
		t.Fatal(err)
	}
	if *got != r {
		t.Fatalf("got %+v, want %+v", got, r)
	}
	tampered := strings.Replace(msg, "charge_fen 150", "charge_fen 15", 1)
	if _, err := OpenReceipt(tampered, vkey); errs.KindOf(err) != errs.Unauthenticated {
		t.Errorf("tampered receipt: %v", err)
	}
	_, other := keys(t)
	if _, err := OpenReceipt(msg, other); err == nil {
		t.Error("opened with another key")
	}
	// A relay note is not a receipt, though signed by the same key.
	h, _ := Relay{OrderID: "ord_1", RequestID: "r", Supplier: "mem_s", Nonce: "n", At: time.Now(), Body: HashOf(nil)}.Header(s)
	if _, err := OpenReceipt(decode(t, h), vkey); errs.KindOf(err) != errs.Invalid {
		t.Errorf("relay note taken as a receipt: %v", err)
	}
}

func decode(t *testing.T, h string) string {
	t.Helper()
	raw, err := base64Decode(h)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestRelay(t *testing.T) {
	s, vkey := keys(t)
	now := time.Now()
	body := []byte("request body")
	r := Relay{OrderID: "ord_1", RequestID: "req-9", Supplier: "mem_s", Nonce: "AAAA", At: now, Body: HashOf(body)}
	h, err := r.Header(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenRelay(h, body, vkey, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.OrderID != r.OrderID || got.RequestID != r.RequestID || got.Nonce != r.Nonce || got.Supplier != r.Supplier {
		t.Fatalf("got %+v", got)
	}
	for name, try := range map[string]func() error{
		"other body": func() error { _, err := OpenRelay(h, []byte("other"), vkey, now); return err },
		"too late":   func() error { _, err := OpenRelay(h, body, vkey, now.Add(MaxRelaySkew+time.Minute)); return err },
		"too early":  func() error { _, err := OpenRelay(h, body, vkey, now.Add(-MaxRelaySkew-time.Minute)); return err },
		"missing":    func() error { _, err := OpenRelay("", body, vkey, now); return err },
		"garbage":    func() error { _, err := OpenRelay("!!", body, vkey, now); return err },
	} {
		if err := try(); errs.KindOf(err) != errs.Unauthenticated {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParseAnswer(f *testing.F) {
	f.Add(answer().Text())
	f.Add([]byte(AnswerVersion + "\norder o\nrequest r\nqueried 01\nmatched 0\ntokens x\ncommitment y\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAnswer(b)
		if err != nil {
			return
		}
		if string(a.Text()) != string(b) {
			t.Fatalf("parsed %q but it encodes as %q", b, a.Text())
		}
	})
}

func FuzzOpenReceipt(f *testing.F) {
	s, vkey := keys(&testing.T{})
	r := Receipt{OrderID: "o", RequestID: "r", Demander: "d", Supplier: "s", Queried: 1, Matched: 1, At: time.Unix(0, 0), RetainUntil: "2026-01-01"}
	msg, _ := r.Sign(s)
	f.Add(msg)
	f.Add("")
	f.Fuzz(func(t *testing.T, msg string) {
		got, err := OpenReceipt(msg, vkey)
		if err != nil {
			return
		}
		if got.Text() == "" {
			t.Fatal("empty text")
		}
	})
}

func base64Decode(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err
}
