// Package consentflow checks how a collection point asks for consent (S-3,
// S-4, P-2, C-3): a member describes one screen or form of its app or site
// — what it collects, which fields it makes required, how it asks, what
// happens after a refusal, what it collects before the person answers —
// and the check names each finding with the clause it breaks, what in the
// description shows it, and the fix. The rules come from PIPL (Art. 14,
// 16, 17, 23, 29, 31) and the Shanghai campaign's violations (S-1..S-4);
// the necessary fields come from package necessity.
package consentflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"hulian/internal/compliance/necessity"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Point is a collection point as its member describes it.
type Point struct {
	Name string `json:"name"`
	// AppType is the app type or scenario of package necessity, if the
	// point is in one: fields beyond its necessary ones may not be made
	// required.
	AppType string `json:"app_type,omitempty"`
	// PolicyShownBefore: the privacy policy is reachable from the point
	// before anything is collected (C-3, S-1).
	PolicyShownBefore bool `json:"policy_shown_before"`
	// PolicyAlwaysReachable: the policy stays reachable afterwards, at any
	// time — a settings entry, a footer link (C-3's "always reachable").
	// Not stated counts as not.
	PolicyAlwaysReachable bool `json:"policy_always_reachable"`
	// BeforeConsent are data collected before the person answers (an SDK
	// that starts on launch, a location read on opening).
	BeforeConsent []string  `json:"before_consent,omitempty"`
	Fields        []Field   `json:"fields"`
	Consents      []Consent `json:"consents"`
	OnRefusal     Refusal   `json:"on_refusal"`
	// Minors: the point may be used by children under 14.
	Minors bool `json:"minors,omitempty"`
}

// Field is one datum the point collects.
type Field struct {
	Name string `json:"name"`
	// Required: the service is refused without it.
	Required bool `json:"required"`
	// Sensitive: sensitive personal information (PIPL Art. 28).
	Sensitive bool `json:"sensitive,omitempty"`
	// ThirdParty: it is provided to another controller.
	ThirdParty bool `json:"third_party,omitempty"`
}

// Consent is one consent the point asks for.
type Consent struct {
	Purposes []string `json:"purposes"`
	// Fields the consent covers; none: every field.
	Fields []string `json:"fields,omitempty"`
	// How it is asked: "checkbox", "button", "toggle", "implied" (by
	// using the service), "none".
	Mechanism  string `json:"mechanism"`
	PreChecked bool   `json:"pre_checked,omitempty"`
	// Separate: asked on its own (单独同意), not within the policy's
	// general agreement.
	Separate bool `json:"separate,omitempty"`
	// Guardian: a parent's or guardian's consent is asked for a child.
	Guardian bool `json:"guardian,omitempty"`
}

// Refusal is what the point does when the person declines.
type Refusal struct {
	// AskAgainHours: the point asks again after this many hours; 0 never.
	AskAgainHours int `json:"ask_again_hours"`
	// ExitsOnRefusal: declining closes the app or ends the flow.
	ExitsOnRefusal bool `json:"exits_on_refusal,omitempty"`
}

// Finding is one rule a point breaks.
type Finding struct {
	Clause  string `json:"clause"`
	Rule    string `json:"rule"`
	Subject string `json:"subject"` // what in the description shows it
	Finding string `json:"finding"`
	Fix     string `json:"fix"`
}

// minAskAgainHours: after a refusal, asking again within 48 hours is
// pestering the person into consent (the MIIT's 2020 campaign against
// apps infringing users' rights, 工信部信管函〔2020〕164号).
const minAskAgainHours = 48

// Parse reads a point's JSON description strictly: an unknown field, a
// wrong type or trailing data is an error naming the line and field.
func Parse(r io.Reader) (*Point, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return nil, err
	}
	if len(data) > 1<<20 {
		return nil, errs.Invalidf("file", "描述文件超过 1 MiB", "the description is over 1 MiB")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var p Point
	if err := dec.Decode(&p); err != nil {
		return nil, jsonError(data, err)
	}
	if dec.More() {
		return nil, errs.Invalidf("file", "描述之后还有多余内容", "there is more after the description")
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, errs.Invalidf("name", "须为收集点命名（name）", "name the collection point (name)")
	}
	for i, f := range p.Fields {
		if strings.TrimSpace(f.Name) == "" {
			return nil, errs.Invalidf(fmt.Sprintf("fields[%d].name", i), fmt.Sprintf("第 %d 个字段没有名称", i+1), fmt.Sprintf("field %d has no name", i+1))
		}
	}
	for i, c := range p.Consents {
		if !slices.Contains(mechanisms, c.Mechanism) {
			return nil, errs.Invalidf(fmt.Sprintf("consents[%d].mechanism", i), fmt.Sprintf("第 %d 项同意的方式须为 %s 之一", i+1, strings.Join(mechanisms, "、")),
				fmt.Sprintf("consent %d: the mechanism is one of %s", i+1, strings.Join(mechanisms, ", ")))
		}
	}
	return &p, nil
}

