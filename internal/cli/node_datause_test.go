package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeDataUse: `hulian node datause threshold` sets the daily read
// threshold and refuses a non-positive one; `account-domains` names the
// login and refuses a malformed domain; `dataset-domain` refuses a dataset
// the node lacks; `alerts` lists none on a fresh node.
func TestNodeDataUse(t *testing.T) {
	t.Parallel()
	db := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if code, out, stderr := runWithStdin(t, "", "node", "datause", "threshold", "--db", db, "--rows", "5000"); code != 0 || !strings.Contains(out, "5000") {
		t.Errorf("threshold: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "datause", "threshold", "--db", db, "--rows", "0"); code != 2 || !strings.Contains(stderr, "--rows") {
		t.Errorf("a zero threshold: %d %q", code, stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "datause", "account-domains", "--db", db, "--login", "nobody", "--domains", "Marketing!"); code != 2 || !strings.Contains(stderr, "--domains") {
		t.Errorf("a bad domain: %d %q", code, stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "datause", "dataset-domain", "--db", db, "--name", "spend", "--domain", "marketing"); code != 2 || !strings.Contains(stderr, "spend") {
		t.Errorf("a dataset the node lacks: %d %q", code, stderr)
	}
	if code, out, _ := runWithStdin(t, "", "node", "datause", "alerts", "--db", db); code != 0 || !strings.Contains(out, "ALERT") {
		t.Errorf("alerts: %d %q", code, out)
	}
}
