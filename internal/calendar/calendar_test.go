package calendar

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// The dates asserted below are those of the State Council General Office
// notices on the 2024, 2025 and 2026 holiday arrangements (国办发明电〔2023〕7号
// of 2023-10-25, 国办发明电〔2024〕12号 of 2024-11-12, and the notice of
// 2025-11-04), which the embedded file transcribes.

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestIsWorkingDay(t *testing.T) {
	t.Parallel()
	c := Default()
	tests := []struct {
		date string
		want bool
	}{
		// 2026 Spring Festival: 2-15 (Sun) to 2-23 (Mon) off; 2-14 and 2-28 (Sat) worked.
		{"2026-02-13", true},
		{"2026-02-14", true},
		{"2026-02-15", false},
		{"2026-02-16", false},
		{"2026-02-17", false},
		{"2026-02-20", false},
		{"2026-02-23", false},
		{"2026-02-24", true},
		{"2026-02-28", true},
		{"2026-03-01", false}, // an ordinary Sunday
		// 2026 National Day: 10-01 to 10-07 off; 9-20 (Sun) and 10-10 (Sat) worked.
		{"2026-09-20", true},
		{"2026-09-30", true},
		{"2026-10-01", false},
		{"2026-10-05", false},
		{"2026-10-07", false},
		{"2026-10-08", true},
		{"2026-10-10", true},
		{"2026-10-11", false},
		// 2026 New Year: 1-1 to 1-3 off, 1-4 (Sun) worked.
		{"2026-01-02", false},
		{"2026-01-04", true},
		// 2026 Dragon Boat (Fri) and Mid-Autumn (Fri), no make-up days.
		{"2026-06-19", false},
		{"2026-09-25", false},
		// 2025: Spring Festival 1-28 to 2-04, 1-26 (Sun) and 2-08 (Sat) worked;
		// National Day with Mid-Autumn 10-01 to 10-08, 9-28 and 10-11 worked.
		{"2025-01-26", true},
		{"2025-01-28", false},
		{"2025-02-04", false},
		{"2025-02-08", true},
		{"2025-10-08", false},
		{"2025-10-11", true},
		{"2025-06-02", false},
		// 2024: Labour Day 5-01 to 5-05, 4-28 (Sun) and 5-11 (Sat) worked.
		{"2024-04-28", true},
		{"2024-05-03", false},
		{"2024-05-11", true},
		{"2024-02-18", true},
		{"2024-02-09", true}, // New Year's Eve 2024 was a working day
	}
	for _, tt := range tests {
		got, err := c.IsWorkingDay(d(tt.date))
		if err != nil {
			t.Fatalf("IsWorkingDay(%s): %v", tt.date, err)
		}
		if got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.date, got, tt.want)
		}
	}
}

func TestUncoveredYear(t *testing.T) {
	t.Parallel()
	c := Default()
	checks := map[string]error{}
	_, checks["IsWorkingDay"] = c.IsWorkingDay(d("2027-01-04"))
	_, checks["AddWorkingDays"] = c.AddWorkingDays(d("2026-12-28"), 5)
	_, checks["WorkingDaysBetween"] = c.WorkingDaysBetween(d("2023-12-01"), d("2024-01-10"))
	_, checks["NthWorkingDayOfMonth"] = c.NthWorkingDayOfMonth(2027, time.January, 1)
	_, checks["StatementDay"] = c.StatementDay(2026, time.December)
	for name, err := range checks {
		if !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("%s: err = %v, want FailedPrecondition", name, err)
		}
	}
	if got := errs.Message(checks["StatementDay"], i18n.EN); !strings.Contains(got, "does not cover 2027") {
		t.Errorf("message = %q", got)
	}
}

func TestNthWorkingDayOfMonth(t *testing.T) {
	t.Parallel()
	c := Default()
	tests := []struct {
		year  int
		month time.Month
		n     int
		want  string
	}{
		{2026, time.February, 3, "2026-02-04"}, // 2-01 is a Sunday
		{2026, time.October, 1, "2026-10-08"},
		{2026, time.October, 3, "2026-10-10"}, // the make-up Saturday counts
		{2026, time.January, 1, "2026-01-04"}, // the make-up Sunday
		{2026, time.January, 3, "2026-01-06"},
		{2026, time.May, 3, "2026-05-08"},
		{2026, time.March, 3, "2026-03-04"},
		{2026, time.February, 16, "2026-02-28"},
		{2025, time.February, 3, "2025-02-07"},
		{2025, time.October, 3, "2025-10-11"},
		{2024, time.February, 1, "2024-02-01"},
	}
	for _, tt := range tests {
		got, err := c.NthWorkingDayOfMonth(tt.year, tt.month, tt.n)
		if err != nil {
			t.Fatalf("NthWorkingDayOfMonth(%d, %d, %d): %v", tt.year, tt.month, tt.n, err)
		}
		if got.String() != tt.want {
			t.Errorf("NthWorkingDayOfMonth(%d, %d, %d) = %s, want %s", tt.year, tt.month, tt.n, got, tt.want)
		}
	}
	for _, bad := range []struct {
		month time.Month
		n     int
	}{{time.February, 17}, {time.February, 0}, {0, 1}, {13, 1}} {
		if _, err := c.NthWorkingDayOfMonth(2026, bad.month, bad.n); !errs.Is(err, errs.Invalid) {
			t.Errorf("NthWorkingDayOfMonth(2026, %d, %d): err = %v, want Invalid", bad.month, bad.n, err)
		}
	}
}

