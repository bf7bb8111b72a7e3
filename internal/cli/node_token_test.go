package cli_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNodeToken: `hulian node token create` prints a secret once (the
// message on standard error), `list` shows the token without it, `revoke`
// revokes it once; a token needs a name.
func TestNodeToken(t *testing.T) {
	t.Parallel()
	db := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "token", "create", "--db", db); code != 2 || !strings.Contains(stderr, "--name") {
		t.Errorf("a token without a name: %d %q", code, stderr)
	}
	code, out, stderr := runWithStdin(t, "", "node", "token", "create", "--db", db, "--name", "crm")
	if code != 0 || !strings.HasPrefix(out, "hnt_") || !strings.Contains(stderr, "shown this once") {
		t.Fatalf("create: %d %q %q", code, out, stderr)
	}
	id := regexp.MustCompile(`ntk_[a-z2-7]+`).FindString(stderr)
	_, out, _ = runWithStdin(t, "", "node", "token", "list", "--db", db)
	if !strings.Contains(out, id) || !strings.Contains(out, "crm") || !strings.Contains(out, "live") || strings.Contains(out, "hnt_") {
		t.Errorf("list: %q", out)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "token", "revoke", "--db", db, "--id", id); code != 0 {
		t.Fatalf("revoke: %q", stderr)
	}
	if code, _, _ := runWithStdin(t, "", "node", "token", "revoke", "--db", db, "--id", id); code == 0 {
		t.Error("revoked twice")
	}
	if _, out, _ = runWithStdin(t, "", "node", "token", "list", "--db", db); !strings.Contains(out, "revoked") {
		t.Errorf("list after revoking: %q", out)
	}
}
