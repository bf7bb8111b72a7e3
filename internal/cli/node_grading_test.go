package cli_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/keyring"
	"hulian/internal/node/nodekey"
	"hulian/internal/protocol/exid"
)

// TestNodeGrading drives `hulian node grading`: an import grades its
// fields, the financial one encrypted at rest under the 国密 profile the
// node was deployed with, and the catalogue names its sources (C-7, O-5).
func TestNodeGrading(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	env := map[string]string{nodekey.EnvKEK: keyring.NewKEKText()}
	listing := filepath.Join(dir, "listing.json")
	writeDatasetFile(t, listing, `{"id":"lst_cli","version":1,"subject":"person","k":50,"tags":[
		{"key":"level","column":"level","value_type":"single","values":["high","low"]},
		{"key":"loan_intent","column":"贷款意向","value_type":"single","values":["强","弱"]}]}`)
	var b strings.Builder
	b.WriteString("exid,level,贷款意向\n")
	for i := range 200 {
		var out [16]byte
		binary.BigEndian.PutUint64(out[:8], uint64(i)+7)
		fmt.Fprintf(&b, "%s,%s,%s\n", exid.FromOutput(1, out[:]), map[bool]string{true: "high", false: "low"}[i%2 == 0], map[bool]string{true: "强", false: "弱"}[i%4 < 2])
	}
	data := filepath.Join(dir, "data.csv")
	writeDatasetFile(t, data, b.String())
	if code, _, stderr := runCLI(t, env, "node", "dataset", "import", "--db", db, "--crypto", "gm", "--region", "CN-SH", "--name", "loans", "--listing", listing, "--in", data,
		"--id-column", "exid", "--status", "deidentified", "--source", "会员贷款咨询记录，依会员协议收集"); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	if code, _, stderr := runCLI(t, env, "node", "grading", "list", "--db", db, "--crypto", "sm9"); code != 2 || !strings.Contains(stderr, "--crypto") {
		t.Errorf("an unknown profile: exit %d, %q", code, stderr)
	}
	code, stdout, stderr := runCLI(t, env, "node", "grading", "list", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("list: %s", stderr)
	}
	var rows []struct {
		Column    string `json:"column"`
		Class     string `json:"class"`
		Grade     int    `json:"grade"`
		Art28     string `json:"pipl_art28"`
		Encrypted bool   `json:"encrypted"`
	}
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("list --json %q: %v", stdout, err)
	}
	for _, r := range rows {
		sensitive := r.Column == "贷款意向"
		if r.Encrypted != sensitive || (sensitive && (r.Class != "property" || r.Grade != 4 || r.Art28 != "金融账户")) {
			t.Errorf("%+v", r)
		}
	}
	code, stdout, _ = runCLI(t, env, "node", "grading", "list", "--db", db)
	if code != 0 || !strings.Contains(stdout, "property and financial accounts") || !strings.Contains(stdout, "sensitive personal information") {
		t.Errorf("list: %q", stdout)
	}
	code, stdout, _ = runCLI(t, env, "node", "grading", "catalogue")
	if code != 0 || !strings.Contains(stdout, "GB/T 35273-2020") || !strings.Contains(stdout, "biometric") {
		t.Errorf("catalogue: %q", stdout)
	}
	code, stdout, stderr = runCLI(t, env, "node", "grading", "access", "--db", db)
	if code != 0 || !strings.Contains(stdout, "SENSITIVE FIELDS") {
		t.Errorf("access: exit %d %q %q", code, stdout, stderr)
	}
	backup := filepath.Join(dir, "backup.db")
	code, stdout, stderr = runCLI(t, env, "node", "backup", "--db", db, "--out", backup)
	if code != 0 || !strings.Contains(stdout, "integrity checked") {
		t.Fatalf("backup: exit %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr = runCLI(t, env, "node", "backup", "--db", db, "--out", backup); code == 0 || !strings.Contains(stderr, "not overwritten") {
		t.Errorf("a backup over an existing file: exit %d %q", code, stderr)
	}
	// The copy is a node: it lists the same grading.
	if code, stdout, _ = runCLI(t, env, "node", "grading", "list", "--db", "sqlite://"+backup); code != 0 || !strings.Contains(stdout, "property and financial accounts") {
		t.Errorf("the copy: exit %d %q", code, stdout)
	}
}