func TestStatementDay(t *testing.T) {
	t.Parallel()
	c := Default()
	tests := []struct {
		year  int
		month time.Month
		want  string
	}{
		{2025, time.December, "2026-01-06"},
		{2026, time.January, "2026-02-04"},
		{2026, time.September, "2026-10-10"},
		{2025, time.September, "2025-10-11"},
		{2025, time.January, "2025-02-07"},
	}
	for _, tt := range tests {
		got, err := c.StatementDay(tt.year, tt.month)
		if err != nil || got.String() != tt.want {
			t.Errorf("StatementDay(%d, %d) = %s, %v; want %s", tt.year, tt.month, got, err, tt.want)
		}
	}
	if _, err := c.StatementDay(2026, 13); !errs.Is(err, errs.Invalid) {
		t.Errorf("StatementDay(2026, 13): err = %v, want Invalid", err)
	}
}

func TestAddWorkingDays(t *testing.T) {
	t.Parallel()
	c := Default()
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-02-13", 1, "2026-02-14"},
		{"2026-02-14", 1, "2026-02-24"},
		{"2026-02-24", -1, "2026-02-14"},
		{"2026-02-15", 0, "2026-02-15"},
		{"2026-09-30", 5, "2026-10-13"}, // X-S4 deadline across National Day
		{"2026-10-03", 1, "2026-10-08"}, // counting starts after a holiday too
		{"2025-12-31", 1, "2026-01-04"}, // across a year end
		{"2024-12-31", 1, "2025-01-02"},
	}
	for _, tt := range tests {
		got, err := c.AddWorkingDays(d(tt.from), tt.n)
		if err != nil || got.String() != tt.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, %v; want %s", tt.from, tt.n, got, err, tt.want)
		}
	}
	due, err := c.PaymentDue(d("2026-09-30"))
	if err != nil || due != d("2026-10-13") {
		t.Errorf("PaymentDue(2026-09-30) = %s, %v", due, err)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	t.Parallel()
	c := Default()
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-02-13", "2026-02-24", 2},
		{"2026-02-24", "2026-02-13", -2},
		{"2026-01-31", "2026-02-28", 16}, // all of February 2026
		{"2026-02-13", "2026-02-13", 0},
		{"2026-09-30", "2026-10-07", 0},
	}
	for _, tt := range tests {
		got, err := c.WorkingDaysBetween(d(tt.from), d(tt.to))
		if err != nil || got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", tt.from, tt.to, got, err, tt.want)
		}
	}
}

// TestAddBetweenInverse checks on random dates that counting forward is the
// inverse of adding, that counting is antisymmetric, and that adding lands
// on a working day.
func TestAddBetweenInverse(t *testing.T) {
	t.Parallel()
	c := Default()
	rng := rand.New(rand.NewPCG(1, 2))
	start := d("2024-05-01")
	for range 2000 {
		from := start.AddDays(rng.IntN(800))
		n := rng.IntN(121) - 60
		to, err := c.AddWorkingDays(from, n)
		if err != nil {
			t.Fatalf("AddWorkingDays(%s, %d): %v", from, n, err)
		}
		back, err := c.WorkingDaysBetween(from, to)
		if err != nil {
			t.Fatal(err)
		}
		if n >= 0 && back != n {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d; want %d", from, to, back, n)
		}
		if rev, _ := c.WorkingDaysBetween(to, from); rev != -back {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, but %d the other way", to, from, rev, back)
		}
		if ok, _ := c.IsWorkingDay(to); n != 0 && !ok {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", from, n, to)
		}
	}
}

func TestDateOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 9, 30, 15, 59, 59, 0, time.UTC), "2026-09-30"},
		{time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC), "2026-10-01"},
		{time.Date(2026, 9, 30, 23, 59, 59, 0, time.UTC), "2026-10-01"},
		{time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), "2027-01-01"},
		{time.Date(2026, 2, 28, 16, 30, 0, 0, time.UTC), "2026-03-01"},
		{time.Date(2026, 10, 1, 0, 30, 0, 0, time.FixedZone("UTC+9", 9*3600)), "2026-09-30"},
	}
	for _, tt := range tests {
		if got := DateOf(tt.at).String(); got != tt.want {
			t.Errorf("DateOf(%s) = %s, want %s", tt.at, got, tt.want)
		}
	}
	// The last second of 2026-09-30 in Shanghai is a working day, the next
	// second (16:00 UTC) is the National Day holiday.
	c := Default()
	if ok, _ := c.IsWorkingDay(DateOf(time.Date(2026, 9, 30, 15, 59, 59, 0, time.UTC))); !ok {
		t.Error("2026-09-30T15:59:59Z should be a working day in Shanghai")
	}
	if ok, _ := c.IsWorkingDay(DateOf(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC))); ok {
		t.Error("2026-09-30T16:00:00Z should be a holiday in Shanghai")
	}
	if got := d("2026-10-01").Start().UTC(); !got.Equal(time.Date(2026, 9, 30, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("Start = %s", got)
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "2026-2-01", "2026/02/01", "2026-02-30", "2026-13-01", "2026-00-10", "2026-01-00", "20260201", "+026-01-01", "2026-01-01 "} {
		if _, err := ParseDate(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseDate(%q): err = %v, want Invalid", bad, err)
		}
	}
	if got, err := ParseDate("2024-02-29"); err != nil || got != (Date{2024, 2, 29}) {
		t.Errorf("ParseDate(2024-02-29) = %v, %v", got, err)
	}
}

