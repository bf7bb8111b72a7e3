package scan

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"hulian/internal/errs"
)

//go:embed terms_zh.txt
var defaultTerms []byte

// Terms is an X5.1 content term list: terms grouped by category.
type Terms struct {
	entries []contentTerm
}

type contentTerm struct {
	term, category string
}

// Len is the number of terms.
func (t *Terms) Len() int { return len(t.entries) }

// DefaultTerms returns the embedded list (internal/compliance/scan/terms_zh.txt).
func DefaultTerms() *Terms {
	t, err := ParseTerms(bytes.NewReader(defaultTerms))
	if err != nil {
		panic("scan: embedded terms_zh.txt: " + err.Error())
	}
	return t
}

// ParseTerms reads a term list: "[category]" heading lines, one term per
// line below, "#" comments and blank lines ignored.
func ParseTerms(r io.Reader) (*Terms, error) {
	t := &Terms{}
	cat := ""
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if line == 1 {
			s = strings.TrimPrefix(s, "\uFEFF")
		}
		switch {
		case s == "" || strings.HasPrefix(s, "#"):
		case strings.HasPrefix(s, "["):
			if !strings.HasSuffix(s, "]") || len(s) < 3 {
				return nil, errs.Invalidf("terms", fmt.Sprintf("第 %d 行：类别标题应为 [类别]", line), fmt.Sprintf("line %d: a category heading is written [category]", line))
			}
			cat = strings.TrimSpace(s[1 : len(s)-1])
		default:
			if !utf8.ValidString(s) {
				return nil, errs.Invalidf("terms", fmt.Sprintf("第 %d 行不是有效的 UTF-8", line), fmt.Sprintf("line %d is not valid UTF-8", line))
			}
			if cat == "" {
				return nil, errs.Invalidf("terms", fmt.Sprintf("第 %d 行：词条前须有 [类别] 标题", line), fmt.Sprintf("line %d: a term needs a [category] heading above it", line))
			}
			t.entries = append(t.entries, contentTerm{term: s, category: cat})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, errs.Invalidf("terms", "无法读取词表："+err.Error(), "cannot read the term list: "+err.Error())
	}
	if len(t.entries) == 0 {
		return nil, errs.Invalidf("terms", "词表为空", "the term list is empty")
	}
	return t, nil
}

// action is what a dictionary match means.
type action uint8

const (
	actNeutral    action = iota // a longer harmless word hiding a shorter term
	actContent                  // X5.1 content term
	actEthnic                   // one of the 56 民族
	actMarital                  // marital status
	actHealth                   // health and disease
	actEducation                // education level (only in context)
	actBirthCtx                 // 出生, 生日: a following or preceding date is a birth date
	actQQCtx                    // QQ号: a following number is a QQ account
	actWeChatCtx                // 微信: a following account is a WeChat account
	actPassCtx                  // 护照: a following document number is a passport
	actPermitCtx                // 通行证, 台胞证
	actIncomeCtx                // 收入, 工资: a following exact amount is income
	actPayCtx                   // 支付, 转账: a following exact amount is a payment
	actEduCtx                   // 学历
	actStreet                   // 路, 街: a following number + 号 is an address
	actAddrSuffix               // 号, 室: after digits and a street, an address
	actVersionCtx               // 版本: a following dotted number is a version
	actNameCtx                  // 联系人: a following short Han run is a name
	actHonorific                // 先生: the Han characters before it are a name
	actAgeCtx                   // 年龄: a following small number is an age
	actBiometric                // 指纹模板: biometric data named
	actBioCtx                   // 指纹: a following template or vector is biometric
	actCV                       // 工作经历: a CV's section
	actSecCtx                   // 证券账户: a following number is a securities account
	actInsCtx                   // 保单号: a following number is a policy number
	actPropCtx                  // 不动产权: a following number is a housing title
	actEnterprise               // 客户名单: an enterprise's business data
	actOrgCtx                   // 注册号: a following 15 digits are a registration number
	actEmployer                 // 就职于: what follows is the person's employer
	actOtherDate                // 有效期: a following date is not a date of birth
)

type dictEntry struct {
	term     string
	act      action
	category string // content category, for actContent
}

// dict finds dictionary terms at a position without backtracking: the first
// rune indexes a short list of candidates, longest first, compared in place.
// A bitset over the second runes of a group's terms rejects most positions
// after one more decode, which matters because many common characters (不,
// 人, 有) open some term.
type dict struct {
	first  [1 << 16]uint16 // rune -> 1 + index into groups; 0 = no term starts here
	groups []group
}

