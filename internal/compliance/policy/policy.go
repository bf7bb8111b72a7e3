// Package policy checks a member's privacy policy (隐私政策) for what the
// rules require it to show (S-1, S-2, C-3, S-6, P-7; PIPL Art. 17, 23,
// 30): the collection rules; for each function, the purposes, methods and
// scope, one by one; the information collected; third parties and
// entrusted processors, named; how long data is kept; the person's rights
// and how to exercise them; a complaint channel; and how to contact the
// member. Each requirement is found by the wording such policies use and
// reported with its clause and either the passage that meets it or what
// is missing and the fix. It reads the policy as text or HTML, in UTF-8
// or GB 18030.
//
// It is a reader's checklist, not a legal opinion: a requirement met in
// words no rule here knows is reported missing, and a passage that uses
// the words but says too little is not judged.
package policy

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html" // the HTML tokenizer of the Go project's x/net, for policies published as web pages
	"golang.org/x/text/encoding/simplifiedchinese"

	"hulian/internal/compliance/necessity"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// MaxSize is the largest policy read.
const MaxSize = 2 << 20

// Line is one line of the policy's text, as read.
type Line struct {
	N    int
	Text string
}

// Policy is a policy's text, line by line.
type Policy struct {
	Lines []Line
}

// Read reads a policy: HTML (by its tags) or plain text, in UTF-8 or
// GB 18030. Text that is neither is an error naming the line.
func Read(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, errs.Invalidf("file", "隐私政策超过 2 MiB", "the policy is over 2 MiB")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		// The decoder maps bytes GB 18030 does not know to U+FFFD rather
		// than failing: a replacement character means neither encoding.
		if derr != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			n := bytes.Count(data[:firstInvalid(data)], []byte("\n")) + 1
			return nil, &errs.Error{Kind: errs.Invalid, Field: "file", Row: n, Reason: i18n.T("既不是 UTF-8 也不是 GB 18030 编码的文字", "text in neither UTF-8 nor GB 18030")}
		}
		data = dec
	}
	text := string(data)
	p := &Policy{}
	if looksHTML(text) {
		p.Lines = htmlLines(text)
	} else {
		for i, l := range strings.Split(text, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				p.Lines = append(p.Lines, Line{N: i + 1, Text: l})
			}
		}
	}
	if len(p.Lines) == 0 {
		return nil, errs.Invalidf("file", "隐私政策是空的", "the policy is empty")
	}
	return p, nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, w := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && w <= 1 {
			return i
		}
		i += w
	}
	return len(b)
}

func looksHTML(s string) bool {
	head := strings.ToLower(s[:min(len(s), 2048)])
	return strings.Contains(head, "<html") || strings.Contains(head, "<!doctype html") || strings.Contains(head, "<body") || strings.Contains(head, "<p>")
}

// htmlLines are the text of an HTML page, a line per block, without
// scripts and styles, each numbered by the source line its text starts on.
func htmlLines(s string) []Line {
	z := html.NewTokenizer(strings.NewReader(s))
	var out []Line
	var cur strings.Builder
	curLine, src, skip := 0, 1, 0
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, Line{N: curLine, Text: t})
		}
		cur.Reset()
	}
	for {
		tt := z.Next()
		raw := z.Raw()
		switch tt {
		case html.ErrorToken:
			flush()
			return out
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "noscript":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken {
					skip = max(0, skip-1)
				}
			case "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "table", "ul", "ol", "dt", "dd":
				flush()
			}
		case html.TextToken:
			if skip == 0 {
				text := string(z.Text())
				if strings.TrimSpace(text) != "" && cur.Len() == 0 {
					// The line the text's first visible character is on.
					curLine = src + strings.Count(text[:len(text)-len(strings.TrimLeft(text, " \t\r\n"))], "\n")
				}
				cur.WriteString(strings.Join(strings.Fields(text), " "))
			}
		}
		src += bytes.Count(raw, []byte("\n"))
	}
}

