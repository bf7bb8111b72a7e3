// Package consent is the node's consent ledger under PIPL: versioned
// privacy notices that list each purpose with its categories, methods,
// recipients, retention and any cross-border transfer (S-1, S-2); one
// history per subject and purpose of every giving, withdrawal, opt-out and
// invalidation, with its legal basis from PIPL Art. 13, the notice version,
// how it was given and its evidence, chained by hashes so that the history
// verifies; separate consent for sensitive information and for provision
// to third parties (Art. 29, 23), a guardian's for subjects under 14
// (Art. 31), never consent by default (S-3); and a new notice version that
// changes a purpose, its methods, categories or recipients invalidates the
// consents given under the old one (P-8, Art. 14).
//
// Subjects are keyed by exID, as the node's datasets are: raw identifiers
// never reach the node's store. Records are shaped after ISO/IEC TS 27560
// and export as Kantara Consent Receipt v1.1 receipts signed by the node.
package consent

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/errs"
)

// Purpose is one purpose of a privacy notice, listed with everything
// PIPL Art. 17 asks a notice to state about it.
type Purpose struct {
	Code        string   `json:"code"`         // stable name, e.g. "credit-risk"
	NameZH      string   `json:"name_zh"`      // the purpose in words
	NameEN      string   `json:"name_en"`      //
	Categories  []string `json:"categories"`   // categories of personal information
	Methods     []string `json:"methods"`      // processing methods (PIPL Art. 4)
	Recipients  []string `json:"recipients"`   // who receives it, for provision to third parties
	Retention   string   `json:"retention"`    // how long it is kept
	CrossBorder string   `json:"cross_border"` // "" when nothing leaves the country
	Sensitive   bool     `json:"sensitive"`    // sensitive personal information: separate consent (Art. 29)
	ThirdParty  bool     `json:"third_party"`  // provided to third parties: separate consent (Art. 23)
	// Impact states, for sensitive information, why processing it is
	// necessary and how it affects the individual's rights (Art. 30).
	Impact string `json:"impact,omitempty"`
}

// Notice is one version of the member's privacy notice (隐私政策).
type Notice struct {
	Version    int       `json:"version"`
	Controller string    `json:"controller"` // the personal information handler's name
	Contact    string    `json:"contact"`    // how to reach it (Art. 17(1))
	TextZH     string    `json:"text_zh"`
	TextEN     string    `json:"text_en"`
	Purposes   []Purpose `json:"purposes"`
	Published  time.Time `json:"published,omitzero"`
}

