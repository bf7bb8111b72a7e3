package authz_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/protocol/authz"
)

func record() *authz.Record {
	r := &authz.Record{SignedOn: "2026-01-05", ExpiresOn: "2027-01-04"}
	r.Agreement[0], r.Salt[0] = 1, 2
	return r
}

// TestCommit: a commitment binds the order, the token, the level and every
// field of the record, and the salt hides the record.
func TestCommit(t *testing.T) {
	t.Parallel()
	tok := bytes.Repeat([]byte{7}, 16)
	base := authz.Commit("ord_a", tok, authz.OneStep, record())
	if again := authz.Commit("ord_a", tok, authz.OneStep, record()); again != base {
		t.Fatal("not deterministic")
	}
	changes := map[string]func() [32]byte{
		"order": func() [32]byte { return authz.Commit("ord_b", tok, authz.OneStep, record()) },
		"token": func() [32]byte { return authz.Commit("ord_a", bytes.Repeat([]byte{8}, 16), authz.OneStep, record()) },
		"level": func() [32]byte { return authz.Commit("ord_a", tok, authz.TwoStep, record()) },
		"agreement": func() [32]byte {
			r := record()
			r.Agreement[31] = 9
			return authz.Commit("ord_a", tok, authz.OneStep, r)
		},
		"expiry": func() [32]byte {
			r := record()
			r.ExpiresOn = "2027-01-05"
			return authz.Commit("ord_a", tok, authz.OneStep, r)
		},
		"salt": func() [32]byte {
			r := record()
			r.Salt[15] = 1
			return authz.Commit("ord_a", tok, authz.OneStep, r)
		},
		// Length-prefixed fields: moving a character from one field to
		// the next changes the commitment.
		"boundary": func() [32]byte {
			r := record()
			r.VerifiedOn, r.Verification = "2026-01-0", "5sms"
			s := record()
			s.VerifiedOn, s.Verification = "2026-01-05", "sms"
			if authz.Commit("ord_a", tok, authz.TwoStep, r) == authz.Commit("ord_a", tok, authz.TwoStep, s) {
				return base
			}
			return [32]byte{}
		},
	}
	for name, f := range changes {
		if f() == base {
			t.Errorf("changing the %s leaves the commitment", name)
		}
	}
}

func TestLevelAndValidity(t *testing.T) {
	t.Parallel()
	r := record()
	if r.Level() != authz.OneStep || !r.ValidOn("2026-01-05") || !r.ValidOn("2027-01-04") || r.ValidOn("2026-01-04") || r.ValidOn("2027-01-05") {
		t.Errorf("one-step record: level %d", r.Level())
	}
	r.VerifiedOn, r.Verification = "2026-02-01", "face:0042"
	if r.Level() != authz.TwoStep || r.ValidOn("2026-01-31") || !r.ValidOn("2026-02-01") {
		t.Errorf("two-step record: level %d", r.Level())
	}
	for method, want := range map[string]authz.Level{"": authz.None, "one_step": authz.OneStep, "two_step": authz.TwoStep} {
		if l, err := authz.Required(method); err != nil || l != want || l.Method() != method {
			t.Errorf("Required(%q) = %d, %v", method, l, err)
		}
	}
	if _, err := authz.Required("three_step"); !errs.Is(err, errs.Invalid) {
		t.Errorf("unknown method: %v", err)
	}
}

// TestCheck: what the platform refuses.
func TestCheck(t *testing.T) {
	t.Parallel()
	c := make([]byte, 3*authz.CommitmentSize)
	for _, tc := range []struct {
		name              string
		required, claimed authz.Level
		tokens            int
		commitments       []byte
		want              errs.Kind
		ok                bool
	}{
		{"none needed, none sent", authz.None, 0, 3, nil, 0, true},
		{"none needed, all sent", authz.None, authz.OneStep, 3, c, 0, true},
		{"none needed, some sent", authz.None, authz.OneStep, 3, c[:32], errs.Invalid, false},
		{"one-step met", authz.OneStep, authz.OneStep, 3, c, 0, true},
		{"one-step met by two-step", authz.OneStep, authz.TwoStep, 3, c, 0, true},
		{"one-step, none sent", authz.OneStep, authz.OneStep, 3, nil, errs.Invalid, false},
		{"one-step, one short", authz.OneStep, authz.OneStep, 3, c[:64], errs.Invalid, false},
		{"two-step, one-step claimed", authz.TwoStep, authz.OneStep, 3, c, errs.PermissionDenied, false},
		{"unknown level", authz.OneStep, 7, 3, c, errs.PermissionDenied, false},
	} {
		err := authz.Check(tc.required, tc.claimed, tc.tokens, tc.commitments)
		if tc.ok && err != nil || !tc.ok && !errs.Is(err, tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// BenchmarkCommit is the demander node's cost per token under an order
// that needs query authorisations, against the SHA-256 of the 16-byte
// token alone (the baseline: one hash per token either way).
func BenchmarkCommit(b *testing.B) {
	r := record()
	r.VerifiedOn, r.Verification = "2026-01-02", "sms:884213"
	tok := bytes.Repeat([]byte{7}, 16)
	b.Run("commit", func(b *testing.B) {
		for b.Loop() {
			authz.Commit("ord_abcdefghijklmnop", tok, authz.TwoStep, r)
		}
	})
	b.Run("baseline-sha256-token", func(b *testing.B) {
		for b.Loop() {
			sha256.Sum256(tok)
		}
	})
}