// Finding is one requirement's verdict.
type Finding struct {
	Clause string `json:"clause"`
	Rule   string `json:"rule"`
	Met    bool   `json:"met"`
	Line   int    `json:"line,omitempty"`  // where the passage that meets it is
	Quote  string `json:"quote,omitempty"` // the passage
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// requirement is one thing the policy must show: found when some line
// matches all of all (any alternative of each).
type requirement struct {
	clause, rule string
	all          [][]string
	what, fix    i18n.Text
}

var requirements = []requirement{
	{"S-1", "collection_rules", [][]string{{"收集", "采集"}, {"个人信息"}, {"规则", "如何", "方式"}},
		i18n.T("收集使用个人信息的规则", "the rules for collecting and using personal information"),
		i18n.T("写明收集使用个人信息的规则，并在首次使用时显著提示", "state the rules for collecting and using personal information, and show them prominently on first use")},
	{"S-2", "purpose", [][]string{{"目的", "用于", "为了"}},
		i18n.T("处理目的", "the purposes"),
		i18n.T("逐项写明每项业务功能收集个人信息的目的", "state, function by function, the purpose of each collection")},
	{"S-2", "method", [][]string{{"方式", "通过"}, {"收集", "获取", "采集"}},
		i18n.T("处理方式", "the methods"),
		i18n.T("写明收集的方式（如您主动提供、自动采集、从第三方获取）", "state how data is collected (given by you, collected automatically, obtained from others)")},
	{"P-7, PIPL Art. 23", "third_parties", [][]string{{"第三方", "合作方", "合作伙伴", "委托", "受托", "共享", "对外提供"}},
		i18n.T("向第三方提供或委托处理的情况", "provision to third parties and entrusted processing"),
		i18n.T("写明是否向第三方提供或委托处理；如有，写明接收方名称、联系方式、目的、方式和种类", "say whether data is provided to others or processed on the member's behalf; if so, name each recipient with its contact, purpose, method and the data")},
	{"PIPL Art. 17", "retention", [][]string{{"保存期限", "存储期限", "保留期限", "留存期限", "保存期间", "存储期间", "保存时间", "最短时间", "保存至"}},
		i18n.T("保存期限", "the retention period"),
		i18n.T("写明个人信息的保存期限，以及期满后的处理（删除或匿名化）", "state how long data is kept, and what happens after (deletion or anonymisation)")},
	{"S-6, PIPL Art. 44–47", "right_access", [][]string{{"查阅", "访问"}},
		i18n.T("查阅的权利及行使方式", "the right of access and how to use it"), i18n.T("写明如何查阅、复制您的个人信息", "say how to see and copy one's information")},
	{"S-6, PIPL Art. 46", "right_correct", [][]string{{"更正", "修改", "补充"}},
		i18n.T("更正的权利及行使方式", "the right to correction and how to use it"), i18n.T("写明如何更正、补充您的个人信息", "say how to correct or complete one's information")},
	{"S-6, PIPL Art. 47", "right_delete", [][]string{{"删除"}},
		i18n.T("删除的权利及行使方式", "the right to deletion and how to use it"), i18n.T("写明如何删除您的个人信息及删除的时限", "say how to have one's information deleted, and when")},
	{"PIPL Art. 15", "right_withdraw", [][]string{{"撤回", "收回"}, {"同意", "授权"}},
		i18n.T("撤回同意的方式", "how to withdraw consent"), i18n.T("写明撤回同意的便捷方式，以及撤回不影响此前处理的效力", "give an easy way to withdraw consent, and say it does not undo what was done before")},
	{"S-6", "account_closure", [][]string{{"注销"}},
		i18n.T("注销账户的方式", "how to close one's account"), i18n.T("写明注销账户的方式和时限，且不设不合理条件", "say how to close one's account and when, without unreasonable conditions")},
	{"S-6", "complaint", [][]string{{"投诉", "举报"}},
		i18n.T("投诉、举报渠道", "a complaint channel"), i18n.T("公布投诉、举报的渠道和答复时限", "publish how to complain and when one gets an answer")},
	{"PIPL Art. 17", "contact", [][]string{{"联系我们", "联系方式", "与我们联系", "联络我们", "联系本公司"}},
		i18n.T("个人信息处理者的联系方式", "how to contact the member"), i18n.T("写明处理者的名称和联系方式（电话、电子邮件或地址）", "give the member's name and contact (phone, e-mail or address)")},
}

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	phoneRe = regexp.MustCompile(`(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8}|400[- ]?\d{3}[- ]?\d{4})`)
)

// quoteLen bounds a quoted passage, in characters.
const quoteLen = 120

func quote(s string) string {
	if utf8.RuneCountInString(s) <= quoteLen {
		return s
	}
	return string([]rune(s)[:quoteLen]) + "…"
}