// ProcessingMethods are the methods of PIPL Art. 4 a purpose may list.
var ProcessingMethods = []string{"collect", "store", "use", "process", "transmit", "provide", "disclose", "delete"}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,39}$`)

func need(field, s string, max int, zh, en string) error {
	if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > max {
		return errs.Invalidf(field, fmt.Sprintf("%s（1 至 %d 字）", zh, max), fmt.Sprintf("%s (1 to %d characters)", en, max))
	}
	return nil
}

// Check validates a notice as the member writes it.
func (n *Notice) Check() error {
	if n.Version < 1 {
		return errs.Invalidf("version", "版本号须为正整数", "the version must be a positive integer")
	}
	for _, c := range []struct {
		field, s string
		max      int
		zh, en   string
	}{
		{"controller", n.Controller, 200, "须写明个人信息处理者的名称", "name the personal information handler"},
		{"contact", n.Contact, 200, "须写明联系方式", "give a contact"},
		{"text_zh", n.TextZH, 50000, "须有中文全文", "the Chinese text is required"},
		{"text_en", n.TextEN, 50000, "须有英文全文", "the English text is required"},
	} {
		if err := need(c.field, c.s, c.max, c.zh, c.en); err != nil {
			return err
		}
	}
	if len(n.Purposes) == 0 || len(n.Purposes) > 100 {
		return errs.Invalidf("purposes", "须逐项列出 1 至 100 个处理目的", "list 1 to 100 purposes, one by one")
	}
	seen := map[string]bool{}
	for i := range n.Purposes {
		p := &n.Purposes[i]
		at := func(f string) string { return fmt.Sprintf("purposes[%d].%s", i, f) }
		if !codeRE.MatchString(p.Code) {
			return errs.Invalidf(at("code"), "目的代码须为 2 至 40 个小写字母、数字、- 或 _，以字母开头", "a purpose code is 2 to 40 lower-case letters, digits, - or _, starting with a letter")
		}
		if seen[p.Code] {
			return errs.Invalidf(at("code"), "目的代码重复："+p.Code, "a purpose code is listed twice: "+p.Code)
		}
		seen[p.Code] = true
		if err := need(at("name_zh"), p.NameZH, 500, "须写明目的", "state the purpose"); err != nil {
			return err
		}
		if err := need(at("name_en"), p.NameEN, 500, "须有英文的目的", "state the purpose in English"); err != nil {
			return err
		}
		if len(p.Categories) == 0 {
			return errs.Invalidf(at("categories"), "须逐项列出所处理的个人信息种类", "list the categories of personal information, one by one")
		}
		for _, c := range p.Categories {
			if err := need(at("categories"), c, 100, "个人信息种类不能为空", "a category cannot be empty"); err != nil {
				return err
			}
		}
		if len(p.Methods) == 0 {
			return errs.Invalidf(at("methods"), "须列出处理方式："+strings.Join(ProcessingMethods, "、"), "list the processing methods: "+strings.Join(ProcessingMethods, ", "))
		}
		for _, m := range p.Methods {
			if !slices.Contains(ProcessingMethods, m) {
				return errs.Invalidf(at("methods"), "未知的处理方式 "+m+"；可用："+strings.Join(ProcessingMethods, "、"), "unknown processing method "+m+"; use: "+strings.Join(ProcessingMethods, ", "))
			}
		}
		if p.ThirdParty != slices.Contains(p.Methods, "provide") {
			return errs.Invalidf(at("third_party"), "向第三方提供（third_party）与处理方式 provide 须一致", "third_party and the method provide go together")
		}
		if p.ThirdParty && len(p.Recipients) == 0 {
			return errs.Invalidf(at("recipients"), "向第三方提供的，须写明接收方的名称或类别（第二十三条）", "provision to third parties names the recipients or their kind (Art. 23)")
		}
		if err := need(at("retention"), p.Retention, 200, "须写明保存期限", "state the retention period"); err != nil {
			return err
		}
		if p.Sensitive {
			if err := need(at("impact"), p.Impact, 2000, "处理敏感个人信息的，须告知其必要性及对个人权益的影响（第三十条）", "for sensitive information, state why it is necessary and how it affects the individual (Art. 30)"); err != nil {
				return err
			}
		}
	}
	return nil
}

// Find returns the notice's purpose code, or nil.
func (n *Notice) Find(code string) *Purpose {
	for i := range n.Purposes {
		if n.Purposes[i].Code == code {
			return &n.Purposes[i]
		}
	}
	return nil
}

// Changed reports whether purpose p of a new notice version changes what
// a subject agreed to under old: the purpose itself, the methods, the
// categories, the recipients, or whether it is sensitive or provided to
// third parties (PIPL Art. 14: a change needs new consent). A purpose the
// new version drops is changed too (p is nil).
func Changed(old, p *Purpose) bool {
	if p == nil {
		return true
	}
	same := func(a, b []string) bool {
		a, b = slices.Clone(a), slices.Clone(b)
		slices.Sort(a)
		slices.Sort(b)
		return slices.Equal(a, b)
	}
	return old.NameZH != p.NameZH || old.NameEN != p.NameEN || !same(old.Methods, p.Methods) || !same(old.Categories, p.Categories) ||
		!same(old.Recipients, p.Recipients) || old.Sensitive != p.Sensitive || old.ThirdParty != p.ThirdParty || old.CrossBorder != p.CrossBorder ||
		old.Impact != p.Impact
}

// ParseNotice reads a notice from its JSON, refusing unknown fields so
// that a misspelt one is not silently dropped.
func ParseNotice(b []byte) (*Notice, error) {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	var n Notice
	if err := d.Decode(&n); err != nil {
		return nil, errs.Invalidf("notice", "隐私告知文件不是有效的 JSON："+err.Error(), "the notice file is not valid JSON: "+err.Error())
	}
	if d.More() {
		return nil, errs.Invalidf("notice", "隐私告知文件只能有一个 JSON 对象", "the notice file holds one JSON object only")
	}
	return &n, nil
}
