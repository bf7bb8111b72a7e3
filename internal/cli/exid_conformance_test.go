package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/protocol/exid"
)

func TestExidConformance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := func(args ...string) (int, string) {
		code, out, errOut := runCLI(t, nil, args...)
		return code, out + errOut
	}
	code, vectors := run("exid", "conformance")
	if code != 0 {
		t.Fatalf("vectors: %d %s", code, vectors)
	}
	vpath := filepath.Join(dir, "v.json")
	os.WriteFile(vpath, []byte(vectors), 0o600)
	v, err := exid.ParseVectors([]byte(vectors))
	if err != nil {
		t.Fatal(err)
	}
	r, _ := exid.SelfResults(v)
	b, _ := json.Marshal(r)
	rpath := filepath.Join(dir, "r.json")
	os.WriteFile(rpath, b, 0o600)
	code, out := run("exid", "conformance", "--vectors", vpath, "--results", rpath)
	if code != 0 || !strings.Contains(out, " passed, 0 failed") {
		t.Fatalf("own results: %d %s", code, out)
	}
	r.ExIDs[0].ExID = "ex1aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	b, _ = json.Marshal(r)
	os.WriteFile(rpath, b, 0o600)
	code, out = run("exid", "conformance", "--results", rpath)
	if code != 1 || !strings.Contains(out, "FAIL exid[0]") || !strings.Contains(out, ", 1 failed") {
		t.Fatalf("wrong exID: %d %s", code, out)
	}
}