// find returns the first line that matches every group of words.
func (p *Policy) find(all [][]string) (Line, bool) {
	for _, l := range p.Lines {
		ok := true
		for _, any := range all {
			hit := false
			for _, w := range any {
				if strings.Contains(l.Text, w) {
					hit = true
					break
				}
			}
			if !hit {
				ok = false
				break
			}
		}
		if ok {
			return l, true
		}
	}
	return Line{}, false
}

// Check checks p, in lang: every requirement met or not, in the order
// above, then the information collected and the contact's details.
func Check(p *Policy, lang i18n.Lang) []Finding {
	var out []Finding
	for _, r := range requirements {
		f := Finding{Clause: r.clause, Rule: r.rule}
		if l, ok := p.find(r.all); ok {
			f.Met, f.Line, f.Quote = true, l.N, quote(l.Text)
			f.Detail = i18n.T("已写明"+r.what.ZH, "states "+r.what.EN).In(lang)
		} else {
			f.Detail = i18n.T("未找到"+r.what.ZH, "does not state "+r.what.EN).In(lang)
			f.Fix = r.fix.In(lang)
		}
		out = append(out, f)
	}
	out = append(out, p.collected(lang), p.contactDetails(lang), p.thirdPartyNames(lang), p.plainLanguage(lang))
	if f, ok := p.sensitive(lang); ok {
		out = append(out, f)
	}
	return out
}

// collected: the policy names the personal information it collects (the
// necessity catalogue's names and synonyms).
func (p *Policy) collected(lang i18n.Lang) Finding {
	f := Finding{Clause: "S-2", Rule: "information_listed"}
	cat, err := necessity.Default()
	if err == nil {
		for _, l := range p.Lines {
			var names []string
			for _, n := range longestFirst(cat.Names()) {
				if utf8.RuneCountInString(n) < 2 || !strings.Contains(l.Text, n) {
					continue
				}
				inside := false // a name within one already found (手机 in 手机号码) is the same mention
				for _, m := range names {
					inside = inside || strings.Contains(m, n)
				}
				if !inside {
					names = append(names, n)
				}
			}
			if len(names) >= 2 {
				f.Met, f.Line, f.Quote = true, l.N, quote(l.Text)
				f.Detail = i18n.T("逐项列出了收集的个人信息（如 "+strings.Join(names[:2], "、")+"）", "lists the information collected (e.g. "+strings.Join(names[:2], ", ")+")").In(lang)
				return f
			}
		}
	}
	f.Detail = i18n.T("未逐项列出收集的个人信息", "does not list the information collected, item by item").In(lang)
	f.Fix = i18n.T("按业务功能逐项列出收集的个人信息（如 手机号码、位置信息）", "list, function by function, each item of information collected (e.g. mobile number, location)").In(lang)
	return f
}

// longestFirst orders names longest first.
func longestFirst(names []string) []string {
	out := slices.Clone(names)
	slices.SortStableFunc(out, func(a, b string) int { return utf8.RuneCountInString(b) - utf8.RuneCountInString(a) })
	return out
}

// Plain language (C-3: 通俗易懂): the project's measure is the length of
// the policy's sentences, cut at 。！？； and their ASCII forms. A sentence
// over longSentence characters is hard to follow at a glance; a policy
// with one over tooLong, or with more than a fifth of its sentences long,
// is not in plain language.
const (
	longSentence = 120
	tooLong      = 250
)

// plainLanguage reports the policy's longest sentence and how many are
// long.
func (p *Policy) plainLanguage(lang i18n.Lang) Finding {
	f := Finding{Clause: "C-3", Rule: "plain_language"}
	var sentences, long, longest int
	var at Line
	var worst string
	for _, l := range p.Lines {
		for _, s := range strings.FieldsFunc(l.Text, func(r rune) bool { return strings.ContainsRune("。！？；!?;", r) }) {
			n := utf8.RuneCountInString(strings.TrimSpace(s))
			if n == 0 {
				continue
			}
			sentences++
			if n > longSentence {
				long++
			}
			if n > longest {
				longest, at, worst = n, l, strings.TrimSpace(s)
			}
		}
	}
	f.Line, f.Quote = at.N, quote(worst)
	if longest > tooLong || long*5 > sentences {
		f.Detail = i18n.T(fmt.Sprintf("%d 句中有 %d 句超过 %d 字，最长一句 %d 字", sentences, long, longSentence, longest),
			fmt.Sprintf("%d of %d sentences are over %d characters, the longest %d", long, sentences, longSentence, longest)).In(lang)
		f.Fix = i18n.T("把长句拆成短句，一句只讲一条规则，用日常用语", "cut long sentences into short ones, one rule a sentence, in everyday words").In(lang)
		return f
	}
	f.Met = true
	f.Detail = i18n.T(fmt.Sprintf("%d 句，最长一句 %d 字", sentences, longest), fmt.Sprintf("%d sentences, the longest %d characters", sentences, longest)).In(lang)
	return f
}

