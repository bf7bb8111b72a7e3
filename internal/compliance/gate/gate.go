// Package gate is the k-anonymity half of the catalog compliance gate
// (X-E8): for every tag value of a dataset it counts the distinct subjects
// the value points to, and fails every value below K (1000 by default).
//
// Memory is bounded by the distinct (tag, value) pairs, never by rows:
//
//   - Each subject ID is hashed to 64 bits (hash/maphash); a collision can
//     only merge two subjects, lowering a count, so it errs towards failing.
//   - While a value has fewer than K subjects it keeps the exact set of
//     their hashes, so every count below K, the only counts the verdict
//     depends on, is exact whatever the row order. The bound is
//     pairs × K × 8 bytes (plus map overhead) in the worst case.
//   - Once a value reaches K its set is dropped and it counts changes of
//     subject instead: each row adds one unless the value's last counted
//     subject is the row's own. This is exact when the rows of one subject
//     are adjacent (one row per subject, or a file sorted by ID, as the
//     node exports it) and an upper bound otherwise; either way the value
//     passes, as it has at least K subjects.
package gate

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// DefaultK is the minimum number of individuals per tag value (X-E8).
const DefaultK = 1000

// ValueType is a tag's value type (X-E7).
type ValueType string

const (
	Single  ValueType = "single"  // 单值列表
	Multi   ValueType = "multi"   // 多值列表: "a|b" or "a;b" counts a and b
	Segment ValueType = "segment" // 分段
	Hit     ValueType = "hit"     // 命中
	Item    ValueType = "item"    // 数据项
)

// Tag is one tag column of a listing.
type Tag struct {
	Column    string    `json:"column"`
	Key       string    `json:"key"`
	ValueType ValueType `json:"value_type"`
	// Values is the listed value domain of list and segment tags. A listed
	// value no row carries is reported with 0 subjects, so that the local
	// verdict is the one the platform reaches from the signed report.
	Values []string `json:"values,omitempty"`
}

// Listing is the part of a catalog listing the gate reads. Unknown fields
// are ignored so that the full listing document (catalog.Listing as the
// platform returns it) can be passed; ID and Version name what a signed
// gate report covers.
type Listing struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Tags    []Tag  `json:"tags"`
	K       int    `json:"k"`
}

// ParseListing reads a listing document and checks what the gate needs.
func ParseListing(r io.Reader) (Listing, error) {
	var l Listing
	if err := json.NewDecoder(r).Decode(&l); err != nil {
		return l, &errs.Error{Kind: errs.Invalid, Field: "listing", Reason: i18n.T("挂牌文件不是有效的 JSON："+err.Error(), "the listing is not valid JSON: "+err.Error()), Err: err}
	}
	if l.K == 0 {
		l.K = DefaultK
	}
	if l.K < 1 {
		return l, errs.Invalidf("k", "k 必须是正整数", "k must be a positive integer")
	}
	if len(l.Tags) == 0 {
		return l, errs.Invalidf("tags", "挂牌文件中没有标签（tags）", "the listing has no tags")
	}
	seen := map[string]bool{}
	for i, t := range l.Tags {
		field := fmt.Sprintf("tags[%d]", i)
		if t.Column == "" {
			return l, errs.Invalidf(field+".column", "标签缺少列名", "the tag has no column")
		}
		if seen[t.Column] {
			return l, errs.Invalidf(field+".column", "同一列被列为两个标签："+t.Column, "the same column is listed as two tags: "+t.Column)
		}
		seen[t.Column] = true
		switch t.ValueType {
		case Single, Multi, Segment, Hit, Item:
		case "":
			l.Tags[i].ValueType = Single
		default:
			return l, errs.Invalidf(field+".value_type", fmt.Sprintf("未知的取值类型 %q，可选：single、multi、segment、hit、item", t.ValueType), fmt.Sprintf("unknown value type %q; one of: single, multi, segment, hit, item", t.ValueType))
		}
		if l.Tags[i].Key == "" {
			l.Tags[i].Key = t.Column
		}
	}
	return l, nil
}

// entry counts the subjects of one tag value.
type entry struct {
	count int
	last  uint64
	set   map[uint64]struct{} // exact subjects while count < K
}

type column struct {
	tag    Tag
	idx    int
	values map[string]*entry
}

// Table accumulates the k-anonymity table of one file. It is not safe for
// concurrent use.
type Table struct {
	k       int
	id      int
	seed    maphash.Seed
	cols    []column
	rows    int
	adjDups int
	prev    uint64
	hasPrev bool
	scratch []string
}

// NewTable prepares a table for a file with header, the subject ID in
// column idColumn and the listing's tags.
func NewTable(header []string, idColumn string, l Listing) (*Table, error) {
	t := &Table{k: l.K, id: -1, seed: maphash.MakeSeed()}
	if t.k == 0 {
		t.k = DefaultK
	}
	for i, h := range header {
		if h == idColumn {
			t.id = i
		}
	}
	if t.id < 0 {
		return nil, errs.Invalidf(idColumn, "表头中没有这一列（ID 列）", "no such column in the header (the ID column)")
	}
	for _, tag := range l.Tags {
		idx := slices.Index(header, tag.Column)
		if idx < 0 {
			return nil, errs.Invalidf(tag.Column, "挂牌中的标签列不在文件表头中", "the listing's tag column is not in the file's header")
		}
		if idx == t.id {
			return nil, errs.Invalidf(tag.Column, "ID 列不能作为标签（X-E4）", "the ID column cannot be a tag (X-E4)")
		}
		t.cols = append(t.cols, column{tag: tag, idx: idx, values: map[string]*entry{}})
	}
	return t, nil
}

