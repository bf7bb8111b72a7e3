package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorMessages holds the messages a user meets first to what they
// must say, in both languages: what went wrong, where (the file, its line,
// the host and port) and why (the operating system's or the network's
// reason); and that a refused command leaves nothing behind.
func TestErrorMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ids := csv("ids.csv", "exid\nex1aaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")
	ragged := csv("ragged.csv", "exid,城市,性别\nex1a,北京,男\nex1b,上海\n")
	tok := csv("token", "hlt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n")
	empty := t.TempDir() // a folder the commands must leave empty
	nodeDB := "sqlite://" + filepath.Join(empty, "hulian-node.db")
	missing := filepath.Join(dir, "nothere.csv")

	tests := []struct {
		name   string
		args   []string
		zh, en []string // what stderr must contain
	}{
		{"unreachable database", []string{"platform", "--listen", "127.0.0.1:0", "--db", "postgres://hulian:secret@127.0.0.1:1/exchange?sslmode=disable"},
			[]string{"无法连接 PostgreSQL 数据库 127.0.0.1:1", "库 exchange", "connection refused"},
			[]string{"cannot reach the PostgreSQL database at 127.0.0.1:1", "database exchange", "connection refused"}},
		{"query input missing", []string{"query", "--db", nodeDB, "--order", "ord_abc", "--in", missing, "--out", filepath.Join(empty, "r.csv")},
			[]string{"--in", "无法读取文件 " + missing, "no such file or directory"},
			[]string{"--in", "cannot read " + missing, "no such file or directory"}},
		{"query without a node", []string{"query", "--db", nodeDB, "--order", "ord_abc", "--in", ids, "--out", filepath.Join(empty, "r.csv")},
			[]string{"这里没有节点数据库", "hulian node"},
			[]string{"there is no node database", "hulian node"}},
		{"deliveries without a node", []string{"node", "deliveries", "list", "--db", nodeDB},
			[]string{"这里没有节点数据库"}, []string{"there is no node database"}},
		// --retry-for 0: the platform's absence is reported at once rather
		// than waited out for two minutes (TestTranslateRetried covers the waiting).
		{"platform not reached", []string{"exid", "translate", "--platform", "http://127.0.0.1:1", "--credentials", tok, "--type", "mobile", "--retry-for", "0", "13800138000"},
			[]string{"无法连接平台", "connection refused"}, []string{"cannot reach the platform", "connection refused"}},
		{"token file missing", []string{"exid", "translate", "--platform", "http://127.0.0.1:1", "--credentials", missing, "--type", "mobile", "13800138000"},
			[]string{"--credentials", "无法读取令牌文件 " + missing, "no such file or directory"},
			[]string{"--credentials", "cannot read the token file " + missing, "no such file or directory"}},
		{"scan file missing", []string{"scan", missing, "--id-column", "exid"},
			[]string{missing, "无法打开文件", "no such file or directory"}, []string{missing, "cannot open the file", "no such file or directory"}},
		{"missing column", []string{"scan", ragged, "--id-column", "uid"},
			[]string{"uid", "表头的列为：exid, 城市, 性别"}, []string{"uid", "the header has: exid, 城市, 性别"}},
		{"ragged row at its file line", []string{"scan", ragged, "--id-column", "exid"},
			[]string{"第 3 行", "性别"}, []string{"line 3", "性别"}},
		{"token list, platform not reached", []string{"token", "list", "--platform", "http://127.0.0.1:1", "--credentials", tok},
			[]string{"未能连接平台 http://127.0.0.1:1"}, []string{"the platform at http://127.0.0.1:1 was not reached"}},
	}
	for _, tt := range tests {
		for _, lang := range []string{"zh-CN", "en"} {
			want := tt.zh
			if lang == "en" {
				want = tt.en
			}
			code, _, stderr := runCLI(t, nil, append([]string{"--lang", lang}, tt.args...)...)
			if code == 0 {
				t.Errorf("%s (%s): exit 0", tt.name, lang)
			}
			for _, w := range want {
				if !strings.Contains(stderr, w) {
					t.Errorf("%s (%s): %q lacks %q", tt.name, lang, stderr, w)
				}
			}
			if strings.Contains(stderr, "secret") || strings.Contains(stderr, "内部错误") || strings.Contains(stderr, "internal error") {
				t.Errorf("%s (%s): %q shows a password or hides the cause", tt.name, lang, stderr)
			}
		}
	}
	if left, _ := os.ReadDir(empty); len(left) != 0 {
		t.Errorf("refused commands left files behind: %v", left)
	}
}
