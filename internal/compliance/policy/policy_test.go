package policy_test

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hulian/internal/compliance/policy"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// complete is a policy that shows everything the check looks for.
const complete = `乙银行隐私政策
本政策说明我们收集和使用您个人信息的规则。
一、为了向您提供账户服务，我们会收集您的手机号码、证件类型和号码。
我们通过您主动填写的方式收集上述信息。
二、我们委托以下受托方处理：丙云计算有限公司（联系方式见其官网），用于数据存储。
敏感个人信息：证件号码属于敏感个人信息，处理它是开户所必要的，对您的影响是……
三、保存期限：我们在账户存续期间保存您的信息，期满后删除或匿名化。
四、您可以查阅、复制、更正、删除您的个人信息，也可以随时撤回同意。
您可以在“设置-注销账户”中注销账户。
五、如您有投诉或举报，请联系我们：privacy@yi.example.cn，电话 021-12345678。`

func check(t *testing.T, text string) map[string]policy.Finding {
	t.Helper()
	p, err := policy.Read(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]policy.Finding{}
	for _, f := range policy.Check(p, i18n.EN) {
		if f.Clause == "" || f.Detail == "" || (!f.Met && f.Fix == "") || (f.Met && f.Line > 0 && f.Quote == "") {
			t.Errorf("an incomplete finding: %+v", f)
		}
		out[f.Rule] = f
	}
	return out
}

// TestCheck: a complete policy meets every requirement, each with the
// line that meets it; removing what meets one leaves it missing.
func TestCheck(t *testing.T) {
	got := check(t, complete)
	for rule, f := range got {
		if !f.Met {
			t.Errorf("%s: %+v", rule, f)
		}
	}
	if f := got["retention"]; f.Line != 7 || !strings.Contains(f.Quote, "保存期限") {
		t.Errorf("retention at %d: %q", f.Line, f.Quote)
	}
	for remove, rule := range map[string]string{
		"三、保存期限：我们在账户存续期间保存您的信息，期满后删除或匿名化。": "retention",
		"您可以在“设置-注销账户”中注销账户。":               "account_closure",
		"如您有投诉或举报，":                             "complaint",
		"privacy@yi.example.cn，电话 021-12345678": "contact_details",
		"丙云计算有限公司（联系方式见其官网），":                   "third_parties_named",
		"，处理它是开户所必要的，对您的影响是……":                  "sensitive_necessity",
		"、证件类型和号码":                              "information_listed",
	} {
		text := strings.Replace(complete, remove, "", 1)
		if text == complete {
			t.Fatalf("%q is not in the policy", remove)
		}
		if f := check(t, text)[rule]; f.Met {
			t.Errorf("without %q, %s is met: %+v", remove, rule, f)
		}
	}
}

// TestPlainLanguage (C-3): a sentence that runs on is found, with its
// line; the complete policy's short sentences are plain.
func TestPlainLanguage(t *testing.T) {
	if f := check(t, complete)["plain_language"]; !f.Met {
		t.Errorf("the complete policy: %+v", f)
	}
	runOn := strings.Replace(complete, "本政策说明我们收集和使用您个人信息的规则。",
		"本政策说明我们"+strings.Repeat("在您使用我们的产品和服务的过程中基于合法正当必要的原则并结合具体业务场景的需要", 6)+"收集和使用您个人信息的规则。", 1)
	f := check(t, runOn)["plain_language"]
	if f.Met || f.Line != 2 || !strings.Contains(f.Detail, "longest") {
		t.Errorf("a run-on sentence: %+v", f)
	}
}

// TestRead: HTML is read for its text, scripts left out, lines numbered
// as in the source; GB 18030 is read; text in neither encoding is refused
// naming the line; an empty policy is refused.
func TestRead(t *testing.T) {
	page := "<!doctype html>\n<html><body>\n<p>保存期限：\n三年</p>\n<script>var x = '注销';</script>\n</body></html>"
	p, err := policy.Read(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 1 || p.Lines[0].N != 3 || p.Lines[0].Text != "保存期限： 三年" {
		t.Errorf("HTML: %+v", p.Lines)
	}
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("保存期限：三年\n")
	if p, err := policy.Read(strings.NewReader(gb)); err != nil || p.Lines[0].Text != "保存期限：三年" {
		t.Errorf("GB 18030: %+v %v", p, err)
	}
	_, err = policy.Read(strings.NewReader("第一行\n\xff\xfe\xfd\xfc\x81"))
	if e, ok := err.(*errs.Error); !ok || e.Row != 2 {
		t.Errorf("neither encoding: %v", err)
	}
	if _, err := policy.Read(strings.NewReader(" \n\t")); err == nil {
		t.Error("an empty policy was read")
	}
}

// FuzzRead: any bytes are read or refused, never a panic; what is read can
// be checked.
func FuzzRead(f *testing.F) {
	f.Add([]byte(complete))
	f.Add([]byte("<html><body><p>联系我们</p><script>"))
	f.Add([]byte("<p>\xff</p>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Read(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		policy.Check(p, i18n.ZH)
	})
}
