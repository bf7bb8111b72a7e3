package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/keyring"
	"hulian/internal/node/nodekey"
)

// TestNodeIncident drives `hulian node incident` (C-13): a plan published
// from its file, a drill of it, the status with the next drill's due day,
// and evidence preserved then checked — a changed copy fails the check.
func TestNodeIncident(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	env := map[string]string{nodekey.EnvKEK: keyring.NewKEKText()}
	if code, _, stderr := runCLI(t, env, "node", "keys", "--db", db); code != 0 {
		t.Fatalf("keys: %s", stderr)
	}
	plan := filepath.Join(dir, "plan.json")
	writeDatasetFile(t, plan, `{"lead":"首席信息安全官","contacts":[{"role":"值班","name":"李明","reach":"021-12345678"}],
"steps":{"containment":"隔离","evidence":"保全日志并登记哈希","assessment":"定级","notify_people":"告知个人","report_authorities":"4 小时内报告","recovery":"恢复","review":"复盘"},"drill_months":6}`)
	drill := filepath.Join(dir, "drill.json")
	writeDatasetFile(t, drill, `{"held_on":"2026-12-01","scenario":"勒索软件","participants":["李明"],"exercised":["containment","recovery"],"findings":"备份恢复耗时过长"}`)
	log := filepath.Join(dir, "auth.log")
	writeDatasetFile(t, log, "sshd: accepted\n")
	for _, c := range []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"node", "incident", "drill", "--db", db, "--file", drill}, 1, ""},
		{[]string{"node", "incident", "plan", "publish", "--db", db, "--file", plan}, 0, "version 1 published"},
		{[]string{"node", "incident", "drill", "--db", db, "--file", drill}, 0, "recorded (plan version 1, 2026-12-01)"},
		{[]string{"node", "incident", "status", "--db", db}, 0, "the next drill is due by 2027-06-01"},
		{[]string{"node", "incident", "evidence", "add", "--db", db, "--incident", "inc_x", log}, 0, "auth.log  15"},
		{[]string{"node", "incident", "evidence", "verify", "--db", db, "--incident", "inc_x", log}, 0, "as preserved"},
	} {
		code, stdout, stderr := runCLI(t, env, c.args...)
		if code != c.code || !strings.Contains(stdout, c.stdout) {
			t.Fatalf("%v: exit %d %q %q", c.args, code, stdout, stderr)
		}
	}
	if err := os.WriteFile(log, []byte("sshd: rejected\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := runCLI(t, env, "node", "incident", "evidence", "verify", "--db", db, "--incident", "inc_x", log); code != 2 || !strings.Contains(stdout, "DIFFERS") {
		t.Errorf("a changed copy: exit %d %q", code, stdout)
	}
}
