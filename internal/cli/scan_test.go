package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/i18n"
)

// runCLI runs hulian with args and returns the exit status and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }, Lang: i18n.ZH})
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanCmd(t *testing.T) {
	t.Parallel()
	clean := writeFile(t, "clean.csv", "exid,城市,年龄段\nex1a,北京市,25-34岁\nex1b,上海市,35-44岁\n")
	dirty := writeFile(t, "dirty.csv", "exid,备注\nex1a,喜欢运动\nex1b,电话13812345678\n")
	ragged := writeFile(t, "ragged.csv", "exid,备注\nex1a\n")
	terms := writeFile(t, "terms.txt", "[测试]\n运动\n")
	tests := []struct {
		name  string
		args  []string
		code  int
		lines int
	}{
		{"clean", []string{"scan", clean, "--id-column", "exid"}, 0, 0},
		{"flags first", []string{"scan", "--id-column", "exid", dirty}, 1, 1},
		{"custom terms", []string{"scan", dirty, "--id-column", "exid", "--terms", terms}, 1, 2},
		{"ragged", []string{"scan", ragged, "--id-column", "exid"}, 2, 0},
		{"missing id column", []string{"scan", clean, "--id-column", "uid"}, 2, 0},
		{"no such file", []string{"scan", filepath.Join(t.TempDir(), "nope.csv"), "--id-column", "exid"}, 2, 0},
		{"no id flag", []string{"scan", clean}, 2, 0},
		{"two files", []string{"scan", clean, dirty, "--id-column", "exid"}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tt.code, out, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if out == "" {
				lines = nil
			}
			if len(lines) != tt.lines {
				t.Fatalf("%d lines, want %d: %q", len(lines), tt.lines, out)
			}
			for _, l := range lines {
				var f struct {
					Row                          int
					Column, Kind, Clause, Reason string
				}
				if err := json.Unmarshal([]byte(l), &f); err != nil || f.Row < 1 || f.Column != "备注" || f.Clause == "" || f.Reason == "" {
					t.Errorf("line %q: %+v %v", l, f, err)
				}
			}
			if tt.code == 2 && !strings.Contains(errOut, "hulian:") {
				t.Errorf("no error message on stderr: %q", errOut)
			}
		})
	}
}

func TestScanCmdRaggedNamesRowAndColumn(t *testing.T) {
	t.Parallel()
	p := writeFile(t, "r.csv", "exid,城市,性别\nex1a,北京,男\nex1b,上海\n")
	code, _, errOut := runCLI(t, "scan", p, "--id-column", "exid")
	if code != 2 || !strings.Contains(errOut, "第 3 行") || !strings.Contains(errOut, "性别") {
		t.Errorf("exit %d, stderr %q; want 2 naming line 3 and column 性别", code, errOut)
	}
}
