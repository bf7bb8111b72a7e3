package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/protocol/exid"
)

// TestNodeAuthorisations: `hulian node authorisations import|count|revoke`
// keep the demander node's query authorisation records; a bad row is named
// by line and column and leaves nothing stored.
func TestNodeAuthorisations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	id := func(i byte) string {
		out := make([]byte, 16)
		out[15] = i
		return exid.FromOutput(1, out).String()
	}
	sum := strings.Repeat("ab", 32)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := "exid,agreement_sha256,signed_on,expires_on,verified_on,verification\n"
	bad := write("bad.csv", head+fmt.Sprintf("%s,%s,2026-01-01,2027-01-01,,\n%s,%s,2026-01-01,2025-01-01,,\n", id(1), sum, id(2), sum))
	code, _, stderr := runWithStdin(t, "", "node", "authorisations", "import", "--db", db, "--in", bad)
	if code == 0 || !strings.Contains(stderr, "bad.csv") || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, "expires_on") {
		t.Errorf("bad row: %d %q", code, stderr)
	}
	good := write("good.csv", head+fmt.Sprintf("%s,%s,2026-01-01,2027-01-01,,\n%s,%s,2026-01-01,2027-01-01,2026-01-03,face:77\n", id(1), sum, id(2), sum))
	code, out, stderr := runWithStdin(t, "", "node", "authorisations", "import", "--db", db, "--in", good)
	if code != 0 || !strings.Contains(out, "imported 2 query authorisation records (1 one-step, 1 with identity verification)") {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	if code, out, _ = runWithStdin(t, "", "node", "authorisations", "count", "--db", db); code != 0 || !strings.HasPrefix(out, "2 subjects") {
		t.Errorf("count: %d %q", code, out)
	}
	if code, out, _ = runWithStdin(t, "", "node", "authorisations", "revoke", "--db", db, id(1)); code != 0 || !strings.Contains(out, "withdrew 1") {
		t.Errorf("revoke: %d %q", code, out)
	}
	if code, out, _ = runWithStdin(t, "", "node", "authorisations", "count", "--db", db); code != 0 || !strings.HasPrefix(out, "1 subjects") {
		t.Errorf("count after revoking: %d %q", code, out)
	}
	if code, _, stderr = runWithStdin(t, "", "node", "authorisations", "revoke", "--db", db, "not-an-exid"); code == 0 || !strings.Contains(stderr, "invalid") {
		t.Errorf("revoke a bad exID: %d %q", code, stderr)
	}
}