type group struct {
	entries []dictEntry // longest first
	second  uint64      // bit r%64 set for the second rune r of some entry
	single  int         // index of the one-rune entry, or -1
}

func (d *dict) add(e dictEntry) {
	r, size := utf8.DecodeRuneInString(e.term)
	if r >= 1<<16 {
		return // every term of the lists starts in the basic plane
	}
	if d.first[r] == 0 {
		d.groups = append(d.groups, group{single: -1})
		d.first[r] = uint16(len(d.groups))
	}
	g := &d.groups[d.first[r]-1]
	g.entries = append(g.entries, e)
	if size < len(e.term) {
		r2, _ := utf8.DecodeRuneInString(e.term[size:])
		g.second |= 1 << (uint(r2) & 63)
	}
}

func (d *dict) finish() {
	for gi := range d.groups {
		g := &d.groups[gi]
		sort.SliceStable(g.entries, func(i, j int) bool { return len(g.entries[i].term) > len(g.entries[j].term) })
		for i, e := range g.entries {
			if _, size := utf8.DecodeRuneInString(e.term); size == len(e.term) {
				g.single = i
			}
		}
	}
}

// match returns the longest entry starting at s[i:], whose first rune is r.
// Its test is small enough to be inlined where most runes fail it.
func (d *dict) match(s string, i int, r rune) (dictEntry, bool) {
	if r >= 1<<16 || d.first[r] == 0 {
		return dictEntry{}, false
	}
	return d.matchGroup(s, i, r)
}

func (d *dict) matchGroup(s string, i int, r rune) (dictEntry, bool) {
	g := &d.groups[d.first[r]-1]
	j := i + utf8.RuneLen(r)
	if j < len(s) {
		r2 := rune(s[j])
		if r2 >= utf8.RuneSelf {
			r2, _ = utf8.DecodeRuneInString(s[j:])
		}
		if g.second&(1<<(uint(r2)&63)) != 0 {
			for _, e := range g.entries {
				if strings.HasPrefix(s[i:], e.term) {
					return e, true
				}
			}
			return dictEntry{}, false
		}
	}
	if g.single >= 0 {
		return g.entries[g.single], true
	}
	return dictEntry{}, false
}

func buildDict(t *Terms) *dict {
	d := &dict{}
	for _, e := range t.entries {
		d.add(dictEntry{term: e.term, act: actContent, category: e.category})
	}
	for _, s := range ethnicGroups {
		d.add(dictEntry{term: s, act: actEthnic})
	}
	for _, s := range maritalTerms {
		d.add(dictEntry{term: s, act: actMarital})
	}
	for _, s := range healthTerms {
		d.add(dictEntry{term: s, act: actHealth})
	}
	for _, s := range educationValues {
		if s[0] >= utf8.RuneSelf {
			d.add(dictEntry{term: s, act: actEducation})
		}
	}
	ctx := []struct {
		act   action
		terms []string
	}{
		{actBirthCtx, []string{"出生", "生日", "出生日期", "出生年月"}},
		{actQQCtx, []string{"扣扣"}}, // "QQ" itself is ASCII and handled with the tokens
		{actWeChatCtx, []string{"微信", "微信号", "威信", "薇信"}},
		{actPassCtx, []string{"护照"}},
		{actPermitCtx, []string{"通行证", "台胞证", "回乡证"}},
		{actIncomeCtx, []string{"收入", "工资", "月薪", "年薪", "薪资", "薪水", "税前", "税后"}},
		{actPayCtx, []string{"支付", "付款", "转账", "消费金额", "交易金额", "还款"}},
		{actEduCtx, []string{"学历", "毕业"}},
		{actStreet, []string{"路", "街", "巷", "大道", "胡同", "弄", "小区", "新村", "大厦", "花园", "公寓"}},
		{actAddrSuffix, []string{"号", "室", "栋", "幢", "单元"}},
		{actVersionCtx, []string{"版本"}},
		{actNameCtx, nameContext},
		{actHonorific, honorifics},
		{actAgeCtx, ageContext},
		{actBiometric, biometricTerms},
		{actBioCtx, biometricContext},
		{actCV, cvTerms},
		{actSecCtx, securitiesContext},
		{actInsCtx, insuranceContext},
		{actPropCtx, propertyContext},
		{actEnterprise, enterpriseTerms},
		{actOrgCtx, orgContext},
		{actEmployer, employerContext},
		{actOtherDate, otherDateContext},
	}
	for _, c := range ctx {
		for _, s := range c.terms {
			d.add(dictEntry{term: s, act: c.act})
		}
	}
	for _, s := range neutralTerms {
		d.add(dictEntry{term: s, act: actNeutral})
	}
	d.finish()
	return d
}
