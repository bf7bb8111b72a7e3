package exid_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"hulian/internal/protocol/exid"
)

var update = flag.Bool("update", false, "rewrite the conformance vectors")

const vectorsFile = "../../../docs/conformance/exid-vectors.json"

// TestConformanceVectors keeps the published vectors equal to what the
// implementation computes, and checks the implementation passes its own kit.
func TestConformanceVectors(t *testing.T) {
	v, err := exid.GenerateVectors()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	b = append(b, '\n')
	if *update {
		os.MkdirAll("../../../docs/conformance", 0o755)
		if err := os.WriteFile(vectorsFile, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(vectorsFile)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("%s is stale (run go test ./internal/protocol/exid -run TestConformanceVectors -update): %v", vectorsFile, err)
	}
	parsed, err := exid.ParseVectors(got)
	if err != nil {
		t.Fatal(err)
	}
	r, err := exid.SelfResults(parsed)
	if err != nil {
		t.Fatal(err)
	}
	checks, bad := exid.Check(parsed, r)
	if len(bad) != 0 || checks < 50 {
		t.Fatalf("%d checks, mismatches %v", checks, bad)
	}
	// An implementation that forgets to lower-case e-mail, or that skips
	// the proof, is caught.
	r.Normalize[16].Canonical = " Alice.Wang@Example.COM"
	r.ProofVerified = false
	if _, bad := exid.Check(parsed, r); len(bad) != 2 {
		t.Errorf("mismatches %v, want 2", bad)
	}
}
