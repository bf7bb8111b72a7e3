package peerkey

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/bizlog"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/sig"
)

// oneEntryLog signs a checkpoint over a log of the single entry e and
// returns its receipt and the log's verifier key.
func oneEntryLog(t testing.TB, e bizlog.Entry) (receipt []byte, vkey string) {
	t.Helper()
	skey, vkey, err := bizlog.GenerateKey(sig.Ed25519, "log.test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := bizlog.Checkpoint{Origin: s.Name(), Size: 1, Root: bizlog.LeafHash(e.Leaf())}.Sign(s)
	if err != nil {
		t.Fatal(err)
	}
	receipt, err = Receipt(&bizlog.Receipt{Entry: e, Checkpoint: string(cp)})
	if err != nil {
		t.Fatal(err)
	}
	return receipt, vkey
}

func registered(t testing.TB, member, kind string, key []byte) bizlog.Entry {
	t.Helper()
	p, err := bizlog.P{"x25519_public_sha256": bizlog.Commit(key), "ed25519_public_sha256": bizlog.Commit([]byte("ed"))}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return bizlog.Entry{Seq: 0, At: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), Actor: "member:" + member, Member: member, Kind: kind, Object: member, Payload: p}
}

func TestCheck(t *testing.T) {
	key, other := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	receipt, vkey := oneEntryLog(t, registered(t, "mem_a", bizlog.KindMemberOpened, key))
	if i, err := Check(receipt, vkey, "mem_a", key); err != nil || i != 0 {
		t.Fatalf("the registered key: %d %v", i, err)
	}
	_, otherVkey := oneEntryLog(t, registered(t, "mem_a", bizlog.KindMemberOpened, key))
	wrongKind, wkVkey := oneEntryLog(t, registered(t, "mem_a", bizlog.KindMemberAgreed, key))
	altered := bytes.Replace(receipt, []byte("mem_a"), []byte("mem_b"), -1)
	for _, tc := range []struct {
		name    string
		receipt []byte
		vkey    string
		member  string
		key     []byte
		why     string
	}{
		{"no receipt", nil, vkey, "mem_a", key, "no receipt"},
		{"not JSON", []byte("{"), vkey, "mem_a", key, "malformed"},
		{"another log", receipt, otherVkey, "mem_a", key, ""},
		{"another key", receipt, vkey, "mem_a", other, "registers another key"},
		{"another member", receipt, vkey, "mem_b", key, "not a key registration of this member"},
		{"altered entry", altered, vkey, "mem_b", key, ""},
		{"not a registration", wrongKind, wkVkey, "mem_a", key, "not a key registration"},
	} {
		_, err := Check(tc.receipt, tc.vkey, tc.member, tc.key)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != "peer_key_receipt" || e.Kind != errs.FailedPrecondition || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestNewest(t *testing.T) {
	var n Newest
	for _, step := range []struct {
		member string
		index  int64
		ok     bool
	}{
		{"mem_a", 5, true},
		{"mem_a", 5, true},
		{"mem_b", 2, true},
		{"mem_a", 9, true},
		{"mem_a", 5, false}, // an earlier key, once a later one was seen
		{"mem_b", 1, false},
	} {
		if err := n.Admit(step.member, step.index); (err == nil) != step.ok {
			t.Errorf("Admit(%s, %d) = %v", step.member, step.index, err)
		}
	}
}

func FuzzCheck(f *testing.F) {
	key := bytes.Repeat([]byte{1}, 32)
	receipt, vkey := oneEntryLog(f, registered(f, "mem_a", bizlog.KindMemberOpened, key))
	f.Add(receipt)
	f.Add([]byte(`{"entry":{},"checkpoint":"","proof":null}`))
	f.Add([]byte("null"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := Check(b, vkey, "mem_a", key); err == nil && !bytes.Equal(b, receipt) {
			// Another encoding of the same receipt may pass; anything
			// accepted must still verify the registered key.
			if _, err := Check(b, vkey, "mem_a", bytes.Repeat([]byte{2}, 32)); err == nil {
				t.Fatalf("accepted for two keys: %q", b)
			}
		}
	})
}

// TestCheckSM3: a platform of the 国密 profile commits to keys with SM3
// under x25519_public_sm3; the entry's field says which hash to recompute,
// and an entry naming both is refused.
func TestCheckSM3(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	entry := func(p bizlog.P) bizlog.Entry {
		b, err := p.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return bizlog.Entry{At: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), Actor: "member:mem_a", Member: "mem_a", Kind: bizlog.KindMemberOpened, Object: "mem_a", Payload: b}
	}
	sm3 := bizlog.CommitWith(digest.SM3, key)
	if _, err := CheckEntry(ptr(entry(bizlog.P{"x25519_public_sm3": sm3})), "mem_a", key); err != nil {
		t.Errorf("an SM3 registration: %v", err)
	}
	if _, err := CheckEntry(ptr(entry(bizlog.P{"x25519_public_sm3": bizlog.Commit(key)})), "mem_a", key); err == nil {
		t.Error("a SHA-256 value under the SM3 field was accepted")
	}
	if _, err := CheckEntry(ptr(entry(bizlog.P{"x25519_public_sm3": sm3, "x25519_public_sha256": bizlog.Commit(key)})), "mem_a", key); err == nil {
		t.Error("an entry naming both hashes was accepted")
	}
}

func ptr[T any](v T) *T { return &v }
