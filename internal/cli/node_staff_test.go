package cli_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/cli"
	"hulian/internal/i18n"
)

func runWithStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Lang: i18n.EN}
	return cli.Main(context.Background(), args, e), out.String(), errb.String()
}

// TestNodeStaff: `hulian node staff add|list|passwd|disable` manage the
// node console's accounts, reading passwords from standard input only, and
// refuse to create a node in a folder that has none.
func TestNodeStaff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")

	code, _, stderr := runWithStdin(t, "", "node", "staff", "list", "--db", db)
	if code == 0 || !strings.Contains(stderr, "no node database") {
		t.Fatalf("list without a node: %d %q", code, stderr)
	}
	if code, _, stderr = runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	code, _, stderr = runWithStdin(t, "a long enough password\n", "node", "staff", "add", "--db", db, "--login", "ops", "--name", "运维")
	if code == 0 || !strings.Contains(stderr, "--password-stdin") {
		t.Errorf("add without --password-stdin: %d %q", code, stderr)
	}
	code, _, stderr = runWithStdin(t, "short\n", "node", "staff", "add", "--db", db, "--login", "ops", "--name", "运维", "--password-stdin")
	if code == 0 || !strings.Contains(stderr, "at least 12") {
		t.Errorf("short password: %d %q", code, stderr)
	}
	code, out, stderr := runWithStdin(t, "a long enough password\n", "node", "staff", "add", "--db", db, "--login", "Ops", "--name", "运维", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created node console account ops") {
		t.Fatalf("add: %d %q %q", code, out, stderr)
	}
	code, _, stderr = runWithStdin(t, "a long enough password\n", "node", "staff", "add", "--db", db, "--login", "ops", "--name", "又一个", "--password-stdin")
	if code == 0 || !strings.Contains(stderr, "taken") {
		t.Errorf("duplicate login: %d %q", code, stderr)
	}
	if code, out, stderr = runWithStdin(t, "another long password\n", "node", "staff", "passwd", "--db", db, "--login", "ops", "--password-stdin"); code != 0 {
		t.Errorf("passwd: %d %q", code, stderr)
	}
	if code, out, stderr = runWithStdin(t, "", "node", "staff", "disable", "--db", db, "--login", "ops"); code != 0 {
		t.Errorf("disable: %d %q", code, stderr)
	}
	code, out, _ = runWithStdin(t, "", "node", "staff", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "LOGIN") || !strings.Contains(out, "ops") || !strings.Contains(out, "运维") || !strings.Contains(out, "disabled") {
		t.Errorf("list: %d %q", code, out)
	}
	if code, _, stderr = runWithStdin(t, "", "node", "staff", "disable", "--db", db, "--login", "nobody"); code == 0 || !strings.Contains(stderr, "nobody") {
		t.Errorf("disable nobody: %d %q", code, stderr)
	}
}
