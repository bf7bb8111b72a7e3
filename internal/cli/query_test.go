package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/keyring"
	"hulian/internal/node/nodekey"
)

// TestQueryCommand checks `hulian query` and `hulian node deliveries`
// up to the platform: their flags, and what a node with nothing delivered
// says. The delivery itself is tested with a relay in package server.
func TestQueryCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	env := map[string]string{nodekey.EnvKEK: keyring.NewKEKText()}
	in := filepath.Join(dir, "ids.csv")
	writeDatasetFile(t, in, "exid\n")
	// The commands below work on an existing node; a missing one is
	// TestErrorMessages's.
	if code, _, stderr := runCLI(t, env, "node", "keys", "--db", db); code != 0 {
		t.Fatalf("node keys: %s", stderr)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no order", []string{"query", "--db", db, "--in", in, "--out", in + ".out"}, 2, "", "--order"},
		{"no output", []string{"query", "--db", db, "--order", "ord_x", "--in", in}, 2, "", "--out"},
		{"same file", []string{"query", "--db", db, "--order", "ord_x", "--in", in, "--out", in}, 2, "", "--out"},
		{"raw IDs without credentials", []string{"query", "--db", db, "--order", "ord_x", "--in", in, "--out", in + ".out", "--id-type", "mobile"}, 2, "", "--credentials"},
		{"too many in flight", []string{"query", "--db", db, "--order", "ord_x", "--in", in, "--out", in + ".out", "--in-flight", "9"}, 2, "", "--in-flight"},
		{"no platform", []string{"query", "--db", db, "--order", "ord_x", "--in", in, "--out", in + ".out"}, 1, "", "--platform"},
		{"list nothing", []string{"node", "deliveries", "list", "--db", db}, 0, "ORDER", ""},
		{"destroy nothing", []string{"node", "deliveries", "destroy", "--db", db, "--order", "ord_x"}, 0, "destroyed 0 deliveries", ""},
		{"destroy without order", []string{"node", "deliveries", "destroy", "--db", db}, 2, "", "--order"},
		{"bad public URL", []string{"node", "--db", db, "--public-url", "ftp://x"}, 2, "", "--public-url"},
		{"negative index memory", []string{"node", "--db", db, "--index-memory", "-1"}, 2, "", "--index-memory"},
		{"negative dataset memory", []string{"node", "--db", db, "--dataset-memory", "-5"}, 2, "", "--dataset-memory"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, env, append(tt.args, "--lang", "en")...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", tt.name, code, stdout, stderr)
		}
	}
}
