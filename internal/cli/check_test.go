package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckNecessity: `hulian check necessity` exits 0 when every field is
// necessary for the type, 1 naming each one that is not with the reason,
// 2 for an unknown type or field with the nearest known names; fields by
// the regulation's names or synonyms, separated by either comma; --json
// prints one object per field; --lang zh-CN answers in Chinese.
func TestCheckNecessity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args   []string
		code   int
		out    []string
		stderr string
	}{
		{[]string{"--app-type", "地图导航类", "--fields", "位置信息,出发地，到达地"}, 0, []string{"necessary\t位置信息\n", "necessary\t到达地\n"}, ""},
		{[]string{"--app-type", "网络约车类", "--fields", "手机号、行踪轨迹"}, 0, []string{"necessary\t手机号 (注册用户移动电话号码)\n"}, ""},
		{[]string{"--app-type", "地图导航类", "--fields", "注册用户移动电话号码,位置信息"}, 1,
			[]string{"not necessary\t注册用户移动电话号码: 注册用户移动电话号码 is not necessary for the basic function of a 地图导航类 app (定位和导航)\n", "necessary\t位置信息\n"}, ""},
		{[]string{"--app-type", "实用工具类", "--fields", "位置信息"}, 1, []string{"needs no personal information"}, ""},
		{[]string{"--app-type", "停车扫码缴费", "--fields", "车牌号,身份证号"}, 1, []string{"necessary\t车牌号", "not necessary\t身份证号 (证件类型和号码)", "scenario"}, ""},
		{[]string{"--app-type", "地图类", "--fields", "位置信息"}, 2, nil, "unknown app type or scenario 地图类; the nearest known: 地图导航类"},
		{[]string{"--app-type", "地图导航类", "--fields", "位置信息,身份正号"}, 2, nil, "unknown field 身份正号; the nearest known: 身份证号"},
		{[]string{"--app-type", "地图导航类"}, 2, nil, "--fields"},
		{[]string{"--fields", "位置信息"}, 2, nil, "--app-type"},
		{[]string{"--app-type", "地图导航类", "--fields", "位置信息", "--lang", "zh-CN"}, 0, []string{"必要\t位置信息\n"}, ""},
	} {
		code, out, stderr := runWithStdin(t, "", append([]string{"check", "necessity"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.stderr)
		}
		for _, o := range tc.out {
			if !strings.Contains(out, o) {
				t.Errorf("%v: output %q lacks %q", tc.args, out, o)
			}
		}
	}
	code, out, _ := runWithStdin(t, "", "check", "necessity", "--app-type", "网上购物类", "--fields", "手机号,通讯录", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 2 {
		t.Fatalf("--json: exit %d, %q", code, out)
	}
	var r struct {
		Field     string   `json:"field"`
		Names     []string `json:"names"`
		Necessary bool     `json:"necessary"`
		Reason    string   `json:"reason"`
	}
	if err := json.Unmarshal([]byte(lines[1]), &r); err != nil || r.Field != "通讯录" || r.Necessary || r.Reason == "" {
		t.Errorf("--json line: %+v %v", r, err)
	}
	code, out, _ = runWithStdin(t, "", "check", "necessity", "--app-type", "地图导航类", "--fields", "身份正号", "--json")
	if code != 2 || !strings.Contains(out, `"nearest":["身份证号"`) {
		t.Errorf("--json of an unknown field: %d %q", code, out)
	}
}

// TestCheckConsentFlow: `hulian check consent-flow` exits 0 for a point
// that asks properly, 1 naming each finding with its clause and fix, 2 for
// a description it cannot read, naming the line.
func TestCheckConsentFlow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"name": "下单页", "app_type": "网上购物类", "policy_shown_before": true, "policy_always_reachable": true,
		"fields": [{"name": "手机号", "required": true}], "consents": [{"purposes": ["下单"], "mechanism": "checkbox"}]}`)
	bad := write("bad.json", `{"name": "注册页", "app_type": "地图导航类", "policy_shown_before": true, "policy_always_reachable": true,
		"fields": [{"name": "手机号", "required": true}], "consents": [{"purposes": ["导航"], "mechanism": "checkbox", "pre_checked": true}]}`)
	broken := write("broken.json", "{\"name\": \"x\",\n\"colour\": 1}")
	if code, out, stderr := runWithStdin(t, "", "check", "consent-flow", "--file", good); code != 0 || !strings.Contains(out, "no findings") {
		t.Errorf("a clean point: %d %q %q", code, out, stderr)
	}
	code, out, _ := runWithStdin(t, "", "check", "consent-flow", "--file", bad)
	if code != 1 || !strings.Contains(out, "[S-3] the consent is pre-ticked (consents[0]) → fix: leave the box unticked") || !strings.Contains(out, "[S-4]") {
		t.Errorf("findings: %d %q", code, out)
	}
	code, out, _ = runWithStdin(t, "", "check", "consent-flow", "--file", bad, "--json")
	if code != 1 || !strings.Contains(out, `"rule":"pre_checked"`) || strings.Count(out, "\n") != 3 {
		t.Errorf("--json: %d %q", code, out)
	}
	if code, _, stderr := runWithStdin(t, "", "check", "consent-flow", "--file", broken); code != 2 || !strings.Contains(stderr, "line 2, colour: unknown field") {
		t.Errorf("a broken description: %d %q", code, stderr)
	}
}

// TestCheckPolicy: `hulian check policy` exits 0 for a policy that shows
// everything, 1 naming what is missing with its clause and fix (and what
// is there with its line), 2 for a file that cannot be read.
func TestCheckPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	full := filepath.Join(dir, "full.txt")
	os.WriteFile(full, []byte(`本政策说明我们收集和使用您个人信息的规则。
