// Package classify is the classification and grading catalogue of the
// personal information a member holds (C-7, O-5): classes after GB/T
// 35273-2020's appendices, the sensitive categories of PIPL Article 28,
// grades within GB/T 43697-2024's general data, and which grade is
// encrypted at rest. The catalogue is data (catalogue.txt), versioned and
// replaceable; a field's class is suggested from its name, its listing tag
// key and the prohibited-content scanner's findings, and staff confirm it.
package classify

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

//go:embed catalogue.txt
var defaultText string

// Class is one class of the catalogue.
type Class struct {
	Key    string
	Grade  int
	Name   i18n.Text
	Art28  string // PIPL Article 28 category, "" if none
	Source string
	Terms  []string
	Kinds  []scan.Kind
}

// Catalogue is a parsed catalogue.
type Catalogue struct {
	Version string
	Source  string
	Grades  map[int]i18n.Text
	// EncryptFrom is the lowest grade whose fields are encrypted at rest.
	EncryptFrom int
	Classes     []*Class
	byKey       map[string]*Class
}

var def *Catalogue

func init() {
	c, err := Parse(defaultText)
	if err != nil {
		panic("classify: the built-in catalogue does not parse: " + err.Error())
	}
	def = c
}

// Default returns the built-in catalogue.
func Default() *Catalogue { return def }

// Class returns the class of key, nil if the catalogue has none.
func (c *Catalogue) Class(key string) *Class { return c.byKey[key] }

// Encrypted reports whether fields of grade g are encrypted at rest.
func (c *Catalogue) Encrypted(g int) bool { return g >= c.EncryptFrom }

// GradeName is the name of grade g for people.
func (c *Catalogue) GradeName(g int) i18n.Text {
	if t, ok := c.Grades[g]; ok {
		return t
	}
	return i18n.T(strconv.Itoa(g)+" 级", "grade "+strconv.Itoa(g))
}

