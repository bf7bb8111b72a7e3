// Package necessity checks collected personal information against what is
// necessary for an app's basic function (S-4, S-9, O-2): the 39 types of
// 《常见类型移动互联网应用程序必要个人信息范围规定》 (2021) and the eight
// consumer scenarios of Shanghai's 2023 campaign, kept as versioned data
// (catalogue.txt). A field is named as the regulation writes it or by a
// common synonym; an unknown field or type is an error that names the
// nearest known ones.
package necessity

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

//go:embed catalogue.txt
var catalogueText string

// Field is a datum the catalogue knows, by the regulation's name.
type Field struct {
	Key      string
	Name     string
	Synonyms []string
}

// Type is an app type or a scenario: its basic function service and the
// data necessary for it (none for a type that needs no personal
// information).
type Type struct {
	Name      string
	Basic     string
	Scenario  bool
	Necessary []string // field keys
}

// Catalogue is a version of the catalogue.
type Catalogue struct {
	Version string
	Source  string
	Fields  map[string]*Field   // by key
	Types   []*Type             // in the file's order
	names   map[string][]string // a name or synonym → the field keys it stands for
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalogue
	defaultErr  error
)

// Default is the embedded catalogue.
func Default() (*Catalogue, error) {
	defaultOnce.Do(func() { defaultCat, defaultErr = Parse(catalogueText) })
	return defaultCat, defaultErr
}

