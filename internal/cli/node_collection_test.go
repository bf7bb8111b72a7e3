package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/node"
	"hulian/internal/node/collection"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
)

// TestNodeCollection: `hulian node collection plan propose` submits a plan
// and prints its findings; `plan list` lists it; once the committee has
// approved it (on the console), `record` refuses a batch with a column
// outside the plan, leaving no output, and records a good one, writing the
// cleaned rows and the quality report; `batches` lists it.
func TestNodeCollection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	today := calendar.DateOf(time.Now())
	planFile := filepath.Join(dir, "plan.json")
	os.WriteFile(planFile, []byte(`{"name":"门店线索","purpose":"安排看房","serves":"联系客户","necessity":"无法联系即无法服务","scenario":"房产中介",
		"sources":["门店前台"],"methods":["offline_questionnaire"],"frequency":"continuous","formats":["csv"],
		"fields":[{"name":"手机号","required":true,"id_type":"mobile"},{"name":"生日"}],
		"valid_from":"`+today.String()+`","valid_until":"`+today.AddDays(30).String()+`"}`), 0o600)
	code, out, stderr := runWithStdin(t, "", "node", "collection", "plan", "propose", "--db", db, "--file", planFile)
	if code != 0 || !strings.Contains(out, "cpl_") || !strings.Contains(out, "生日") {
		t.Fatalf("propose: %d %q %q", code, out, stderr)
	}
	id := strings.Fields(out[strings.Index(out, "cpl_"):])[0]
	if _, out, _ := runWithStdin(t, "", "node", "collection", "plan", "list", "--db", db); !strings.Contains(out, id) || !strings.Contains(out, "submitted") {
		t.Errorf("list: %q", out)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "collection", "plan", "propose", "--db", db, "--file", filepath.Join(dir, "none.json")); code != 2 || !strings.Contains(stderr, "--file") {
		t.Errorf("a missing plan file: %d %q", code, stderr)
	}

	// The committee approves on the console; here, through the package.
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DB: db, KEKFile: filepath.Join(dir, "node.db.kek")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collection.New(n).Decide(ctx, id, true, "", &nodestore.Account{Login: "wang", Roles: []string{staff.RoleCommittee}}); err != nil {
		t.Fatal(err)
	}
	n.Close()

	in, clean := filepath.Join(dir, "batch.csv"), filepath.Join(dir, "clean.csv")
	args := []string{"node", "collection", "record", "--db", db, "--plan", id, "--in", in, "--out", clean, "--collector", "张三", "--place", "徐汇门店",
		"--source", "门店前台", "--method", "offline_questionnaire"}
	os.WriteFile(in, []byte("手机号,收入\n13800138000,1\n"), 0o600)
	if code, _, stderr := runWithStdin(t, "", args...); code != 2 || !strings.Contains(stderr, "收入") {
		t.Errorf("a column outside the plan: %d %q", code, stderr)
	}
	if _, err := os.Stat(clean); err == nil {
		t.Error("a refused batch left its output")
	}
	os.WriteFile(in, []byte("手机号,生日\n13800138000,1990-01-01\n13800138000,1990-01-01\n12,\n"), 0o600)
	code, out, stderr = runWithStdin(t, "", args...)
	if code != 0 || !strings.Contains(out, "3 rows, 1 kept, 1 invalid, 1 duplicates") || !strings.Contains(out, "line 4") {
		t.Fatalf("record: %d %q %q", code, out, stderr)
	}
	if b, err := os.ReadFile(clean); err != nil || string(b) != "手机号,生日\n+8613800138000,1990-01-01\n" {
		t.Errorf("cleaned rows: %q %v", b, err)
	}
	if _, out, _ := runWithStdin(t, "", "node", "collection", "batches", "--db", db); !strings.Contains(out, "cbt_") || !strings.Contains(out, "张三") {
		t.Errorf("batches: %q", out)
	}
}