func TestDefaultData(t *testing.T) {
	t.Parallel()
	c := Default()
	var years []int
	for _, y := range c.Years() {
		years = append(years, y.Year)
		if !strings.Contains(y.Source, "国务院办公厅关于") {
			t.Errorf("year %d: source %q does not name the notice", y.Year, y.Source)
		}
	}
	if diff := cmp.Diff([]int{2024, 2025, 2026}, years); diff != "" {
		t.Errorf("years (-want +got):\n%s", diff)
	}
	// Days of the notices' 放假 periods and make-up days, counted by hand.
	want := map[int][2]int{2024: {28, 8}, 2025: {28, 5}, 2026: {33, 6}}
	for y, w := range want {
		var got [2]int
		for _, e := range c.Entries(y) {
			got[e.Kind-1]++
		}
		if got != w {
			t.Errorf("%d: %d holidays and %d make-up days, want %v", y, got[0], got[1], w)
		}
	}
	e, ok := c.Lookup(d("2026-02-17"))
	if !ok || e.Kind != Holiday || e.Name != "春节" {
		t.Errorf("Lookup(2026-02-17) = %+v, %v", e, ok)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const head = "year 2030 test notice\n"
	tests := []struct {
		name  string
		in    string
		row   int
		field string
		msg   string
	}{
		{"no year", "# nothing\n", 0, "year", "declares no year"},
		{"undeclared", head + "2031-01-01 holiday 元旦\n", 2, "date", "year 2031 is not declared"},
		{"bad kind", head + "2030-01-01 off 元旦\n", 2, "kind", "kind must be"},
		{"no name", head + "2030-01-01 holiday\n", 2, "name", "name is missing"},
		{"bad date", "\n" + head + "2030-02-30 holiday x\n", 3, "date", "no such date"},
		{"reversed", head + "2030-01-03..2030-01-01 holiday x\n", 2, "date", "ends before"},
		{"cross year", head + "year 2031 t\n2030-12-31..2031-01-01 holiday x\n", 3, "date", "cross a year end"},
		{"long range", head + "2030-01-01..2030-03-01 holiday x\n", 2, "date", "longer than"},
		{"weekday workday", head + "2030-01-01 holiday x\n2030-01-02 workday x\n", 3, "date", "is a weekday"},
		{"duplicate", head + "2030-01-01 holiday x\n2029-12-31 holiday y\n", 3, "date", "not declared"},
		{"overlap", head + "2030-01-01..2030-01-03 holiday x\n2030-01-02 holiday y\n", 3, "date", "already listed on line 2"},
		{"year twice", head + "2030-01-01 holiday x\nyear 2030 again\n", 3, "year", "already declared on line 1"},
		{"year no source", "year 2030\n", 1, "source", "must name its source"},
		{"year bad", "year 30 x\n", 1, "year", "four digits"},
		{"year without holiday", head + "2030-01-05 workday x\n", 1, "year", "lists no holiday"},
		{"bad utf8", head + "2030-01-01 holiday \xff\n", 2, "", "UTF-8"},
		{"too long", head + strings.Repeat("#", maxLine+1) + "\n", 2, "", "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.in))
			e, ok := err.(*errs.Error)
			if !ok {
				t.Fatalf("err = %v, want *errs.Error", err)
			}
			if e.Row != tt.row || e.Field != tt.field || !strings.Contains(e.Reason.EN, tt.msg) || e.Reason.ZH == "" {
				t.Errorf("err = row %d field %q %q, want row %d field %q containing %q", e.Row, e.Field, e.Reason.EN, tt.row, tt.field, tt.msg)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	in := "\uFEFF# comment\r\n  year 2030   第一份通知  \r\n\r\n2030-01-01\tholiday   元 旦 \r\n2030-01-05 workday 元旦调休\r\n"
	c, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); len(got) != 1 || got[0].Source != "第一份通知" || got[0].Line != 2 {
		t.Errorf("years = %+v", got)
	}
	want := []Entry{{Date{2030, 1, 1}, Holiday, "元 旦", 4}, {Date{2030, 1, 5}, Workday, "元旦调休", 5}}
	if diff := cmp.Diff(want, c.Entries(2030)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

func TestWriteToRoundTrip(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if _, err := Default().WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	c, err := Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, Default(), c)
}

func assertSame(t *testing.T, want, got *Calendar) {
	t.Helper()
	ignoreLine := cmp.Transformer("noLine", func(e Entry) Entry { e.Line = 0; return e })
	ignoreYearLine := cmp.Transformer("noYearLine", func(y Year) Year { y.Line = 0; return y })
	if diff := cmp.Diff(want.Years(), got.Years(), ignoreYearLine); diff != "" {
		t.Errorf("years (-want +got):\n%s", diff)
	}
	for _, y := range want.Years() {
		if diff := cmp.Diff(want.Entries(y.Year), got.Entries(y.Year), ignoreLine); diff != "" {
			t.Errorf("%d (-want +got):\n%s", y.Year, diff)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	// A file adding 2027 (made-up dates, for the test only) and replacing 2024.
	path := filepath.Join(dir, "holidays.txt")
	body := "year 2027 test\n2027-01-01 holiday 元旦\nyear 2024 corrected\n2024-01-01 holiday 元旦\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvHolidays, path)
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range []int{2024, 2025, 2026, 2027} {
		if !c.Covers(y) {
			t.Errorf("does not cover %d", y)
		}
	}
	if ok, _ := c.IsWorkingDay(d("2027-01-04")); !ok {
		t.Error("2027-01-04 should be a working day")
	}
	// 2024 was replaced as a whole: its Spring Festival is gone.
	if ok, _ := c.IsWorkingDay(d("2024-02-12")); !ok {
		t.Error("2024 should have been replaced by the file")
	}
	if ok, _ := c.IsWorkingDay(d("2026-02-16")); ok {
		t.Error("2026 should be kept from the default")
	}

	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("year 2027 t\n2027-01-01 holidy 元旦\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if e, ok := err.(*errs.Error); !ok || e.Row != 2 || !strings.Contains(e.Reason.EN, bad) {
		t.Errorf("Load(bad) = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.txt")); !errs.Is(err, errs.Invalid) {
		t.Errorf("Load(missing) = %v", err)
	}
	t.Setenv(EnvHolidays, "")
	if c, err := FromEnv(); err != nil || c != Default() {
		t.Errorf("FromEnv without the variable = %v, %v", c, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("year 2030 x\n2030-01-01..2030-01-03 holiday 元旦\n2030-01-05 workday y\n"))
	f.Add([]byte("year 2030 x\n2030-01-01 holiday a\nyear 2031 y\n2031-02-01 holiday b\n"))
	f.Add([]byte("# c\n\uFEFFyear 2030 x\n2030-02-30 holiday z\n"))
	f.Add([]byte("year 2030 x\n2030-01-02 workday z\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			if _, ok := err.(*errs.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		again, err := Parse(&b)
		if err != nil {
			t.Fatalf("reparse of %q: %v", b.String(), err)
		}
		assertSame(t, c, again)
	})
}

func BenchmarkIsWorkingDay(b *testing.B) {
	c := Default()
	day := d("2026-02-14")
	for b.Loop() {
		if _, err := c.IsWorkingDay(day); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStatementDay(b *testing.B) {
	c := Default()
	for b.Loop() {
		if _, err := c.StatementDay(2026, time.September); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPaymentDue(b *testing.B) {
	c := Default()
	day := d("2026-09-30")
	for b.Loop() {
		if _, err := c.PaymentDue(day); err != nil {
			b.Fatal(err)
		}
	}
}
