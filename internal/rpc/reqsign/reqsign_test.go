package reqsign_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/rpc/reqsign"
	"hulian/internal/sig"
)

// TestSignVerify: a node's request verifies under its registered key of
// either algorithm — its body hashed with SHA-256 for Ed25519, SM3 for
// SM2 (the 国密 profile) — and a changed body, path or key does not.
func TestSignVerify(t *testing.T) {
	now := time.Now()
	for alg, header := range map[string]string{sig.Ed25519: reqsign.HeaderBodyHash, sig.SM2: reqsign.HeaderBodySM3} {
		t.Run(alg, func(t *testing.T) {
			key, err := sig.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			body := []byte(`{"id":"mem_1"}`)
			req := func() *http.Request {
				r, _ := http.NewRequest("POST", "https://platform.example/hulian.v1.MemberService/GetMember", nil)
				reqsign.Sign(r, body, "mem_1", key, now)
				return r
			}
			r := req()
			if r.Header.Get(header) == "" {
				t.Fatalf("no %s header: %v", header, r.Header)
			}
			if _, err := reqsign.Verify(r, body, sig.Public(key), now); err != nil {
				t.Fatal(err)
			}
			if _, err := reqsign.Verify(req(), []byte(`{"id":"mem_2"}`), sig.Public(key), now); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("another body: %v", err)
			}
			moved := req()
			moved.URL.Path = strings.Replace(moved.URL.Path, "GetMember", "ListMembers", 1)
			if _, err := reqsign.Verify(moved, body, sig.Public(key), now); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("another path: %v", err)
			}
			other, _ := sig.Generate(alg)
			if _, err := reqsign.Verify(req(), body, sig.Public(other), now); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("another key: %v", err)
			}
			if _, err := reqsign.Verify(req(), body, sig.Public(key), now.Add(10*time.Minute)); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("a stale request: %v", err)
			}
		})
	}
}
