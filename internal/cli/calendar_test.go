package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/cli"
	"hulian/internal/i18n"
)

// TestCalendarCmd: `hulian calendar statement-day` and `payout-due` print
// the dates the embedded 2026 notice gives, across the National Day and
// Spring Festival holidays and their make-up working days; a month whose
// year the holiday data does not declare exits 2 naming the year; a file
// in HULIAN_HOLIDAYS that declares it answers.
func TestCalendarCmd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		// 2026: 10-01..07 off, 10-10 (a Saturday) worked.
		{[]string{"statement-day", "2026-09"}, 0, "2026-10-10\n"},
		// 2026: 02-15..23 off, 02-14 (a Saturday) worked.
		{[]string{"statement-day", "2026-01"}, 0, "2026-02-04\n"},
		{[]string{"statement-day", "2025-12"}, 0, "2026-01-06\n"},
		{[]string{"payout-due", "2026-09-30"}, 0, "2026-10-13\n"},
		{[]string{"payout-due", "2026-02-13"}, 0, "2026-02-27\n"},
		{[]string{"statement-day", "2026-12"}, 2, "2027"},
		{[]string{"payout-due", "2026-12-31"}, 2, "2027"},
		{[]string{"statement-day", "2026-13"}, 2, "year-month"},
		{[]string{"payout-due", "2026-02-30"}, 2, "year-month-day"},
	} {
		code, out, stderr := runWithStdin(t, "", append([]string{"calendar"}, tc.args...)...)
		got := out
		if code != 0 {
			got = stderr
		}
		if code != tc.code || (code == 0 && got != tc.out) || (code != 0 && !strings.Contains(got, tc.out)) {
			t.Errorf("calendar %v: %d %q %q, want %d %q", tc.args, code, out, stderr, tc.code, tc.out)
		}
	}
	// A holiday file that declares 2027 (a test file, with no holidays:
	// not the year's real notice) lets the December statement be dated.
	path := filepath.Join(t.TempDir(), "holidays.txt")
	if err := os.WriteFile(path, []byte("year 2027 test file, not the notice\n2027-01-01 holiday test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	env := &cli.Env{Stdout: &out, Stderr: &errb, Lang: i18n.EN, Getenv: func(k string) string {
		if k == "HULIAN_HOLIDAYS" {
			return path
		}
		return ""
	}}
	if code := cli.Main(context.Background(), []string{"calendar", "statement-day", "2026-12"}, env); code != 0 || out.String() != "2027-01-06\n" {
		t.Errorf("with 2027 declared: %d %q %q", code, out.String(), errb.String())
	}
}
