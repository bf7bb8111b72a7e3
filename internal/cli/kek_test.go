package cli_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKEKNew: `hulian kek new` writes a 32-byte key readable by its owner
// only, never overwrites one, and the start-up message for PostgreSQL
// without a key says how to make one.
func TestKEKNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hulian.kek")
	code, out, stderr := runWithStdin(t, "", "kek", "new", "--out", path)
	if code != 0 || !strings.Contains(out, "Keep a copy apart") {
		t.Fatalf("kek new: %d %q %q", code, out, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b))); err != nil || len(k) != 32 {
		t.Errorf("key %q: %v", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if code, _, stderr = runWithStdin(t, "", "kek", "new", "--out", path); code == 0 || !strings.Contains(stderr, "never overwritten") {
		t.Errorf("overwrite: %d %q", code, stderr)
	}
	if b2, _ := os.ReadFile(path); string(b2) != string(b) {
		t.Error("the key changed")
	}
	if code, _, stderr = runWithStdin(t, "", "kek", "new", "--out", filepath.Join(t.TempDir(), "no", "such", "dir", "k")); code == 0 || !strings.Contains(stderr, "cannot write") {
		t.Errorf("bad path: %d %q", code, stderr)
	}
	// A node on PostgreSQL without a key is told how to make one.
	code, _, stderr = runWithStdin(t, "", "node", "keys", "--db", "postgres://127.0.0.1:1/none")
	if code == 0 || !strings.Contains(stderr, "hulian kek new --out") || !strings.Contains(stderr, "apart from the database") {
		t.Errorf("no KEK on PostgreSQL: %d %q", code, stderr)
	}
}
