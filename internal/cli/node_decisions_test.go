package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNodeDecisions: `hulian node decisions add` registers a scenario and
// prints its ID, `list` shows it, `retire` retires it; a scenario needs
// its rules, and an opt-out purpose the notice in force has.
func TestNodeDecisions(t *testing.T) {
	t.Parallel()
	db := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "decisions", "add", "--db", db, "--name", "信用额度评估"); code != 2 || !strings.Contains(stderr, "--rules") {
		t.Errorf("no rules: %d %q", code, stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "decisions", "add", "--db", db, "--name", "推荐", "--rules", "按浏览记录推荐", "--opt-out", "marketing"); code != 2 || !strings.Contains(stderr, "no purpose marketing") {
		t.Errorf("an opt-out purpose without a notice: %d %q", code, stderr)
	}
	code, out, stderr := runWithStdin(t, "", "node", "decisions", "add", "--db", db, "--name", "信用额度评估", "--rules", "按还款记录评分", "--significant")
	id := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(id, "dec_") {
		t.Fatalf("add: %d %q %q", code, out, stderr)
	}
	if _, out, _ := runWithStdin(t, "", "node", "decisions", "list", "--db", db); !strings.Contains(out, id) || !strings.Contains(out, "yes") {
		t.Errorf("list: %q", out)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "decisions", "retire", "--db", db, "--id", id); code != 0 {
		t.Fatalf("retire: %q", stderr)
	}
	if _, out, _ := runWithStdin(t, "", "node", "decisions", "list", "--db", db); strings.Contains(out, id) {
		t.Errorf("a retired scenario listed: %q", out)
	}
	if _, out, _ := runWithStdin(t, "", "node", "decisions", "list", "--db", db, "--all"); !strings.Contains(out, "retired") {
		t.Errorf("list --all: %q", out)
	}
}
