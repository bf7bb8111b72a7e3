package calendar

import (
	"fmt"
	"time"

	"hulian/internal/errs"
)

// StatementWorkingDay is the working day of the month on which the
// statement for the previous calendar month is issued (X-S1).
const StatementWorkingDay = 3

// PaymentWorkingDays is the number of working days the operator has to pay
// a supplier after receiving its VAT special invoice (X-S4).
const PaymentWorkingDays = 5

func (c *Calendar) uncovered(year int) *errs.Error {
	return errs.New(errs.FailedPrecondition, EnvHolidays,
		fmt.Sprintf("节假日数据未覆盖 %d 年：请按当年国务院办公厅通知更新节假日文件", year),
		fmt.Sprintf("the holiday data does not cover %d: update the holiday file from that year's State Council General Office notice", year))
}

// IsWorkingDay reports whether d is a working day in mainland China: Monday
// to Friday unless the notice makes it a holiday, or a Saturday or Sunday
// the notice makes a make-up working day. A year without data is an error.
func (c *Calendar) IsWorkingDay(d Date) (bool, error) {
	if !c.Covers(d.Year) {
		return false, c.uncovered(d.Year)
	}
	return c.working(d), nil
}

// working assumes d's year is covered.
func (c *Calendar) working(d Date) bool {
	if e, ok := c.days[d]; ok {
		return e.Kind == Workday
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the n-th working day after d (before d if n < 0).
// d itself is never counted, whether or not it is a working day, so the
// deadline "within five working days of receipt" is AddWorkingDays(receipt, 5).
// n == 0 returns d unchanged.
func (c *Calendar) AddWorkingDays(d Date, n int) (Date, error) {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if !c.Covers(d.Year) {
			return Date{}, c.uncovered(d.Year)
		}
		if c.working(d) {
			n--
		}
	}
	return d, nil
}

// WorkingDaysBetween counts the working days after from up to and including
// to; when to is before from it is minus the count the other way, so
// WorkingDaysBetween(a, b) == -WorkingDaysBetween(b, a). Forward it is the
// inverse of AddWorkingDays: WorkingDaysBetween(d, AddWorkingDays(d, n)) == n
// for n ≥ 0.
func (c *Calendar) WorkingDaysBetween(from, to Date) (int, error) {
	sign := 1
	if to.Before(from) {
		sign, from, to = -1, to, from
	}
	n := 0
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if !c.Covers(d.Year) {
			return 0, c.uncovered(d.Year)
		}
		if c.working(d) {
			n++
		}
	}
	return sign * n, nil
}

// NthWorkingDayOfMonth returns the n-th working day (n ≥ 1) of the month.
func (c *Calendar) NthWorkingDayOfMonth(year int, month time.Month, n int) (Date, error) {
	if month < time.January || month > time.December {
		return Date{}, errs.Invalidf("month", fmt.Sprintf("月份应为 1–12：%d", int(month)), fmt.Sprintf("month must be 1 to 12: %d", int(month)))
	}
	if n < 1 {
		return Date{}, errs.Invalidf("n", fmt.Sprintf("第几个工作日应不小于 1：%d", n), fmt.Sprintf("the working day number must be at least 1: %d", n))
	}
	if !c.Covers(year) {
		return Date{}, c.uncovered(year)
	}
	for d := (Date{year, month, 1}); d.Month == month; d = d.AddDays(1) {
		if c.working(d) {
			if n--; n == 0 {
				return d, nil
			}
		}
	}
	return Date{}, errs.Invalidf("n", fmt.Sprintf("%d 年 %d 月没有这么多工作日", year, int(month)), fmt.Sprintf("%d-%02d has fewer working days than that", year, int(month)))
}

// StatementDay returns the day the statement for the calendar month
// year-month is issued: the third working day of the following month (X-S1).
func (c *Calendar) StatementDay(year int, month time.Month) (Date, error) {
	if month < time.January || month > time.December {
		return Date{}, errs.Invalidf("month", fmt.Sprintf("月份应为 1–12：%d", int(month)), fmt.Sprintf("month must be 1 to 12: %d", int(month)))
	}
	next := NewDate(year, month+1, 1)
	return c.NthWorkingDayOfMonth(next.Year, next.Month, StatementWorkingDay)
}

// PaymentDue returns the last day on which the operator may pay a supplier
// whose invoice it received on received: five working days later (X-S4).
func (c *Calendar) PaymentDue(received Date) (Date, error) {
	return c.AddWorkingDays(received, PaymentWorkingDays)
}
