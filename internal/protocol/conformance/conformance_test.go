package conformance

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// published is the vectors file members download.
func published(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "docs", "conformance", "delivery-vectors.json")
}

// TestPublishedVectors checks that the file in docs/ is what Builtin
// generates, so the docs, the kit and the code cannot drift apart. Run
// with HULIAN_UPDATE_VECTORS=1 to rewrite it.
func TestPublishedVectors(t *testing.T) {
	v, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	path := published(t)
	if os.Getenv("HULIAN_UPDATE_VECTORS") != "" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run with HULIAN_UPDATE_VECTORS=1", path)
	}
	parsed, err := ParseVectors(got)
	if err != nil {
		t.Fatal(err)
	}
	// The published token and seal vectors are those of
	// docs/delivery-crypto.md.
	if parsed.Tokens[0].Token != "20586dd0dee1656a6519fc723862e75a" || parsed.Tokens[3].Token != "eab36713c0c80d0d2d8d37a107800863" ||
		parsed.Sealed.Commitment != "ada7385f0eb58539269cd48846ad1924744bc6afc82acb2b51af1fdd11b3f097" {
		t.Fatalf("vectors differ from docs/delivery-crypto.md: %+v", parsed)
	}
}

func TestSelfPasses(t *testing.T) {
	v, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Self(v)
	if err != nil {
		t.Fatal(err)
	}
	checks, bad := Check(v, r)
	if len(bad) > 0 || checks != len(v.Tokens)+5 {
		t.Fatalf("%d checks, mismatches %+v", checks, bad)
	}
	// Each kind of mistake is caught.
	r.Tokens[1].Token = "00"
	r.Signature = ""
	r.Tokens = r.Tokens[:3]
	if _, bad := Check(v, r); len(bad) != 3 {
		t.Fatalf("mismatches %+v, want 3", bad)
	}
}

func TestFreshSeal(t *testing.T) {
	// Regenerating with a fresh seal gives other sealed bytes that open to
	// the same plaintext.
	v, err := Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Builtin()
	if v.Sealed.Sealed == b.Sealed.Sealed || v.Sealed.Plaintext != b.Sealed.Plaintext {
		t.Fatal("a fresh seal should differ in bytes and agree in plaintext")
	}
}

func FuzzParseResults(f *testing.F) {
	f.Add([]byte(`{"tokens":[{"order_id":"o","exid":"e","token_hex":"00"}],"opened_plaintext_hex":""}`))
	f.Add([]byte(`{"unknown":1}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseResults(b)
		if err != nil {
			return
		}
		v, _ := Builtin()
		Check(v, r)
	})
}
