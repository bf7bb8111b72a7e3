package consentflow_test

import (
	"slices"
	"strings"
	"testing"

	"hulian/internal/compliance/consentflow"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

const clean = `{
  "name": "下单页",
  "app_type": "网上购物类",
  "policy_shown_before": true, "policy_always_reachable": true,
  "fields": [
    {"name": "手机号", "required": true},
    {"name": "收货地址", "required": true},
    {"name": "位置信息"},
    {"name": "人脸信息", "sensitive": true}
  ],
  "consents": [
    {"purposes": ["下单配送"], "fields": ["手机号", "收货地址", "位置信息"], "mechanism": "checkbox"},
    {"purposes": ["刷脸支付"], "fields": ["人脸信息"], "mechanism": "button", "separate": true}
  ],
  "on_refusal": {"ask_again_hours": 48}
}`

func rules(t *testing.T, text string) []string {
	t.Helper()
	p, err := consentflow.Parse(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := consentflow.Check(p, i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		if f.Clause == "" || f.Finding == "" || f.Fix == "" || f.Subject == "" {
			t.Errorf("an incomplete finding: %+v", f)
		}
		out = append(out, f.Rule)
	}
	return out
}

// TestCheck: a point asking properly has no finding; each way of asking
// wrongly is found, naming its clause.
func TestCheck(t *testing.T) {
	if got := rules(t, clean); len(got) != 0 {
		t.Fatalf("a clean point: %v", got)
	}
	for change, want := range map[[2]string]string{
		{`"policy_shown_before": true`, `"policy_shown_before": false`}:               "policy_before_collection",
		{`"policy_always_reachable": true`, `"policy_always_reachable": false`}:       "policy_always_reachable",
		{`"fields": [`, `"before_consent": ["设备标识"], "fields": [`}:                    "collection_before_consent",
		{`"mechanism": "checkbox"}`, `"mechanism": "checkbox", "pre_checked": true}`}: "pre_checked",
		{`"mechanism": "checkbox"}`, `"mechanism": "implied"}`}:                       "consent_by_default",
		{`["下单配送"]`, `["下单配送", "个性化推荐"]`}:                                             "bundled",
		{`"separate": true`, `"separate": false`}:                                     "sensitive_separate",
		{`{"name": "位置信息"}`, `{"name": "位置信息", "third_party": true}`}:                 "third_party_separate",
		{`"fields": ["手机号", "收货地址", "位置信息"]`, `"fields": ["手机号", "收货地址"]`}:            "no_consent",
		{`"ask_again_hours": 48`, `"ask_again_hours": 12`}:                            "asks_again",
		{`"ask_again_hours": 48`, `"ask_again_hours": 48, "exits_on_refusal": true`}:  "exits_on_refusal",
		{`{"name": "位置信息"}`, `{"name": "位置信息", "required": true}`}:                    "required_unnecessary",
		{`"name": "下单页",`, `"name": "下单页", "minors": true,`}:                          "guardian",
	} {
		got := rules(t, strings.Replace(clean, change[0], change[1], 1))
		if !slices.Contains(got, want) {
			t.Errorf("%s → %s: %v, want %s", change[0], change[1], got, want)
		}
	}
}

// TestParse: malformed descriptions are refused naming the line and field.
func TestParse(t *testing.T) {
	for text, want := range map[string]string{
		"{\"name\": \"x\",\n\"colour\": 1}":                                     "line 2, colour: unknown field",
		"{\"name\": \"x\",\n\"fields\": [{\"name\": 1}]}":                       "line 2",
		"{\"name\": \"x\",\n\n\"fields\": [}":                                   "line 3",
		`{"name": ""}`:                                                          "name the collection point",
		`{"name": "x", "consents": [{"purposes": ["a"], "mechanism": "wink"}]}`: "consent 1: the mechanism is one of",
		`{"name": "x"} {}`:                                                      "more after the description",
		`{"name": "x", "fields": [{"required": true}]}`:                         "field 1 has no name",
	} {
		_, err := consentflow.Parse(strings.NewReader(text))
		if err == nil || !strings.Contains(errs.Message(err, i18n.EN), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	p, _ := consentflow.Parse(strings.NewReader(`{"name": "x", "app_type": "地图类", "fields": [{"name": "手机号", "required": true}]}`))
	if _, err := consentflow.Check(p, i18n.EN); err == nil || !strings.Contains(err.Error(), "地图导航类") {
		t.Errorf("an unknown app type: %v", err)
	}
}

// FuzzParse: any input is read or refused, never a panic; what is read
// can be checked.
func FuzzParse(f *testing.F) {
	f.Add(clean)
	f.Add(`{"name": "x", "fields": [{"name": "a", "sensitive": true}], "consents": [{"purposes": [], "mechanism": "none"}]}`)
	f.Add(`{"name": 1}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, text string) {
		p, err := consentflow.Parse(strings.NewReader(text))
		if err != nil {
			return
		}
		consentflow.Check(p, i18n.ZH)
	})
}
