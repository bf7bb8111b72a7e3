package catalog

import (
	_ "embed"
	"fmt"
	"regexp"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/jsonstrict"
)

// The tag taxonomy (X-E6) and the national industry classification are data,
// not code: the platform loads these defaults on first start and the
// operator replaces them with new versions without a release.

//go:embed data/taxonomy.json
var DefaultTaxonomy []byte

//go:embed data/gbt4754.json
var DefaultIndustries []byte

// Reference-data kinds as stored.
const (
	RefTaxonomy   = "taxonomy"
	RefIndustries = "industries"
)

// Category is a node of the tag taxonomy.
type Category struct {
	Code     string     `json:"code"`
	ZH       string     `json:"zh"`
	EN       string     `json:"en"`
	Children []Category `json:"children,omitempty"`
}

// Name is the category's name in lang.
func (c Category) Name(lang i18n.Lang) string { return i18n.T(c.ZH, c.EN).In(lang) }

// Taxonomy is the tag classification: first-level categories, each with
// second-level ones. Tags are filed under a second-level code.
type Taxonomy struct {
	Version    string     `json:"version"`
	Source     string     `json:"source"`
	Categories []Category `json:"categories"`
	leaves     map[string]Category
	parentOf   map[string]string
}

var codeRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$`)

func decodeStrict(b []byte, v any) error { return jsonstrict.Decode(b, "file", v) }

// ParseTaxonomy reads and validates a taxonomy file.
func ParseTaxonomy(b []byte) (*Taxonomy, error) {
	var t Taxonomy
	if err := decodeStrict(b, &t); err != nil {
		return nil, err
	}
	if t.Version == "" {
		return nil, errs.Invalidf("version", "缺少版本号", "version is required")
	}
	t.leaves, t.parentOf = map[string]Category{}, map[string]string{}
	seen := map[string]bool{}
	for i, c := range t.Categories {
		field := fmt.Sprintf("categories[%d]", i)
		if !codeRe.MatchString(c.Code) || c.ZH == "" || c.EN == "" || seen[c.Code] {
			return nil, errs.Invalidf(field, "分类代码须唯一且为小写字母，并有中英文名称", "a category needs a unique lower-case code and names in both languages")
		}
		seen[c.Code] = true
		if len(c.Children) == 0 {
			return nil, errs.Invalidf(field, "一级分类至少要有一个二级分类", "a first-level category needs at least one second-level category")
		}
		for j, l := range c.Children {
			f := fmt.Sprintf("%s.children[%d]", field, j)
			if !codeRe.MatchString(l.Code) || l.ZH == "" || l.EN == "" || seen[l.Code] || len(l.Children) > 0 {
				return nil, errs.Invalidf(f, "二级分类代码须唯一，有中英文名称，且没有下级", "a second-level category needs a unique code, names in both languages and no children")
			}
			seen[l.Code] = true
			t.leaves[l.Code] = l
			t.parentOf[l.Code] = c.Code
		}
	}
	if len(t.leaves) == 0 {
		return nil, errs.Invalidf("categories", "分类表为空", "the taxonomy is empty")
	}
	return &t, nil
}

// Leaf returns a second-level category by code.
func (t *Taxonomy) Leaf(code string) (Category, bool) {
	c, ok := t.leaves[code]
	return c, ok
}

// Parent returns the first-level category code of a second-level code.
func (t *Taxonomy) Parent(code string) string { return t.parentOf[code] }

// Industry is a section (门类) or division (大类) of GB/T 4754.
type Industry struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en,omitempty"`
}

// Section is an industry section with its divisions.
type Section struct {
	Industry
	Divisions []Industry `json:"divisions"`
}

// Industries is the national economy industry classification.
type Industries struct {
	Version  string    `json:"version"`
	Source   string    `json:"source"`
	Sections []Section `json:"sections"`
	byCode   map[string]Industry
}

var sectionRe, divisionRe = regexp.MustCompile(`^[A-Z]$`), regexp.MustCompile(`^[0-9]{2}$`)

// ParseIndustries reads and validates an industry classification file.
func ParseIndustries(b []byte) (*Industries, error) {
	var in Industries
	if err := decodeStrict(b, &in); err != nil {
		return nil, err
	}
	if in.Version == "" {
		return nil, errs.Invalidf("version", "缺少版本号", "version is required")
	}
	in.byCode = map[string]Industry{}
	for i, s := range in.Sections {
		field := fmt.Sprintf("sections[%d]", i)
		if !sectionRe.MatchString(s.Code) || s.ZH == "" || in.byCode[s.Code].Code != "" {
			return nil, errs.Invalidf(field, "门类代码须为唯一的大写字母并有中文名称", "a section needs a unique capital letter code and a Chinese name")
		}
		in.byCode[s.Code] = s.Industry
		for j, d := range s.Divisions {
			f := fmt.Sprintf("%s.divisions[%d]", field, j)
			if !divisionRe.MatchString(d.Code) || d.ZH == "" || in.byCode[s.Code+d.Code].Code != "" {
				return nil, errs.Invalidf(f, "大类代码须为唯一的两位数字并有中文名称", "a division needs a unique two-digit code and a Chinese name")
			}
			in.byCode[s.Code+d.Code] = Industry{Code: s.Code + d.Code, ZH: d.ZH, EN: d.EN}
		}
	}
	if len(in.byCode) == 0 {
		return nil, errs.Invalidf("sections", "行业分类为空", "the classification is empty")
	}
	return &in, nil
}

// Lookup finds a section ("I") or a section with its division ("I64").
func (in *Industries) Lookup(code string) (Industry, bool) {
	i, ok := in.byCode[code]
	return i, ok
}

// All lists every section and division code in file order, for forms.
func (in *Industries) All() []Industry {
	var out []Industry
	for _, s := range in.Sections {
		out = append(out, s.Industry)
		for _, d := range s.Divisions {
			out = append(out, Industry{Code: s.Code + d.Code, ZH: d.ZH, EN: d.EN})
		}
	}
	return out
}
