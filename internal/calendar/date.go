// Package calendar computes Chinese business dates: working days in
// Asia/Shanghai under the official public holidays and make-up working days
// (调休) that the State Council General Office announces each year. Statement
// days (X-S1) and payment deadlines (X-S4) are counted in these working days.
//
// The holidays are data, not code: an embedded default file can be replaced
// or extended per year by a file named in HULIAN_HOLIDAYS without a release.
// A date in a year that no loaded file covers is an error, never a silent
// guess from weekends alone, because a wrong statement day is worse than a
// refused one.
package calendar

import (
	"fmt"
	"time"

	// Servers and containers often lack /usr/share/zoneinfo; business dates
	// must not depend on the host.
	_ "time/tzdata"

	"hulian/internal/errs"
)

// Shanghai is the zone of all business dates. China has not observed
// daylight saving time since 1991, but the zone is still loaded from tzdata
// rather than fixed at UTC+8 so that historical timestamps convert exactly.
var Shanghai = mustLoad("Asia/Shanghai")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("calendar: embedded tzdata lacks %s: %v", name, err))
	}
	return loc
}

// Date is a civil date in China, without a time of day or zone. Dates are
// comparable and usable as map keys; the zero Date is not a valid date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d, normalising overflowing months and days the
// way time.Date does (2026-02-30 is 2026-03-02).
func NewDate(y int, m time.Month, d int) Date {
	return dateOfUTC(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the date in Shanghai at the instant t, whatever t's zone:
// 2026-09-30T16:00:00Z is already 2026-10-01 in China.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{y, m, d}
}

func dateOfUTC(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// utc is the date at midnight UTC, used only for arithmetic: day counts in
// UTC have no zone transitions.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// Start is the first instant of d in Shanghai.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Shanghai) }

// AddDays returns the date n calendar days after d (before, if n < 0).
func (d Date) AddDays(n int) Date { return dateOfUTC(d.utc().AddDate(0, 0, n)) }

// DaysUntil returns the number of calendar days from d to e (negative if e
// is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.utc().Sub(d.utc()) / (24 * time.Hour)) }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	}
	return cmpInt(d.Day, e.Day)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as 2006-01-02.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText writes d as 2006-01-02, for JSON and logs.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a date written as 2006-01-02.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDate reads a date written exactly as 2006-01-02 (four-digit year,
// two-digit month and day) and rejects dates that do not exist.
func ParseDate(s string) (Date, error) {
	d, err := parseDate(s)
	if err != nil {
		return Date{}, err
	}
	return d, nil
}

func parseDate(s string) (Date, *errs.Error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, errs.Invalidf("date", "日期格式应为 YYYY-MM-DD："+quote(s), "date must be written YYYY-MM-DD: "+quote(s))
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, errs.Invalidf("date", "日期格式应为 YYYY-MM-DD："+quote(s), "date must be written YYYY-MM-DD: "+quote(s))
	}
	d := Date{y, time.Month(m), day}
	if m < 1 || m > 12 || day < 1 || NewDate(y, time.Month(m), day) != d {
		return Date{}, errs.Invalidf("date", "日期不存在："+quote(s), "no such date: "+quote(s))
	}
	return d, nil
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// quote shortens and quotes untrusted input for an error message.
func quote(s string) string {
	const max = 40
	r := []rune(s)
	if len(r) > max {
		s = string(r[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
