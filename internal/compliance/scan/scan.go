package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Options configure a Scanner.
type Options struct {
	Terms *Terms    // X5.1 content terms; the embedded list if nil
	Lang  i18n.Lang // language of Finding.Reason; Chinese if empty
	// Now fixes today for the date-of-birth check (a full date is a birth
	// date when its subject would now be 16 or older); the clock if zero.
	Now time.Time
}

// Scanner finds prohibited content. It is immutable and safe for concurrent
// use; each CSV or row scanner it makes is not.
type Scanner struct {
	d     *dict
	lang  i18n.Lang
	adult int // last birth year of someone 16 or older today, in Beijing
}

// New builds a Scanner.
func New(opts Options) *Scanner {
	t := opts.Terms
	if t == nil {
		t = DefaultTerms()
	}
	lang := opts.Lang
	if lang == "" {
		lang = i18n.ZH
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return &Scanner{d: buildDict(t), lang: lang, adult: calendar.DateOf(now).Year - 16}
}

// Result summarises a scan.
type Result struct {
	Rows     int            // data rows read
	Findings int            // findings emitted
	ByClause map[string]int // findings per clause
	Notice   i18n.Text      // something about the input that did not stop the scan
}

// ScanCSV reads a CSV with a header row from r and calls emit for every
// finding, in file order. idColumn names the subject ID column, whose own
// values are never reported. A file that cannot be read (encoding, missing
// ID column, ragged rows, huge cells) gives an *errs.Error of kind Invalid
// naming the row and column.
func (sc *Scanner) ScanCSV(ctx context.Context, r io.Reader, enc Encoding, idColumn string, emit func(Finding) error) (Result, error) {
	res := Result{ByClause: map[string]int{}}
	rd, err := NewReader(r, enc)
	if err != nil {
		return res, err
	}
	res.Notice = rd.Notice
	idx, err := rd.Column(idColumn)
	if err != nil {
		return res, err
	}
	count := func(f Finding) error {
		res.Findings++
		res.ByClause[f.Clause]++
		return emit(f)
	}
	rs, err := sc.Rows(rd.Header, idx, count)
	if err != nil {
		return res, err
	}
	for {
		if res.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		res.Rows++
		if err := rs.Row(rd.Row(), rec); err != nil {
			return res, err
		}
	}
	return res, nil
}

// RowScanner scans the rows of one table. Make one per goroutine.
type RowScanner struct {
	sc     *Scanner
	header []string
	flags  []colFlags
	id     int
	emit   func(Finding) error
	c      cell
}

// Rows prepares a RowScanner for a table with header whose subject ID is in
// column id (-1 if none), and reports the header's own findings (line 1): an
// identifier or exID inside a tag key (X-E4) or a content term.
func (sc *Scanner) Rows(header []string, id int, emit func(Finding) error) (*RowScanner, error) {
	rs := &RowScanner{sc: sc, header: header, id: id, emit: emit, c: cell{d: sc.d, adult: sc.adult}}
	rs.flags = make([]colFlags, len(header))
	for i, h := range header {
		rs.flags[i] = classifyColumn(h)
		if i == id {
			continue
		}
		rs.c.scan(h, 0, "")
		for _, h := range rs.c.hits {
			f := sc.finding(1, header[i], &rs.c, h)
			if f.Clause != "X-F5" && f.Kind != KindExIDInTag && f.Clause != "X-F2" {
				// An identifier written into a tag key is the ID leaking
				// into the tag (X-E4), whatever identifier it is.
				f.Reason = i18n.T("标签名中含有", "the tag key contains ").In(sc.lang) + f.Reason
				f.Kind, f.Clause = KindIDInTag, KindIDInTag.Clause()
			}
			if err := emit(f); err != nil {
				return nil, err
			}
		}
	}
	return rs, nil
}

// Row scans one data row; row is the file line where it starts.
func (rs *RowScanner) Row(row int, rec []string) error {
	idVal := ""
	if rs.id >= 0 && rs.id < len(rec) {
		idVal = strings.TrimSpace(rec[rs.id])
	}
	for i, v := range rec {
		if i == rs.id || v == "" {
			continue
		}
		rs.c.scan(v, rs.flags[i], idVal)
		for _, h := range rs.c.hits {
			if err := rs.emit(rs.sc.finding(row, rs.header[i], &rs.c, h)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ScanCell scans one value as if it stood in a column named column and
// returns its findings (Row 0). It is meant for single values such as a
// listing's free text; tables go through ScanCSV or Rows.
func (sc *Scanner) ScanCell(column, value string) []Finding {
	c := cell{d: sc.d, adult: sc.adult}
	c.scan(value, classifyColumn(column), "")
	out := make([]Finding, 0, len(c.hits))
	for _, h := range c.hits {
		out = append(out, sc.finding(0, column, &c, h))
	}
	return out
}

// finding renders a hit. The matched text is masked: a report of personal
// data must not become a copy of it.
func (sc *Scanner) finding(row int, column string, c *cell, h hit) Finding {
	label := h.kind.Label()
	var reason i18n.Text
	frag := c.s[h.start:h.end]
	switch h.kind {
	case KindContent:
		reason = i18n.T(fmt.Sprintf("%s「%s」（%s）", label.ZH, frag, h.category), fmt.Sprintf("%s %q (%s)", label.EN, frag, h.category))
	case KindEthnicity, KindMarital, KindEducation, KindHealth:
		// A category value alone does not identify anyone; show it.
		reason = i18n.T(fmt.Sprintf("%s：%s", label.ZH, trimFrag(frag)), fmt.Sprintf("%s: %s", label.EN, trimFrag(frag)))
	default:
		m := mask(strings.TrimSpace(frag))
		reason = i18n.T(fmt.Sprintf("%s：%s", label.ZH, m), fmt.Sprintf("%s: %s", label.EN, m))
	}
	return Finding{Row: row, Column: column, Kind: h.kind, Clause: h.kind.Clause(), Reason: reason.In(sc.lang)}
}

func trimFrag(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 20 {
		r := []rune(s)
		return string(r[:20]) + "…"
	}
	return s
}

// mask keeps the first and last few characters of s, enough for a person
// to find the cell, and hides the rest.
func mask(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		r = append(r[:38:38], '…')
	}
	keepHead, keepTail := 3, 2
	switch {
	case len(r) <= 3:
		keepHead, keepTail = 1, 0
	case len(r) <= 6:
		keepHead, keepTail = 1, 1
	}
	var b strings.Builder
	for i, c := range r {
		if i < keepHead || i >= len(r)-keepTail {
			b.WriteRune(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// Prohibited reports whether findings should stop a listing: every kind the
// scanner reports is prohibited by a clause, so any finding does.
func Prohibited(f Finding) bool { return f.Clause != "" }

// ErrUnreadable tells whether err means the input could not be read, as
// opposed to a failure of the program.
func ErrUnreadable(err error) bool { return errs.Is(err, errs.Invalid) }
