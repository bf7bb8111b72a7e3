package calendar

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// EnvHolidays names the environment variable that points at a holiday file
// to load over the embedded default.
const EnvHolidays = "HULIAN_HOLIDAYS"

// Kind is what the official notice makes of a date.
type Kind int

const (
	// Holiday is a day off (放假), whether it falls on a weekday or a weekend.
	Holiday Kind = iota + 1
	// Workday is a Saturday or Sunday made a working day (调休上班).
	Workday
)

func (k Kind) String() string {
	switch k {
	case Holiday:
		return "holiday"
	case Workday:
		return "workday"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Entry is one dated line of a holiday file.
type Entry struct {
	Date Date
	Kind Kind
	Name string // the festival, e.g. 春节
	Line int    // where it was read, for messages
}

// Year is a year a holiday file declares complete, with the notice it
// transcribes.
type Year struct {
	Year   int
	Source string
	Line   int
}

// Calendar is a set of covered years and their special days. It is
// immutable once built and safe for concurrent use.
type Calendar struct {
	years map[int]Year
	days  map[Date]Entry
}

//go:embed holidays_cn.txt
var defaultData []byte

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := Parse(bytes.NewReader(defaultData))
	if err != nil {
		// The embedded file is tested; this only fires on a broken build.
		panic("calendar: embedded holidays_cn.txt: " + err.Error())
	}
	return c
})

// Default returns the calendar of the embedded holiday file.
func Default() *Calendar { return defaultCalendar() }

// FromEnv returns the default calendar, with the file named by
// HULIAN_HOLIDAYS loaded over it when that variable is set.
func FromEnv() (*Calendar, error) {
	path := os.Getenv(EnvHolidays)
	if path == "" {
		return Default(), nil
	}
	return Load(path)
}

// maxFileSize bounds a holiday file; a real one is a few kilobytes.
const maxFileSize = 1 << 20

// Load reads the holiday file at path and returns the default calendar with
// every year the file declares replaced by the file's version. A file that
// declares only 2027 thus adds 2027; one that declares 2026 corrects 2026
// as a whole, never day by day.
func Load(path string) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Invalid, Field: EnvHolidays,
			Reason: i18n.T("无法打开节假日文件 "+path, "cannot open holiday file "+path), Err: err}
	}
	defer f.Close()
	c, err := Parse(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			c := *e
			c.Reason = i18n.T(path+"："+e.Reason.ZH, path+": "+e.Reason.EN)
			return nil, &c
		}
		return nil, err
	}
	return Default().Merge(c), nil
}

// Merge returns a calendar with the years of over replacing those of c.
func (c *Calendar) Merge(over *Calendar) *Calendar {
	m := &Calendar{years: map[int]Year{}, days: map[Date]Entry{}}
	for y, v := range c.years {
		if _, replaced := over.years[y]; !replaced {
			m.years[y] = v
		}
	}
	for d, e := range c.days {
		if _, replaced := over.years[d.Year]; !replaced {
			m.days[d] = e
		}
	}
	for y, v := range over.years {
		m.years[y] = v
	}
	for d, e := range over.days {
		m.days[d] = e
	}
	return m
}

// Years returns the covered years in ascending order.
func (c *Calendar) Years() []Year {
	ys := make([]Year, 0, len(c.years))
	for _, y := range c.years {
		ys = append(ys, y)
	}
	slices.SortFunc(ys, func(a, b Year) int { return a.Year - b.Year })
	return ys
}

// Covers reports whether the calendar has data for year.
func (c *Calendar) Covers(year int) bool {
	_, ok := c.years[year]
	return ok
}

// Lookup returns the holiday or make-up working day on d, if d is one.
func (c *Calendar) Lookup(d Date) (Entry, bool) {
	e, ok := c.days[d]
	return e, ok
}

// Entries returns the special days of year in date order.
func (c *Calendar) Entries(year int) []Entry {
	var es []Entry
	for d, e := range c.days {
		if d.Year == year {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b Entry) int { return a.Date.Compare(b.Date) })
	return es
}

// WriteTo writes c in the holiday file format, one date per line, so that
// Parse(WriteTo(c)) rebuilds c (line numbers aside).
func (c *Calendar) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	for _, y := range c.Years() {
		fmt.Fprintf(&b, "year %d %s\n", y.Year, y.Source)
		for _, e := range c.Entries(y.Year) {
			fmt.Fprintf(&b, "%s %s %s\n", e.Date, e.Kind, e.Name)
		}
	}
	return b.WriteTo(w)
}

const maxLine = 4096

