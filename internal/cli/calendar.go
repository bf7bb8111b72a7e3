package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// CalendarCmd answers the settlement calendar's two questions (X-S1, X-S4)
// from the holiday data: the embedded file, or the one HULIAN_HOLIDAYS
// names.
type CalendarCmd struct {
	env *Env
}

// holidays is the calendar in force for a command: the embedded one, with
// the file HULIAN_HOLIDAYS names loaded over it (calendar.FromEnv, read
// through the command's environment).
func holidays(env *Env) (*calendar.Calendar, error) {
	if path := env.Getenv(calendar.EnvHolidays); path != "" {
		return calendar.Load(path)
	}
	return calendar.Default(), nil
}

// answer prints d, or turns a year the calendar does not declare into bad
// input (exit status 2): the answer cannot be given, and the message names
// the year to add.
func (c *CalendarCmd) answer(d calendar.Date, err error) error {
	if err != nil {
		if errs.Is(err, errs.FailedPrecondition) {
			return &errs.Error{Kind: errs.Invalid, Field: calendar.EnvHolidays, Reason: errs.ReasonOf(err)}
		}
		return err
	}
	fmt.Fprintln(c.env.Stdout, d.String())
	return nil
}

// StatementDay prints the day the statement for month (YYYY-MM) is issued.
func (c *CalendarCmd) StatementDay(_ context.Context, month string) error {
	t, err := time.Parse("2006-01", strings.TrimSpace(month))
	if err != nil {
		return errs.Invalidf("YYYY-MM", "月份须写作 年-月，如 2026-11："+month, "write the month as year-month, e.g. 2026-11: "+month)
	}
	cal, err := holidays(c.env)
	if err != nil {
		return err
	}
	return c.answer(cal.StatementDay(t.Year(), t.Month()))
}

// PayoutDue prints the last day of the five working days after an invoice
// received on day (YYYY-MM-DD).
func (c *CalendarCmd) PayoutDue(_ context.Context, day string) error {
	d, err := calendar.ParseDate(strings.TrimSpace(day))
	if err != nil {
		return errs.Invalidf("YYYY-MM-DD", "日期须写作 年-月-日，如 2026-11-24："+day, "write the date as year-month-day, e.g. 2026-11-24: "+day)
	}
	cal, err := holidays(c.env)
	if err != nil {
		return err
	}
	return c.answer(cal.PaymentDue(d))
}

func newCalendarCmd(env *Env) *cobra.Command {
	c := &CalendarCmd{env: env}
	cal := &cobra.Command{Use: "calendar", Short: i18n.T("结算日历（法定节假日与调休）", "the settlement calendar (official holidays and make-up working days)").In(env.Lang)}
	cal.AddCommand(&cobra.Command{
		Use:   "statement-day YYYY-MM",
		Short: i18n.T("该月结算单的出具日：次月第三个工作日", "the day that month's statement is issued: the third working day of the next month").In(env.Lang),
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return c.StatementDay(cmd.Context(), args[0]) },
	}, &cobra.Command{
		Use:   "payout-due YYYY-MM-DD",
		Short: i18n.T("该日收到发票后付款期限的最后一天：其后第五个工作日", "the last day to pay for an invoice received that day: the fifth working day after it").In(env.Lang),
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return c.PayoutDue(cmd.Context(), args[0]) },
	})
	return cal
}