// contactDetails: an e-mail address or a phone number people can use.
func (p *Policy) contactDetails(lang i18n.Lang) Finding {
	f := Finding{Clause: "PIPL Art. 17", Rule: "contact_details"}
	for _, l := range p.Lines {
		if m := emailRe.FindString(l.Text); m != "" || phoneRe.MatchString(l.Text) {
			f.Met, f.Line, f.Quote = true, l.N, quote(l.Text)
			f.Detail = i18n.T("给出了可用的电子邮件地址或电话号码", "gives an e-mail address or a phone number").In(lang)
			return f
		}
	}
	f.Detail = i18n.T("没有可用的电子邮件地址或电话号码", "gives no e-mail address or phone number").In(lang)
	f.Fix = i18n.T("给出个人可以使用的电子邮件地址或电话号码", "give an e-mail address or a phone number people can use").In(lang)
	return f
}

// thirdPartyNames: a policy that provides data to others names them (or
// says where the list is), not only "our partners".
func (p *Policy) thirdPartyNames(lang i18n.Lang) Finding {
	f := Finding{Clause: "PIPL Art. 23, P-7", Rule: "third_parties_named"}
	mentions, ok := p.find([][]string{{"第三方", "合作方", "合作伙伴", "委托", "受托", "共享", "对外提供"}})
	if !ok {
		f.Met = true
		f.Detail = i18n.T("未提及向第三方提供（如确无提供，建议明确写明）", "mentions no provision to others (if there is none, say so)").In(lang)
		return f
	}
	if l, ok := p.find([][]string{{"名称", "清单", "列表", "公司", "有限公司"}, {"第三方", "合作方", "合作伙伴", "受托", "SDK", "sdk"}}); ok {
		f.Met, f.Line, f.Quote = true, l.N, quote(l.Text)
		f.Detail = i18n.T("写明了接收方的名称或其清单", "names the recipients, or where their list is").In(lang)
		return f
	}
	f.Line, f.Quote = mentions.N, quote(mentions.Text)
	f.Detail = i18n.T("提及向第三方提供，但未写明接收方的名称", "mentions provision to others without naming them").In(lang)
	f.Fix = i18n.T("列出每个接收方（含 SDK 提供方）的名称、联系方式、目的、方式和信息种类", "list each recipient (SDK providers included) with its name, contact, purpose, method and the data").In(lang)
	return f
}

// sensitive: a policy that mentions sensitive information states why it
// is needed and its impact (PIPL Art. 30); reported only when mentioned.
func (p *Policy) sensitive(lang i18n.Lang) (Finding, bool) {
	mention, ok := p.find([][]string{{"敏感个人信息", "人脸", "指纹", "生物识别", "医疗健康", "金融账户", "行踪轨迹", "身份证"}})
	if !ok {
		return Finding{}, false
	}
	f := Finding{Clause: "P-2, PIPL Art. 30", Rule: "sensitive_necessity"}
	if l, ok := p.find([][]string{{"敏感"}, {"必要性", "必要", "影响"}}); ok {
		f.Met, f.Line, f.Quote = true, l.N, quote(l.Text)
		f.Detail = i18n.T("说明了处理敏感个人信息的必要性或对个人权益的影响", "states why sensitive information is needed, or its impact").In(lang)
		return f, true
	}
	f.Line, f.Quote = mention.N, quote(mention.Text)
	f.Detail = i18n.T("涉及敏感个人信息，但未说明其必要性和对个人权益的影响", "concerns sensitive information without saying why it is needed and how it affects people").In(lang)
	f.Fix = i18n.T("标明敏感个人信息，说明处理的必要性和对个人权益的影响，并取得单独同意", "mark the sensitive information, say why it is needed and how it affects people, and ask a separate consent").In(lang)
	return f, true
}

// Missing counts the requirements not met.
func Missing(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if !f.Met {
			n++
		}
	}
	return n
}