为了提供服务，我们通过您主动填写的方式收集您的手机号码、收货地址。
我们不向任何第三方提供您的个人信息。我们不与合作伙伴共享，第三方名称清单为空。
保存期限：订单完成后三年，期满删除。
您可以查阅、更正、删除您的信息，或撤回同意，或注销账户。
投诉请联系我们：privacy@ding.example.cn`), 0o600)
	short := filepath.Join(dir, "short.html")
	os.WriteFile(short, []byte("<html><body>\n<p>我们会收集您的手机号码、位置信息用于服务。</p>\n</body></html>"), 0o600)
	if code, out, _ := runWithStdin(t, "", "check", "policy", "--file", full); code != 0 || strings.Contains(out, "missing") {
		t.Errorf("a full policy: %d %q", code, out)
	}
	code, out, _ := runWithStdin(t, "", "check", "policy", "--file", short)
	if code != 1 || !strings.Contains(out, "missing\t[PIPL Art. 17] does not state the retention period → fix:") || !strings.Contains(out, `(line 2: "我们会收集您的手机号码、位置信息用于服务。")`) {
		t.Errorf("a short policy: %d %q", code, out)
	}
	if code, out, _ := runWithStdin(t, "", "check", "policy", "--file", short, "--json"); code != 1 || !strings.Contains(out, `"rule":"retention","met":false`) {
		t.Errorf("--json: %d %q", code, out)
	}
	if code, _, stderr := runWithStdin(t, "", "check", "policy", "--file", filepath.Join(dir, "none.txt")); code != 2 || !strings.Contains(stderr, "cannot open") {
		t.Errorf("a missing file: %d %q", code, stderr)
	}
}

// TestCheckPricing: `hulian check pricing` finds a price that follows the
// device within one product and hour (exit 1, with evidence lines), finds
// nothing where the only difference is a declared tier (exit 0), and names
// a bad row (exit 2).
func TestCheckPricing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("customer,product,time,price,channel,device,member_tier\n")
	for i := range 60 {
		device, tier := []string{"ios", "android"}[i%2], []string{"gold", "normal"}[(i/2)%2]
		price := 100.0 + float64(i%5)*0.3
		if tier == "gold" {
			price -= 10
		}
		if device == "ios" {
			price += 6
		}
		fmt.Fprintf(&b, "c%d,p1,2026-11-03 10:%02d,%.2f,app,%s,%s\n", i, i%60, price, device, tier)
	}
	biased := filepath.Join(dir, "biased.csv")
	os.WriteFile(biased, []byte(b.String()), 0o600)
	code, out, stderr := runWithStdin(t, "", "check", "pricing", "--file", biased, "--declared", "member_tier")
	if code != 1 || !strings.Contains(out, "found\t[P-5] the same product at the same time is priced differently by device") || !strings.Contains(out, "(ios) ¥") {
		t.Errorf("biased: %d %q %q", code, out, stderr)
	}
	fair := filepath.Join(dir, "fair.csv")
	os.WriteFile(fair, []byte(strings.ReplaceAll(b.String(), ",ios,", ",android,")), 0o600)
	if code, out, _ := runWithStdin(t, "", "check", "pricing", "--file", fair, "--declared", "member_tier"); code != 0 || strings.Contains(out, "found\t") {
		t.Errorf("fair: %d %q", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("customer,product,time,price,channel,device\nc1,p1,2026-11-03 10:00,abc,app,ios\n"), 0o600)
	if code, _, stderr := runWithStdin(t, "", "check", "pricing", "--file", bad); code != 2 || !strings.Contains(stderr, "line 2, price") {
		t.Errorf("bad: %d %q", code, stderr)
	}
}
