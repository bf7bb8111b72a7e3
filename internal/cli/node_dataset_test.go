package cli_test

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	"hulian/internal/keyring"
	"hulian/internal/node/nodekey"
	"hulian/internal/protocol/exid"
)

// TestNodeDataset drives `hulian node dataset` end to end: import by exID
// (X-A1), the signed report, exclusion, and the region refusal (O-6).
func TestNodeDataset(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	env := map[string]string{nodekey.EnvKEK: keyring.NewKEKText()}
	listing := filepath.Join(dir, "listing.json")
	writeDatasetFile(t, listing, `{"id":"lst_cli","version":1,"subject":"person","k":1000,"tags":[{"key":"level","column":"level","value_type":"single","values":["high","low"]}]}`)
	var b strings.Builder
	b.WriteString("exid,level,phone_note\n")
	id := func(i int) exid.ExID {
		var out [16]byte
		binary.BigEndian.PutUint64(out[:8], uint64(i)+7)
		return exid.FromOutput(1, out[:])
	}
	for i := range 2000 {
		fmt.Fprintf(&b, "%s,%s,x\n", id(i), map[bool]string{true: "high", false: "low"}[i%2 == 0])
	}
	data := filepath.Join(dir, "data.csv")
	writeDatasetFile(t, data, b.String())
	base := []string{"node", "dataset", "import", "--db", db, "--name", "spend", "--listing", listing, "--in", data, "--id-column", "exid", "--source", "会员消费记录，依会员协议收集"}
	// The same rows gzip-compressed, under a name that does not say so,
	// and cut short.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(b.String()))
	zw.Close()
	packed, cut := filepath.Join(dir, "data.bin"), filepath.Join(dir, "cut.csv.gz")
	writeDatasetFile(t, packed, gz.String())
	writeDatasetFile(t, cut, gz.String()[:gz.Len()/2])
	withIn := func(in string) []string {
		args := append([]string(nil), base...)
		args[slices.Index(args, data)] = in
		return args
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no region", base, 1, "", "--region"},
		{"outside the mainland", append(base, "--region", "CN-HK"), 1, "", "outside mainland China"},
		{"import", append(base, "--region", "CN-SH"), 0, "dataset spend version 1: 2000 rows", ""},
		{"re-import", base, 0, "dataset spend version 2", "importing 2000 rows"},
		{"gzip", withIn(packed), 0, "dataset spend version 3: 2000 rows", ""},
		{"gzip cut short", withIn(cut), 2, "", "the gzip data is corrupt or cut short"},
		{"nothing written by the cut file", base, 0, "dataset spend version 4", ""},
		{"bad exID", []string{"node", "dataset", "exclude", "--db", db, "--name", "spend", "ex1zz"}, 2, "", "exID 1 is invalid"},
		{"exclude", []string{"node", "dataset", "exclude", "--db", db, "--name", "spend", id(0).String()}, 0, "excluded 1 exIDs", ""},
		{"exclude everywhere", []string{"node", "dataset", "exclude", "--db", db, "--all", "--reason", "consent withdrawn", id(0).String(), id(1).String()}, 0, "(2 new)", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, env, tt.args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q; want exit %d with %q / %q", tt.name, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}

	code, keys, stderr := runCLI(t, env, "node", "keys", "--db", db)
	if code != 0 {
		t.Fatalf("keys: %s", stderr)
	}
	pub, _ := base64.StdEncoding.DecodeString(strings.Fields(strings.Split(keys, "\n")[1])[1])
	code, stdout, stderr := runCLI(t, env, "node", "dataset", "report", "--db", db, "--name", "spend")
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	var r gate.SignedReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("report %q: %v", stdout, err)
	}
	l := &catalog.Listing{ID: "lst_cli", Version: 1, Tags: []catalog.Tag{{Key: "level", ValueType: catalog.ValueSingle, Values: []string{"high", "low"}}}}
	if err := r.Check(l, ed25519.PublicKey(pub), gate.MinK); err != nil {
		t.Errorf("the platform's check of the printed report: %v", err)
	}
}

func writeDatasetFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
