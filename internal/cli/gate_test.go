package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestGateCmd(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("exid,城市,兴趣\n")
	for i := range 6 {
		city := "北京市"
		if i == 5 {
			city = "上海市"
		}
		fmt.Fprintf(&b, "ex1%05d,%s,运动|旅游\n", i, city)
	}
	data := writeFile(t, "d.csv", b.String())
	dirty := writeFile(t, "x.csv", strings.Replace(b.String(), "运动|旅游", "运动|13812345678", 1))
	listing := func(k int) string {
		return writeFile(t, "l.json", fmt.Sprintf(`{"tags":[{"column":"城市","key":"常驻城市","value_type":"single"},{"column":"兴趣","key":"兴趣","value_type":"multi"}],"k":%d,"title":"ignored"}`, k))
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"pass", []string{"gate", data, "--id-column", "exid", "--listing", listing(1)}, 0, "结论：通过"},
		{"fail", []string{"gate", "--listing", listing(2), data, "--id-column", "exid"}, 1, "不通过"},
		{"english", []string{"--lang", "en", "gate", data, "--id-column", "exid", "--listing", listing(2)}, 1, "verdict: FAIL"},
		{"findings fail", []string{"gate", dirty, "--id-column", "exid", "--listing", listing(1)}, 1, "mobile"},
		{"bad listing", []string{"gate", data, "--id-column", "exid", "--listing", writeFile(t, "b.json", "{")}, 2, ""},
		{"unknown tag", []string{"gate", data, "--id-column", "exid", "--listing", writeFile(t, "u.json", `{"tags":[{"column":"x"}]}`)}, 2, ""},
		{"no listing", []string{"gate", data, "--id-column", "exid"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.contains) {
				t.Errorf("exit %d (want %d), stdout %q (want %q), stderr %q", code, tt.code, out, tt.contains, errOut)
			}
		})
	}
}

func TestGateCmdJSON(t *testing.T) {
	t.Parallel()
	data := writeFile(t, "d.csv", "exid,城市\nex1a,北京市\nex1b,北京市\nex1c,上海市\n")
	l := writeFile(t, "l.json", `{"tags":[{"column":"城市","key":"常驻城市"}],"k":2}`)
	code, out, _ := runCLI(t, "gate", data, "--id-column", "exid", "--listing", l, "--json")
	var got struct {
		K        int
		Rows     int
		Pass     bool
		Verdict  string
		Failures int
		Values   []struct {
			Value    string
			Subjects int
			Pass     bool
		}
		Findings []json.RawMessage
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != 1 || got.K != 2 || got.Rows != 3 || got.Pass || got.Verdict != "fail" || got.Failures != 1 || len(got.Values) != 2 ||
		got.Values[0].Value != "上海市" || got.Values[0].Subjects != 1 || got.Values[1].Subjects != 2 || got.Findings == nil {
		t.Errorf("exit %d, output %+v", code, got)
	}
}
