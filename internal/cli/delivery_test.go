package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/protocol/conformance"
)

func TestDeliveryConformance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := func(args ...string) (int, string) {
		code, out, errOut := runCLI(t, nil, args...)
		return code, out + errOut
	}
	code, vectors := run("delivery", "conformance")
	if code != 0 {
		t.Fatalf("vectors: %d %s", code, vectors)
	}
	published, err := os.ReadFile(filepath.Join("..", "..", "docs", "conformance", "delivery-vectors.json"))
	if err != nil || string(published) != vectors {
		t.Fatalf("the command prints other vectors than docs/conformance/delivery-vectors.json (%v)", err)
	}
	vpath := filepath.Join(dir, "v.json")
	os.WriteFile(vpath, []byte(vectors), 0o600)
	v, err := conformance.ParseVectors([]byte(vectors))
	if err != nil {
		t.Fatal(err)
	}
	r, err := conformance.Self(v)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	rpath := filepath.Join(dir, "r.json")
	os.WriteFile(rpath, b, 0o600)
	code, out := run("delivery", "conformance", "--vectors", vpath, "--results", rpath)
	if code != 0 || !strings.Contains(out, "9 passed, 0 failed") {
		t.Fatalf("own results: %d %s", code, out)
	}
	r.Opened = "00"
	b, _ = json.Marshal(r)
	os.WriteFile(rpath, b, 0o600)
	code, out = run("delivery", "conformance", "--results", rpath)
	if code != 1 || !strings.Contains(out, "FAIL sealed_answer opened_plaintext_hex") || !strings.Contains(out, ", 1 failed") {
		t.Fatalf("wrong plaintext: %d %s", code, out)
	}
	os.WriteFile(rpath, []byte(`{"tokenz":[]}`), 0o600)
	if code, out = run("delivery", "conformance", "--results", rpath); code == 0 || !strings.Contains(out, "tokenz") {
		t.Fatalf("unknown field: %d %s", code, out)
	}
}
