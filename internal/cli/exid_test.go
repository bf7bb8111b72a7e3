package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"hulian/internal/cli"
	"hulian/internal/i18n"
)

func TestExidNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		lang       i18n.Lang
		wantCode   int
		wantStdout string
		wantStderr string // a part of stderr; "" means stderr must be empty
	}{
		{"mobile with spaces after --", []string{"exid", "normalize", "--type", "mobile", "--", "138 0013 8000"}, i18n.ZH, 0, "+8613800138000\n", ""},
		{"flag after value", []string{"exid", "normalize", "0086-138-0013-8000", "--type", "mobile"}, i18n.ZH, 0, "+8613800138000\n", ""},
		{"type=value form", []string{"exid", "normalize", "--type=idcard", "110105491231002"}, i18n.ZH, 0, "11010519491231002X\n", ""},
		{"value starting with a dash", []string{"exid", "normalize", "--type", "mac", "--", "-00:1a:2b:3c:4d:5e"}, i18n.ZH, 2, "", "格式不对"},
		{"check character in Chinese", []string{"exid", "normalize", "--type", "idcard", "110105194912310021"}, i18n.ZH, 2, "", "idcard：校验位错误：应为 X"},
		{"check character in English", []string{"--lang", "en", "exid", "normalize", "--type", "idcard", "110105194912310021"}, i18n.ZH, 2, "", "idcard: check character is wrong: expected X"},
		{"env language English", []string{"exid", "normalize", "--type", "mobile", "12345"}, i18n.EN, 2, "", "wrong number of digits"},
		{"unknown type", []string{"exid", "normalize", "--type", "phone", "13800138000"}, i18n.ZH, 2, "", "--type：未知的标识类型"},
		{"missing type", []string{"exid", "normalize", "13800138000"}, i18n.ZH, 2, "", "未指定标识类型"},
		{"no value", []string{"exid", "normalize", "--type", "mobile"}, i18n.ZH, 2, "", "需要正好一个"},
		{"unquoted spaces", []string{"exid", "normalize", "--type", "mobile", "138", "0013", "8000"}, i18n.EN, 2, "", "exactly one value"},
		{"unknown flag", []string{"exid", "normalize", "--kind", "mobile", "13800138000"}, i18n.ZH, 2, "", "unknown flag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			env := &cli.Env{
				Stdin:  strings.NewReader(""),
				Stdout: &stdout,
				Stderr: &stderr,
				Getenv: func(string) string { return "" },
				Lang:   tc.lang,
			}
			code := cli.Main(context.Background(), tc.args, env)
			if code != tc.wantCode {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if stdout.String() != tc.wantStdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.wantStdout)
			}
			if tc.wantStderr == "" && stderr.Len() != 0 {
				t.Errorf("stderr %q, want it empty", stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantStderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

func TestExidHelpListsNormalize(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	env := &cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Lang: i18n.ZH}
	if code := cli.Main(context.Background(), []string{"exid", "--help"}, env); code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "normalize") {
		t.Errorf("help %q does not list normalize", stdout.String())
	}
}