var mechanisms = []string{"checkbox", "button", "toggle", "implied", "none"}

// jsonError turns a decoding error into one naming the line.
func jsonError(data []byte, err error) error {
	line := func(off int64) int { return bytes.Count(data[:min(int(off), len(data))], []byte("\n")) + 1 }
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		n := line(se.Offset)
		return &errs.Error{Kind: errs.Invalid, Field: "file", Row: n, Reason: i18n.T("JSON 格式错误", "malformed JSON")}
	case errors.As(err, &te):
		n := line(te.Offset)
		return &errs.Error{Kind: errs.Invalid, Field: te.Field, Row: n, Reason: i18n.T("类型不对", "the wrong type")}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		n := bytes.Count(data[:max(0, bytes.Index(data, []byte(`"`+f+`"`)))], []byte("\n")) + 1
		return &errs.Error{Kind: errs.Invalid, Field: f, Row: n, Reason: i18n.T("未知的字段", "unknown field")}
	}
	return errs.Invalidf("file", "无法读取描述："+err.Error(), "cannot read the description: "+err.Error())
}

// Check returns the point's findings, in the description's order, in
// lang. An app type the necessity catalogue does not know is an error
// naming the nearest.
func Check(p *Point, lang i18n.Lang) ([]Finding, error) {
	var out []Finding
	add := func(clause, rule, subject string, finding, fix i18n.Text) {
		out = append(out, Finding{Clause: clause, Rule: rule, Subject: subject, Finding: finding.In(lang), Fix: fix.In(lang)})
	}
	if !p.PolicyAlwaysReachable {
		add("C-3, S-1", "policy_always_reachable", "policy_always_reachable",
			i18n.T("隐私政策在收集之后无法随时查阅", "the privacy policy cannot be read again at any time after collection"),
			i18n.T("在设置或页脚保留隐私政策的固定入口，使个人随时可以查阅", "keep a fixed entry to the privacy policy in the settings or the footer, for the person to read at any time"))
	}
	if !p.PolicyShownBefore {
		add("S-1, C-3", "policy_before_collection", "policy_shown_before",
			i18n.T("收集前未向个人展示隐私政策", "the privacy policy is not shown before collection"),
			i18n.T("在收集任何信息之前，以显著方式提供隐私政策链接并请个人阅读", "link the privacy policy prominently, for the person to read, before anything is collected"))
	}
	for _, d := range p.BeforeConsent {
		add("S-3", "collection_before_consent", "before_consent: "+d,
			i18n.T("在个人作出同意之前即收集「"+d+"」", d+" is collected before the person consents"),
			i18n.T("推迟相关 SDK 的初始化和读取，直至个人同意", "defer the SDKs and reads that collect it until the person consents"))
	}
	covered := map[string]bool{}
	for i, c := range p.Consents {
		subj := fmt.Sprintf("consents[%d]", i)
		switch {
		case c.Mechanism == "implied" || c.Mechanism == "none":
			add("S-3", "consent_by_default", subj,
				i18n.T("以使用服务视为同意，或未征求同意（"+c.Mechanism+"）", "using the service is taken as consent, or none is asked ("+c.Mechanism+")"),
				i18n.T("以个人主动勾选或点击的方式取得明确同意（个人信息保护法第十四条）", "obtain an explicit, affirmative consent: an unticked box the person ticks, a button the person presses (PIPL Art. 14)"))
		case c.PreChecked:
			add("S-3", "pre_checked", subj,
				i18n.T("同意选项默认勾选", "the consent is pre-ticked"),
				i18n.T("同意选项默认不勾选，由个人主动勾选", "leave the box unticked for the person to tick"))
		}
		if len(c.Purposes) > 1 {
			add("S-3", "bundled", subj+".purposes",
				i18n.T("一次同意捆绑了多个目的："+strings.Join(c.Purposes, "、"), "one consent bundles several purposes: "+strings.Join(c.Purposes, ", ")),
				i18n.T("每个目的分别征求同意，个人可只同意其中一部分", "ask for each purpose on its own, so that the person can agree to some only"))
		}
		if p.Minors && !c.Guardian {
			add("P-3", "guardian", subj,
				i18n.T("可能收集不满十四周岁未成年人的信息，但未取得其父母或其他监护人的同意", "children under 14 may use it, but their parent's or guardian's consent is not asked"),
				i18n.T("识别未成年人并取得其监护人的同意（个人信息保护法第三十一条）", "identify children and ask their parent or guardian (PIPL Art. 31)"))
		}
		fields := c.Fields
		if len(fields) == 0 {
			for _, f := range p.Fields {
				fields = append(fields, f.Name)
			}
		}
		if c.Mechanism != "implied" && c.Mechanism != "none" && !c.PreChecked {
			for _, f := range fields {
				if c.Separate || !separateNeeded(p, f) {
					covered[f] = true
				} else {
					covered[f+"\x00general"] = true
				}
			}
		}
	}
	for _, f := range p.Fields {
		switch {
		case f.Sensitive && !covered[f.Name]:
			add("P-2, S-3", "sensitive_separate", "fields: "+f.Name,
				i18n.T("敏感个人信息「"+f.Name+"」未取得单独同意", "the sensitive personal information "+f.Name+" has no separate consent"),
				i18n.T("就该信息单独征求同意，并告知处理的必要性与对个人权益的影响（个人信息保护法第二十九条、第三十条）", "ask a separate consent for it, saying why it is needed and how it affects the person (PIPL Art. 29, 30)"))
		case f.ThirdParty && !covered[f.Name]:
			add("S-5, S-3", "third_party_separate", "fields: "+f.Name,
				i18n.T("向第三方提供「"+f.Name+"」未取得单独同意", f.Name+" is provided to a third party without a separate consent"),
				i18n.T("告知接收方的名称、联系方式、目的、方式和种类，并单独征求同意（个人信息保护法第二十三条）", "name the recipient, its contact, purpose, method and the data, and ask a separate consent (PIPL Art. 23)"))
		case !f.Sensitive && !f.ThirdParty && !covered[f.Name] && !covered[f.Name+"\x00general"]:
			add("S-3", "no_consent", "fields: "+f.Name,
				i18n.T("「"+f.Name+"」的收集未取得同意", f.Name+" is collected without consent"),
				i18n.T("将该信息纳入明确的同意，或说明其不需要同意的法定情形（个人信息保护法第十三条）", "cover it by an explicit consent, or state the other legal basis it rests on (PIPL Art. 13)"))
		}
	}
	if h := p.OnRefusal.AskAgainHours; h > 0 && h < minAskAgainHours {
		add("S-4", "asks_again", "on_refusal.ask_again_hours",
			i18n.T(fmt.Sprintf("个人拒绝后 %d 小时内再次索取", h), fmt.Sprintf("asks again %d hours after a refusal", h)),
			i18n.T(fmt.Sprintf("个人拒绝后至少 %d 小时内不再索取", minAskAgainHours), fmt.Sprintf("do not ask again for at least %d hours after a refusal", minAskAgainHours)))
	}
	if p.OnRefusal.ExitsOnRefusal {
		add("S-4", "exits_on_refusal", "on_refusal.exits_on_refusal",
			i18n.T("个人拒绝即退出或终止服务", "declining closes the app or ends the service"),
			i18n.T("拒绝非必要的信息时仍提供基本功能服务（个人信息保护法第十六条）", "keep the basic service for a person who declines what it does not need (PIPL Art. 16)"))
	}
	if p.AppType != "" {
		cat, err := necessity.Default()
		if err != nil {
			return nil, err
		}
		var required []string
		for _, f := range p.Fields {
			if f.Required {
				required = append(required, f.Name)
			}
		}
		if len(required) > 0 {
			results, unknown := cat.Check(p.AppType, required, lang)
			if len(unknown) > 0 {
				return nil, errs.Invalidf("app_type", unknown[0].Message(i18n.ZH), unknown[0].Message(i18n.EN))
			}
			for _, r := range results {
				if !r.Necessary {
					out = append(out, Finding{Clause: "S-4", Rule: "required_unnecessary", Subject: "fields: " + r.Asked,
						Finding: i18n.T("非必要的「"+r.Asked+"」被设为必填，拒绝即无法使用服务：", r.Asked+" is required though not necessary, so declining it refuses the service: ").In(lang) + r.Reason,
						Fix:     i18n.T("将其改为选填；个人拒绝时仍提供基本功能服务", "make it optional; keep the basic service for a person who declines it").In(lang)})
				}
			}
		}
	}
	return out, nil
}

// separateNeeded reports whether field needs a consent of its own.
func separateNeeded(p *Point, name string) bool {
	for _, f := range p.Fields {
		if f.Name == name {
			return f.Sensitive || f.ThirdParty
		}
	}
	return false
}
