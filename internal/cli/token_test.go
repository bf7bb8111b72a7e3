package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/rpc"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTokenCmd: the first token is made with the login and password, is
// written once with mode 0600, works for its scope and nothing else, is
// listed and revoked; and bad flags are refused before anything is made.
func TestTokenCmd(t *testing.T) {
	x := startExchange(t)
	url := x.m.URL()
	dir := t.TempDir()
	pwFile := writeTemp(t, "pw", "a long member password\n")
	out := filepath.Join(dir, "exid.json")

	code, stdout, stderr := runCLI(t, nil, "--lang", "zh-CN", "token", "create", "--platform", url, "--login", "supplier", "--password-file", pwFile,
		"--name", "批量转换", "--scope", "exid", "--days", "30", "--out", out)
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "已创建令牌") || !strings.Contains(stdout, "exID 转换") || !strings.Contains(stdout, "北京时间") {
		t.Errorf("create said %q", stdout)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	var tf rpc.Credentials
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &tf); err != nil || !strings.HasPrefix(tf.Token, "hlt_") || tf.Platform != url || strings.Join(tf.Scopes, ",") != "exid" {
		t.Fatalf("token file %s: %v", b, err)
	}
	if strings.Contains(stdout, tf.Token) {
		t.Error("the secret was printed although it went to a file")
	}

	// The token does what its scope says: exID translation works...
	code, stdout, stderr = runCLI(t, nil, "--lang", "zh-CN", "exid", "translate", "--platform", url, "--credentials", out, "--type", "mobile", "13812345678")
	if code != 0 || !strings.Contains(stdout, "ex1") {
		t.Fatalf("translate with the exid token: exit %d %s %s", code, stdout, stderr)
	}
	// ...and managing tokens does not.
	code, _, stderr = runCLI(t, nil, "--lang", "zh-CN", "token", "list", "--platform", url, "--credentials", out)
	if code == 0 || !strings.Contains(stderr, "范围") {
		t.Errorf("list with an exid token: exit %d %s", code, stderr)
	}

	code, stdout, stderr = runCLI(t, nil, "--lang", "zh-CN", "token", "list", "--platform", url, "--login", "supplier", "--password-file", pwFile)
	if code != 0 || !strings.Contains(stdout, tf.ID) || !strings.Contains(stdout, "批量转换") || !strings.Contains(stdout, "有效") {
		t.Fatalf("list: exit %d %q %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, nil, "--lang", "zh-CN", "token", "revoke", "--platform", url, "--login", "supplier", "--password-file", pwFile, tf.ID)
	if code != 0 || !strings.Contains(stdout, tf.ID) {
		t.Fatalf("revoke: exit %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, nil, "--lang", "zh-CN", "exid", "translate", "--platform", url, "--credentials", out, "--type", "mobile", "13812345678")
	if code == 0 || !strings.Contains(stderr, "令牌") {
		t.Errorf("translate with a revoked token: exit %d %s", code, stderr)
	}

	// Refused before anything is made: the file is left alone, no token
	// appears.
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"existing out", []string{"--name", "x", "--scope", "exid", "--out", out}, "--out"},
		{"no scope", []string{"--name", "x", "--out", filepath.Join(dir, "a")}, "--scope"},
		{"bad scope", []string{"--name", "x", "--scope", "everything", "--out", filepath.Join(dir, "b")}, "--scope"},
		{"too long", []string{"--name", "x", "--scope", "exid", "--days", "400", "--out", filepath.Join(dir, "c")}, "--days"},
		{"no name", []string{"--scope", "exid", "--out", filepath.Join(dir, "d")}, "--name"},
		{"wrong password", []string{"--name", "x", "--scope", "exid", "--out", filepath.Join(dir, "e")}, "密码"},
	} {
		pw := pwFile
		if tc.name == "wrong password" {
			pw = writeTemp(t, "wrong", "not it\n")
		}
		args := append([]string{"token", "create", "--platform", url, "--login", "supplier", "--password-file", pw}, tc.args...)
		code, _, stderr := runCLI(t, nil, append([]string{"--lang", "zh-CN"}, args...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, %q does not name %s", tc.name, code, stderr, tc.want)
		}
	}
	for _, f := range []string{"a", "b", "c", "d", "e"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a refused create left %s behind", f)
		}
	}
	b2, _ := os.ReadFile(out)
	if string(b2) != string(b) {
		t.Error("a refused create changed an existing token file")
	}

	// A platform that is not there is said to be unreachable, by its URL.
	code, _, stderr = runCLI(t, nil, "--lang", "zh-CN", "token", "list", "--platform", "http://127.0.0.1:1", "--login", "supplier", "--password-file", pwFile)
	if code == 0 || !strings.Contains(stderr, "未能连接平台 http://127.0.0.1:1") {
		t.Errorf("unreachable platform: exit %d %s", code, stderr)
	}
}
