package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeInspect: `hulian node inspect status` says the quarter's
// inspection is due; `run` evaluates the checklist (a fresh node has no
// committee or security account: a finding) and prints each item; then
// the quarter is done; `remedy` closes a finding, naming a missing note.
func TestNodeInspect(t *testing.T) {
	t.Parallel()
	db := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if _, out, _ := runWithStdin(t, "", "node", "inspect", "status", "--db", db); !strings.Contains(out, "still to do") {
		t.Errorf("status before: %q", out)
	}
	code, out, stderr := runWithStdin(t, "", "node", "inspect", "run", "--db", db)
	if code != 0 || !strings.Contains(out, "[FINDING]") || !strings.Contains(out, "fnd_") {
		t.Fatalf("run: %d %q %q", code, out, stderr)
	}
	id := strings.Fields(out[strings.Index(out, "fnd_"):])[0]
	id = strings.TrimSuffix(id, ":")
	if _, out, _ := runWithStdin(t, "", "node", "inspect", "status", "--db", db); !strings.Contains(out, "is done") || !strings.Contains(out, id) {
		t.Errorf("status after: %q", out)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "inspect", "remedy", "--db", db, "--id", id); code != 2 || !strings.Contains(stderr, "--note") {
		t.Errorf("remedy without a note: %d %q", code, stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "inspect", "remedy", "--db", db, "--id", id, "--note", "已设委员"); code != 0 {
		t.Errorf("remedy: %q", stderr)
	}
}