// Add counts one data row (1-based number row, for errors).
func (t *Table) Add(row int, rec []string) error {
	id := strings.TrimSpace(rec[t.id])
	if id == "" {
		return errs.Invalidf("", "主体 ID 为空", "the subject ID is empty").AtRow(row)
	}
	h := maphash.String(t.seed, id)
	if t.hasPrev && h == t.prev {
		t.adjDups++
	}
	t.prev, t.hasPrev = h, true
	t.rows++
	for ci := range t.cols {
		c := &t.cols[ci]
		cell := rec[c.idx]
		if c.tag.ValueType == Hit {
			// A hit tag's only value is membership of the set; rows
			// outside it do not point to anyone by this tag.
			if IsHit(cell) {
				t.count(c, HitValue, h)
			}
			continue
		}
		if c.tag.ValueType != Multi {
			t.count(c, strings.TrimSpace(cell), h)
			continue
		}
		t.scratch = SplitMulti(t.scratch[:0], cell)
		for _, v := range t.scratch {
			t.count(c, v, h)
		}
	}
	return nil
}

func (t *Table) count(c *column, v string, h uint64) {
	if v == "" {
		return
	}
	e := c.values[v]
	if e == nil {
		// Clone: the key would otherwise keep the whole CSV record alive.
		e = &entry{set: map[uint64]struct{}{}}
		c.values[strings.Clone(v)] = e
	}
	if e.count > 0 && e.last == h {
		return
	}
	e.last = h
	if e.set == nil {
		e.count++
		return
	}
	if _, ok := e.set[h]; ok {
		return
	}
	e.set[h] = struct{}{}
	e.count = len(e.set)
	if e.count >= t.k {
		e.set = nil
	}
}

// HitValue is the value a hit tag's members are counted under, the one the
// platform checks (X-E7).
const HitValue = "1"

// IsHit reads a hit cell: 1, true, yes, y or 是 mark a member of the set.
func IsHit(cell string) bool {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "1", "true", "yes", "y", "是":
		return true
	}
	return false
}

// SplitMulti cuts a multi-value cell at '|' and ';', dropping empty values
// and repeats within the cell.
func SplitMulti(dst []string, cell string) []string {
	start := 0
	for i := 0; i <= len(cell); i++ {
		if i < len(cell) && cell[i] != '|' && cell[i] != ';' {
			continue
		}
		v := strings.TrimSpace(cell[start:i])
		start = i + 1
		if v != "" && !slices.Contains(dst, v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// Value is one line of the k-anonymity table.
type Value struct {
	Column   string `json:"column"`
	Key      string `json:"key"`
	Value    string `json:"value"`
	Subjects int    `json:"subjects"`
	// Exact is false for counts at or above K, which are exact only when
	// the rows of each subject are adjacent (see the package comment).
	Exact bool `json:"exact"`
	Pass  bool `json:"pass"`
}

// Report is the table and its verdict.
type Report struct {
	K    int `json:"k"`
	Rows int `json:"rows"`
	// AdjacentDuplicateRows counts rows whose subject repeats the previous
	// row's: the file is not one row per subject.
	AdjacentDuplicateRows int `json:"adjacent_duplicate_rows"`
	// Subjects is Rows less AdjacentDuplicateRows: the number of subjects
	// when the rows of each subject are adjacent, as the node exports them.
	// Counting them exactly in any order would need memory per row.
	Subjects int     `json:"subjects"`
	Values   []Value `json:"values"`
	Failures int     `json:"failures"`
	Pass     bool    `json:"pass"`
}

// Report returns the table, tags in listing order and values by ascending
// count (the failing ones first), and the verdict.
func (t *Table) Report() Report {
	r := Report{K: t.k, Rows: t.rows, AdjacentDuplicateRows: t.adjDups, Subjects: t.rows - t.adjDups, Pass: true}
	for _, c := range t.cols {
		start := len(r.Values)
		for _, v := range c.tag.Values {
			if _, ok := c.values[v]; !ok {
				r.Values = append(r.Values, Value{Column: c.tag.Column, Key: c.tag.Key, Value: v, Exact: true})
				r.Failures++
				r.Pass = false
			}
		}
		for v, e := range c.values {
			pass := e.count >= t.k
			r.Values = append(r.Values, Value{Column: c.tag.Column, Key: c.tag.Key, Value: v, Subjects: e.count, Exact: e.set != nil, Pass: pass})
			if !pass {
				r.Failures++
				r.Pass = false
			}
		}
		slices.SortFunc(r.Values[start:], func(a, b Value) int {
			if a.Subjects != b.Subjects {
				return a.Subjects - b.Subjects
			}
			return strings.Compare(a.Value, b.Value)
		})
	}
	if t.rows == 0 {
		r.Pass = false
	}
	return r
}
