package cli_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/protocol/exid"
)

// TestNodeConsent: `hulian node consent` publishes the notice, imports
// events (a bad row named, nothing stored), records a withdrawal, prints a
// subject's history, issues a receipt, binds an order and verifies the
// ledger — and finds an event changed in the database.
func TestNodeConsent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "node.db")
	if code, _, stderr := runWithStdin(t, "", "node", "keys", "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	id := func(i byte) string {
		out := make([]byte, 16)
		out[15] = i
		return exid.FromOutput(1, out).String()
	}
	run := func(args ...string) (int, string, string) {
		return runWithStdin(t, "", append([]string{"node", "consent"}, append(args, "--db", db)...)...)
	}
	early := "exid,purpose,action,basis,notice_version,method,evidence,at,separate\n" + id(1) + ",exchange,given,consent,1,app_opt_in,form-1,2026-11-01 10:00,true\n"
	if code, _, stderr := run("import", "--in", write("early.csv", early)); code == 0 || !strings.Contains(stderr, "no privacy notice") {
		t.Errorf("import before a notice: %d %q", code, stderr)
	}
	notice := `{"version":1,"controller":"甲数据","contact":"privacy@jia.example.cn","text_zh":"隐私政策","text_en":"Privacy notice","purposes":[
	{"code":"exchange","name_zh":"经数据交易所向需求方提供标签","name_en":"tags to demanders through the exchange","categories":["消费水平"],
	 "methods":["store","provide"],"recipients":["需求方"],"retention":"1 年","third_party":true}]}`
	if code, _, stderr := run("notice", "publish", "--file", write("bad.json", strings.Replace(notice, `"retention":"1 年",`, "", 1))); code != 2 || !strings.Contains(stderr, "purposes[0].retention") {
		t.Errorf("a notice without retention: %d %q", code, stderr)
	}
	if code, out, stderr := run("notice", "publish", "--file", write("notice.json", notice)); code != 0 || !strings.Contains(out, "published notice version 1") {
		t.Fatalf("publish: %d %q %q", code, out, stderr)
	}
	head := "exid,purpose,action,basis,notice_version,method,evidence,at,separate\n"
	rows := fmt.Sprintf("%s,exchange,given,consent,1,app_opt_in,form-1,2026-11-01 10:00,true\n%s,exchange,given,consent,1,app_opt_in,form-2,2026-11-01 10:00,false\n", id(1), id(2))
	if code, _, stderr := run("import", "--in", write("bad.csv", head+rows)); code != 2 || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, "separate") {
		t.Errorf("a row without separate consent: %d %q", code, stderr)
	}
	rows = strings.Replace(rows, "form-2,2026-11-01 10:00,false", "form-2,2026-11-01 10:00,true", 1)
	if code, out, stderr := run("import", "--in", write("good.csv", head+rows)); code != 0 || !strings.Contains(out, "recorded 2 events: 2 given") {
		t.Fatalf("import: %d %q %q", code, out, stderr)
	}
	if code, out, stderr := run("withdraw", "--exid", id(2), "--purpose", "exchange"); code != 0 || !strings.Contains(out, "in force from the next delivery") {
		t.Fatalf("withdraw: %d %q %q", code, out, stderr)
	}
	if code, out, _ := run("history", "--exid", id(2)); code != 0 || !strings.Contains(out, "given") || !strings.Contains(out, "withdrawn") {
		t.Errorf("history: %d %q", code, out)
	}
	rcpt := filepath.Join(dir, "receipt.jwt")
	if code, out, stderr := run("receipt", "--exid", id(1), "--purpose", "exchange", "--out", rcpt); code != 0 || !strings.Contains(out, "Kantara") {
		t.Errorf("receipt: %d %q %q", code, out, stderr)
	}
	if code, _, _ := run("receipt", "--exid", id(2), "--purpose", "exchange"); code == 0 {
		t.Error("a receipt for a withdrawn consent")
	}
	if code, out, _ := run("bind", "--order", "ord_x1", "--purpose", "exchange"); code != 0 || !strings.Contains(out, "ord_x1") {
		t.Errorf("bind: %d %q", code, out)
	}
	if code, out, _ := run("verify"); code != 0 || !strings.Contains(out, "3 events") {
		t.Errorf("verify: %d %q", code, out)
	}
	// The privacy centre's link key and a link for one customer.
	if code, out, _ := runWithStdin(t, "", "node", "privacy", "link-key", "--db", db); code != 0 || len(strings.TrimSpace(out)) != 64 {
		t.Errorf("link-key: %d %q", code, out)
	}
	if code, out, _ := runWithStdin(t, "", "node", "privacy", "link", "--db", db, "--exid", id(1), "--base", "https://node.example.cn"); code != 0 || !strings.HasPrefix(out, "https://node.example.cn/privacy/enter?t=") {
		t.Errorf("link: %d %q", code, out)
	}
	if code, _, stderr := runWithStdin(t, "", "node", "privacy", "link", "--db", db, "--exid", id(1), "--ttl", "1h"); code != 2 || !strings.Contains(stderr, "--ttl") {
		t.Errorf("a link for an hour: %d %q", code, stderr)
	}
	path := filepath.Join(dir, "node.db")
	if err := execSQLite(path, `UPDATE node_consent_events SET evidence = 'forged' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run("verify"); code != 1 || !strings.Contains(stderr, "event 1") {
		t.Errorf("verify a changed ledger: %d %q", code, stderr)
	}
}

// execSQLite runs one statement on a SQLite file, as someone with the
// file would.
func execSQLite(path, stmt string) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Exec(stmt)
	return err
}