// Parse reads a holiday file. The format, one fact per line:
//
//	# a comment; blank lines are ignored
//	year 2026 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）
//	2026-02-15..2026-02-23 holiday 春节
//	2026-02-14 workday 春节调休上班
//
// A year line declares the year complete and names its source; it must come
// before the year's dates. A range is inclusive and stays within one year.
// A workday must be a Saturday or Sunday (a weekday is a working day
// anyway, so listing one is a mistake). Every error names its line.
func Parse(r io.Reader) (*Calendar, error) {
	c := &Calendar{years: map[int]Year{}, days: map[Date]Entry{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLine)
	line, size := 0, 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		size += len(raw) + 1
		if size > maxFileSize {
			return nil, errs.Invalidf("", "节假日文件过大（上限 1 MiB）", "holiday file too large (limit 1 MiB)").AtRow(line)
		}
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\uFEFF")) // editors on Windows add a BOM
		}
		if !utf8.Valid(raw) {
			return nil, errs.Invalidf("", "不是有效的 UTF-8 文本", "not valid UTF-8 text").AtRow(line)
		}
		s := strings.TrimSpace(string(raw))
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if err := c.parseLine(s, line); err != nil {
			return nil, err.AtRow(line)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errs.Invalidf("", fmt.Sprintf("行过长（上限 %d 字节）", maxLine), fmt.Sprintf("line too long (limit %d bytes)", maxLine)).AtRow(line + 1)
		}
		return nil, &errs.Error{Kind: errs.Invalid, Reason: i18n.T("读取节假日文件失败", "cannot read holiday file"), Err: err}
	}
	if len(c.years) == 0 {
		return nil, errs.Invalidf("year", "文件未声明任何年份（需要 year 行）", "the file declares no year (a year line is needed)")
	}
	for _, y := range c.years {
		if !c.hasHoliday(y.Year) {
			return nil, errs.Invalidf("year", fmt.Sprintf("%d 年已声明但没有任何放假日期", y.Year), fmt.Sprintf("year %d is declared but lists no holiday", y.Year)).AtRow(y.Line)
		}
	}
	return c, nil
}

func (c *Calendar) hasHoliday(year int) bool {
	for d, e := range c.days {
		if d.Year == year && e.Kind == Holiday {
			return true
		}
	}
	return false
}

// cut splits s at its first run of white space.
func cut(s string) (head, rest string) {
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// Years outside this range are typing mistakes, not holiday data.
const minYear, maxYear = 1990, 2200

func (c *Calendar) parseLine(s string, line int) *errs.Error {
	head, rest := cut(s)
	if head == "year" {
		ys, source := cut(rest)
		y, err := strconv.Atoi(ys)
		if err != nil || len(ys) != 4 || y < minYear || y > maxYear {
			return errs.Invalidf("year", fmt.Sprintf("年份应为 %d–%d 的四位数字：%s", minYear, maxYear, quote(ys)), fmt.Sprintf("year must be four digits from %d to %d: %s", minYear, maxYear, quote(ys)))
		}
		if source == "" {
			return errs.Invalidf("source", "year 行须注明来源（国务院办公厅通知的名称和日期）", "a year line must name its source (the State Council General Office notice and its date)")
		}
		if prev, dup := c.years[y]; dup {
			return errs.Invalidf("year", fmt.Sprintf("%d 年已在第 %d 行声明", y, prev.Line), fmt.Sprintf("year %d already declared on line %d", y, prev.Line))
		}
		c.years[y] = Year{Year: y, Source: source, Line: line}
		return nil
	}

	from, to, err := parseRange(head)
	if err != nil {
		return err
	}
	ks, name := cut(rest)
	var kind Kind
	switch ks {
	case "holiday":
		kind = Holiday
	case "workday":
		kind = Workday
	default:
		return errs.Invalidf("kind", "类型应为 holiday（放假）或 workday（调休上班）："+quote(ks), "kind must be holiday or workday: "+quote(ks))
	}
	if name == "" {
		return errs.Invalidf("name", "须注明节日名称", "the festival name is missing")
	}
	if _, ok := c.years[from.Year]; !ok {
		return errs.Invalidf("date", fmt.Sprintf("%d 年未声明：请先写 year %d 行并注明来源", from.Year, from.Year), fmt.Sprintf("year %d is not declared: add a 'year %d <source>' line first", from.Year, from.Year))
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		if kind == Workday {
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return errs.Invalidf("date", fmt.Sprintf("%s 是周一至周五，本来就是工作日；调休上班日应为周六或周日", d), fmt.Sprintf("%s is a weekday and a working day anyway; a make-up working day is a Saturday or Sunday", d))
			}
		}
		if prev, dup := c.days[d]; dup {
			return errs.Invalidf("date", fmt.Sprintf("%s 已在第 %d 行列出", d, prev.Line), fmt.Sprintf("%s already listed on line %d", d, prev.Line))
		}
		c.days[d] = Entry{Date: d, Kind: kind, Name: name, Line: line}
	}
	return nil
}

// maxRange bounds a range; the longest official break is nine days.
const maxRange = 31

func parseRange(s string) (from, to Date, err *errs.Error) {
	a, b, isRange := strings.Cut(s, "..")
	if from, err = parseDate(a); err != nil {
		return Date{}, Date{}, err
	}
	to = from
	if isRange {
		if to, err = parseDate(b); err != nil {
			return Date{}, Date{}, err
		}
	}
	switch {
	case to.Before(from):
		return Date{}, Date{}, errs.Invalidf("date", "日期范围的结束早于开始："+quote(s), "the range ends before it starts: "+quote(s))
	case to.Year != from.Year:
		return Date{}, Date{}, errs.Invalidf("date", "日期范围不能跨年，请拆成两行："+quote(s), "a range must not cross a year end; split it in two lines: "+quote(s))
	case from.DaysUntil(to) >= maxRange:
		return Date{}, Date{}, errs.Invalidf("date", fmt.Sprintf("日期范围超过 %d 天：%s", maxRange, quote(s)), fmt.Sprintf("a range longer than %d days: %s", maxRange, quote(s)))
	}
	return from, to, nil
}