// SplitFields splits a list of field names on ASCII or full-width commas
// and the enumeration comma, as people write them.
func SplitFields(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Type finds a type or scenario by its name, "" if none.
func (c *Catalogue) Type(name string) *Type {
	name = strings.TrimSpace(name)
	for _, t := range c.Types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Result is the verdict on one field asked about.
type Result struct {
	Asked     string   `json:"field"`
	Names     []string `json:"names"` // the regulation's names of the data it stands for
	Necessary bool     `json:"necessary"`
	Reason    string   `json:"reason,omitempty"` // in the caller's language, for a field not necessary
}

// Unknown is a field or type the catalogue does not know, with the nearest
// names it does.
type Unknown struct {
	Kind    string   `json:"kind"` // field or type
	Asked   string   `json:"field"`
	Nearest []string `json:"nearest"`
}

// Message says what is unknown, in lang.
func (u Unknown) Message(lang i18n.Lang) string {
	what := i18n.T("字段", "field")
	if u.Kind == "type" {
		what = i18n.T(" App 类型或场景", "app type or scenario")
	}
	near := strings.Join(u.Nearest, i18n.T("、", ", ").In(lang))
	if near == "" {
		return i18n.T("未知的"+what.ZH+"「"+u.Asked+"」", "unknown "+what.EN+" "+u.Asked).In(lang)
	}
	return i18n.T("未知的"+what.ZH+"「"+u.Asked+"」，最接近的："+near, "unknown "+what.EN+" "+u.Asked+"; the nearest known: "+near).In(lang)
}

// Check judges each field for typeName: necessary when every datum it
// stands for is necessary for the type's basic function. An unknown type,
// or any unknown field, is returned in unknown, with nothing judged.
func (c *Catalogue) Check(typeName string, fields []string, lang i18n.Lang) (results []Result, unknown []Unknown) {
	t := c.Type(typeName)
	if t == nil {
		var names []string
		for _, t := range c.Types {
			names = append(names, t.Name)
		}
		return nil, []Unknown{{Kind: "type", Asked: strings.TrimSpace(typeName), Nearest: nearest(strings.TrimSpace(typeName), names)}}
	}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		keys, ok := c.names[f]
		if !ok {
			unknown = append(unknown, Unknown{Kind: "field", Asked: f, Nearest: nearest(f, c.allNames())})
			continue
		}
		r := Result{Asked: f, Necessary: true}
		var missing []string
		for _, k := range keys {
			r.Names = append(r.Names, c.Fields[k].Name)
			if !slices.Contains(t.Necessary, k) {
				r.Necessary = false
				missing = append(missing, c.Fields[k].Name)
			}
		}
		if !r.Necessary {
			r.Reason = c.reason(t, missing, lang)
		}
		results = append(results, r)
	}
	if len(unknown) > 0 {
		return nil, unknown
	}
	return results, nil
}

func (c *Catalogue) reason(t *Type, missing []string, lang i18n.Lang) string {
	what := i18n.T("App", "app")
	if t.Scenario {
		what = i18n.T("场景", "scenario")
	}
	data := strings.Join(missing, i18n.T("、", ", ").In(lang))
	if len(t.Necessary) == 0 {
		return i18n.T(fmt.Sprintf("「%s」%s无须个人信息即可使用基本功能服务（%s）：%s不属于必要个人信息", t.Name, what.ZH, t.Basic, data),
			fmt.Sprintf("a %s %s needs no personal information for its basic function (%s): %s is not necessary", t.Name, what.EN, t.Basic, data)).In(lang)
	}
	return i18n.T(fmt.Sprintf("%s不属于「%s」%s基本功能服务（%s）的必要个人信息", data, t.Name, what.ZH, t.Basic),
		fmt.Sprintf("%s is not necessary for the basic function of a %s %s (%s)", data, t.Name, what.EN, t.Basic)).In(lang)
}

// Names are every name and synonym the catalogue knows, sorted.
func (c *Catalogue) Names() []string { return c.allNames() }

func (c *Catalogue) allNames() []string {
	out := make([]string, 0, len(c.names))
	for n := range c.names {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// nearest are up to three of names closest to s: those containing it or
// contained in it first, then by edit distance, within half of s's length.
func nearest(s string, names []string) []string {
	if s == "" {
		return nil
	}
	type scored struct {
		name string
		d    int
	}
	var cand []scored
	limit := max(2, utf8.RuneCountInString(s)/2)
	for _, n := range names {
		d := distance(s, n)
		if strings.Contains(n, s) || strings.Contains(s, n) {
			d = -1
		}
		if d <= limit {
			cand = append(cand, scored{n, d})
		}
	}
	slices.SortStableFunc(cand, func(a, b scored) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	for _, c := range cand {
		if len(out) == 3 {
			break
		}
		out = append(out, c.name)
	}
	return out
}

// distance is the Levenshtein distance between a and b, in characters.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Parse reads a catalogue (the format is at the top of catalogue.txt).
// Errors name the line and what is wrong with it.
func Parse(text string) (*Catalogue, error) {
	c := &Catalogue{Fields: map[string]*Field{}, names: map[string][]string{}}
	bad := func(line int, zh, en string) error {
		return errs.New(errs.Invalid, "catalogue", fmt.Sprintf("必要个人信息目录第 %d 行：%s", line, zh), fmt.Sprintf("necessity catalogue line %d: %s", line, en))
	}
	name := func(line int, n string, keys []string) error {
		if _, dup := c.names[n]; dup {
			return bad(line, "名称「"+n+"」重复", "the name "+n+" is given twice")
		}
		c.names[n] = keys
		return nil
	}
	types := map[string]bool{}
	for i, raw := range strings.Split(text, "\n") {
		line := i + 1
		if j := strings.Index(raw, "#"); j >= 0 {
			raw = raw[:j]
		}
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if !utf8.ValidString(raw) {
			return nil, bad(line, "不是有效的 UTF-8", "not valid UTF-8")
		}
		word, rest, _ := strings.Cut(raw, " ")
		rest = strings.TrimSpace(rest)
		switch word {
		case "version":
			v, src, _ := strings.Cut(rest, " ")
			if v == "" || c.Version != "" {
				return nil, bad(line, "版本须声明一次", "the version is declared once")
			}
			c.Version, c.Source = v, strings.TrimSpace(src)
		case "field":
			head, syn, _ := strings.Cut(rest, "|")
			parts := strings.Fields(head)
			if len(parts) != 2 {
				return nil, bad(line, "字段须写作 field 键 名称 [| 同义词 …]", "write a field as: field KEY NAME [| SYNONYM …]")
			}
			key := parts[0]
			if _, dup := c.Fields[key]; dup {
				return nil, bad(line, "字段键 "+key+" 重复", "the field key "+key+" is given twice")
			}
			f := &Field{Key: key, Name: parts[1], Synonyms: strings.Fields(syn)}
			c.Fields[key] = f
			for _, n := range append([]string{f.Name}, f.Synonyms...) {
				if err := name(line, n, []string{key}); err != nil {
					return nil, err
				}
			}
		case "group":
			head, members, ok := strings.Cut(rest, "=")
			parts := strings.Fields(head)
			keys := strings.Fields(members)
			if !ok || len(parts) != 2 || len(keys) < 2 {
				return nil, bad(line, "组须写作 group 键 名称 = 键 …（至少两个）", "write a group as: group KEY NAME = KEY … (two or more)")
			}
			for _, k := range keys {
				if c.Fields[k] == nil {
					return nil, bad(line, "未声明的字段键 "+k, "undeclared field key "+k)
				}
			}
			if err := name(line, parts[1], keys); err != nil {
				return nil, err
			}
		case "type", "scenario":
			parts := strings.Split(rest, "|")
			if len(parts) != 3 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
				return nil, bad(line, word+" 须写作 "+word+" 名称 | 基本功能服务 | 键 …", "write it as: "+word+" NAME | BASIC FUNCTION | KEY …")
			}
			t := &Type{Name: strings.TrimSpace(parts[0]), Basic: strings.TrimSpace(parts[1]), Scenario: word == "scenario", Necessary: strings.Fields(parts[2])}
			if types[t.Name] {
				return nil, bad(line, "类型「"+t.Name+"」重复", "the type "+t.Name+" is given twice")
			}
			types[t.Name] = true
			for _, k := range t.Necessary {
				if c.Fields[k] == nil {
					return nil, bad(line, "未声明的字段键 "+k, "undeclared field key "+k)
				}
			}
			c.Types = append(c.Types, t)
		default:
			return nil, bad(line, "未知的声明「"+word+"」", "unknown declaration "+word)
		}
	}
	if c.Version == "" || len(c.Types) == 0 {
		return nil, errs.New(errs.Invalid, "catalogue", "必要个人信息目录缺少版本或类型", "the necessity catalogue lacks its version or its types")
	}
	return c, nil
}