// CheckGrade validates a grade staff give.
func (c *Catalogue) CheckGrade(field string, g int) error {
	if _, ok := c.Grades[g]; !ok {
		keys := make([]int, 0, len(c.Grades))
		for k := range c.Grades {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return errs.Invalidf(field, fmt.Sprintf("级别须为 %d 到 %d", keys[0], keys[len(keys)-1]), fmt.Sprintf("the grade must be %d to %d", keys[0], keys[len(keys)-1]))
	}
	return nil
}

// Suggestion is the catalogue's guess at a field's class, with what it
// rests on; staff confirm or change it.
type Suggestion struct {
	Class   string
	Grade   int
	Because []string // e.g. "name:健康", "scan:health"
}

// Unclassified is the class of a field nothing in the catalogue matched:
// a tag derived for the exchange, graded as general personal information
// until staff say otherwise.
const Unclassified = "profile"

// Suggest classifies a field from its column name, its listing tag key
// and the kinds of finding the scanner made in its values. Where several
// classes match, the one of the highest grade wins: the stricter reading
// until staff confirm.
func (c *Catalogue) Suggest(column, tagKey string, kinds []scan.Kind) Suggestion {
	var best *Class
	var because []string
	for _, cl := range c.Classes {
		var why []string
		for _, t := range cl.Terms {
			if strings.Contains(column, t) || strings.Contains(tagKey, t) {
				why = append(why, "name:"+t)
			}
		}
		for _, k := range cl.Kinds {
			if slices.Contains(kinds, k) {
				why = append(why, "scan:"+string(k))
			}
		}
		if len(why) == 0 {
			continue
		}
		if best == nil || cl.Grade > best.Grade {
			best, because = cl, why
		}
	}
	if best == nil {
		best = c.byKey[Unclassified]
		because = []string{"default"}
	}
	return Suggestion{Class: best.Key, Grade: best.Grade, Because: because}
}

// Parse reads a catalogue (the format is at the top of catalogue.txt).
// Errors name the line and what is wrong with it.
func Parse(text string) (*Catalogue, error) {
	c := &Catalogue{Grades: map[int]i18n.Text{}, byKey: map[string]*Class{}}
	bad := func(line int, zh, en string) error {
		return errs.New(errs.Invalid, "catalogue", fmt.Sprintf("分类分级目录第 %d 行：%s", line, zh), fmt.Sprintf("classification catalogue line %d: %s", line, en))
	}
	known := map[scan.Kind]bool{}
	for _, k := range scan.Kinds() {
		known[k] = true
	}
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
		case "grade":
			head, en, ok := strings.Cut(rest, "|")
			n, zh, _ := strings.Cut(strings.TrimSpace(head), " ")
			g, err := strconv.Atoi(n)
			zh, en = strings.TrimSpace(zh), strings.TrimSpace(en)
			if !ok || err != nil || g < 1 || g > 9 || zh == "" || en == "" {
				return nil, bad(line, "级别须写作 grade 数字(1-9) 名称 | 英文名称", "write a grade as: grade N(1-9) NAME | ENGLISH NAME")
			}
			if _, dup := c.Grades[g]; dup {
				return nil, bad(line, "级别 "+n+" 重复", "grade "+n+" is given twice")
			}
			c.Grades[g] = i18n.T(zh, en)
		case "encrypt":
			g, err := strconv.Atoi(rest)
			if err != nil || c.EncryptFrom != 0 {
				return nil, bad(line, "encrypt 须写一次，后跟一个级别", "give encrypt once, followed by a grade")
			}
			c.EncryptFrom = g
		case "class":
			parts := strings.Split(rest, "|")
			if len(parts) != 6 {
				return nil, bad(line, "类别须写作 class 键 级别 名称 | 英文 | 第二十八条类别 | 来源 | 词 … | 类型 …", "write a class as: class KEY GRADE NAME | ENGLISH | ART28 | SOURCE | TERMS… | KINDS…")
			}
			head := strings.Fields(parts[0])
			if len(head) < 3 {
				return nil, bad(line, "类别须有键、级别和名称", "a class has a key, a grade and a name")
			}
			g, err := strconv.Atoi(head[1])
			if err != nil {
				return nil, bad(line, "级别不是数字："+head[1], "the grade is not a number: "+head[1])
			}
			if _, ok := c.Grades[g]; !ok {
				return nil, bad(line, "级别 "+head[1]+" 未在前面声明", "grade "+head[1]+" is not declared above")
			}
			key := head[0]
			if c.byKey[key] != nil {
				return nil, bad(line, "类别键 "+key+" 重复", "the class key "+key+" is given twice")
			}
			cl := &Class{Key: key, Grade: g, Name: i18n.T(strings.Join(head[2:], " "), strings.TrimSpace(parts[1])),
				Art28: strings.TrimSpace(parts[2]), Source: strings.TrimSpace(parts[3]), Terms: strings.Fields(parts[4])}
			if cl.Art28 == "-" {
				cl.Art28 = ""
			}
			if cl.Name.EN == "" || cl.Source == "" {
				return nil, bad(line, "类别须有英文名称和来源", "a class has an English name and a source")
			}
			for _, k := range strings.Fields(parts[5]) {
				if k == "-" {
					continue
				}
				if !known[scan.Kind(k)] {
					return nil, bad(line, "扫描器没有这种发现："+k, "the scanner has no finding kind "+k)
				}
				cl.Kinds = append(cl.Kinds, scan.Kind(k))
			}
			c.byKey[key] = cl
			c.Classes = append(c.Classes, cl)
		default:
			return nil, bad(line, "不认识的声明："+word, "unknown declaration: "+word)
		}
	}
	switch {
	case c.Version == "":
		return nil, bad(0, "缺少版本", "no version")
	case len(c.Classes) == 0:
		return nil, bad(0, "没有类别", "no class")
	case c.byKey[Unclassified] == nil:
		return nil, bad(0, "缺少默认类别 "+Unclassified, "no default class "+Unclassified)
	case c.Grades[c.EncryptFrom] == (i18n.Text{}):
		return nil, bad(0, "encrypt 须指向已声明的级别", "encrypt must name a declared grade")
	}
	return c, nil
}
