package settlement

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
)

// KindCycleAgreed is the entry of a settlement cycle two members agreed
// (X-S1: 如需调整结算周期，由双方另行协商): from its first month on,
// their statements each cover that many months.
const KindCycleAgreed = "settlement.cycle_agreed"

// CycleMonths are the cycles a pair may agree, in months. Each divides the
// year, and periods are counted from January, so that every month belongs
// to exactly one period and a statement never straddles two cycles.
var CycleMonths = []int{1, 2, 3, 6, 12}

// Cycle is a settlement cycle in force from a month on.
type Cycle struct {
	Months int    `json:"months"`
	From   string `json:"from"` // YYYY-MM, the first month of a period
}

// Schedule is the cycles one pair of members agreed, by first month; with
// none, statements are monthly.
type Schedule []Cycle

// monthIndex numbers months (year×12 + month−1); -1 for a malformed one.
func monthIndex(month string) int {
	t, err := time.Parse("2006-01", month)
	if err != nil || t.Format("2006-01") != month {
		return -1
	}
	return t.Year()*12 + int(t.Month()) - 1
}

func monthOfIndex(i int) string { return fmt.Sprintf("%04d-%02d", i/12, i%12+1) }

// AddMonths is month moved by n months.
func AddMonths(month string, n int) string { return monthOfIndex(monthIndex(month) + n) }

// startsPeriod reports whether month i begins a period of n months.
func startsPeriod(i, n int) bool { return (i%12)%n == 0 }

// months is the cycle in force at month i.
func (s Schedule) months(i int) int {
	n := 1
	for _, c := range s {
		if monthIndex(c.From) > i {
			break
		}
		n = c.Months
	}
	return n
}

// Months is the cycle in force at month, in months.
func (s Schedule) Months(month string) int { return s.months(monthIndex(month)) }

// Period is the period month belongs to: its first and last months.
// A statement is issued for a pair in the month after a period's last.
func (s Schedule) Period(month string) (from, to string) {
	i := monthIndex(month)
	n := s.months(i)
	start := i - (i%12)%n
	return monthOfIndex(start), monthOfIndex(start + n - 1)
}

// With is s with c in force from its month on (replacing a cycle agreed
// before for the same month). c must be one of CycleMonths and begin a
// period both of its own and of the cycle it follows, and the next cycle
// agreed must begin one of c's: no period is cut short.
func (s Schedule) With(c Cycle) (Schedule, error) {
	if !slices.Contains(CycleMonths, c.Months) {
		return nil, errs.Invalidf("months", "结算周期须为 1、2、3、6 或 12 个月："+strconv.Itoa(c.Months), "the cycle must be 1, 2, 3, 6 or 12 months: "+strconv.Itoa(c.Months))
	}
	i := monthIndex(c.From)
	if i < 0 {
		return nil, errs.Invalidf("from", "起始月份须写作 年-月，如 2027-01："+c.From, "write the first month as year-month, e.g. 2027-01: "+c.From)
	}
	if !startsPeriod(i, c.Months) {
		return nil, errs.Invalidf("from", fmt.Sprintf("%d 个月的周期自 1 月起算，%s 不是周期的第一个月", c.Months, c.From),
			fmt.Sprintf("periods of %d months are counted from January: %s does not begin one", c.Months, c.From))
	}
	if prev := s.months(i - 1); !startsPeriod(i, prev) {
		return nil, errs.Invalidf("from", fmt.Sprintf("%s 处于现行 %d 个月周期的中间：新周期须从现行周期结束后的月份开始", c.From, prev),
			fmt.Sprintf("%s falls inside a period of the current %d-month cycle: the new cycle must begin after that period ends", c.From, prev))
	}
	out := make(Schedule, 0, len(s)+1)
	for _, o := range s {
		if o.From != c.From {
			out = append(out, o)
		}
	}
	out = append(out, c)
	slices.SortFunc(out, func(a, b Cycle) int { return monthIndex(a.From) - monthIndex(b.From) })
	for _, o := range out {
		if j := monthIndex(o.From); j > i {
			if !startsPeriod(j, c.Months) {
				return nil, errs.Invalidf("from", fmt.Sprintf("已约定自 %s 起的周期会截断新的 %d 个月周期", o.From, c.Months),
					fmt.Sprintf("the cycle agreed from %s would cut a period of the new %d-month cycle short", o.From, c.Months))
			}
			break
		}
	}
	return out, nil
}

// PairKey is the key of a pair of members' schedule: the two IDs in order,
// whichever of them demands. One agreement covers both directions.
func PairKey(a, b string) [2]string {
	if b < a {
		a, b = b, a
	}
	return [2]string{a, b}
}

// CyclePayload is an agreed cycle's log entry payload.
func CyclePayload(a, b string, c Cycle, proposal string) bizlog.P {
	k := PairKey(a, b)
	return bizlog.P{"member_a": k[0], "member_b": k[1], "months": c.Months, "from": c.From, "proposal": proposal}
}

// CycleFromEntry reads an agreed cycle's entry.
func CycleFromEntry(e *bizlog.Entry) (pair [2]string, c Cycle, err error) {
	var p struct {
		A      string `json:"member_a"`
		B      string `json:"member_b"`
		Months int    `json:"months"`
		From   string `json:"from"`
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil || p.A == "" || p.B == "" || p.A >= p.B {
		return pair, c, errs.New(errs.Invalid, "entry", fmt.Sprintf("业务日志第 %d 条结算周期记录无法读取", e.Seq), fmt.Sprintf("log entry %d is a settlement cycle that cannot be read", e.Seq))
	}
	return [2]string{p.A, p.B}, Cycle{Months: p.Months, From: p.From}, nil
}

// Assemble makes the statements due for month from the pairs' monthly
// statements (from a Builder over the months of their periods): for each
// pair whose period ends in month, its period's statement — the monthly
// one itself, or one with a line per order and month. With partial, pairs
// whose period runs on are included too, as their period so far (for a
// provisional preview; such a statement is named for its period's end).
func Assemble(month string, schedules map[[2]string]Schedule, monthly []*Statement, partial bool) []*Statement {
	type pair struct{ d, s string }
	var order []pair
	byPair := map[pair][]*Statement{}
	for _, st := range monthly {
		p := pair{st.Demander, st.Supplier}
		if byPair[p] == nil {
			order = append(order, p)
		}
		byPair[p] = append(byPair[p], st)
	}
	var out []*Statement
	for _, p := range order {
		from, to := schedules[PairKey(p.d, p.s)].Period(month)
		if to != month && !partial {
			continue
		}
		var in []*Statement
		for _, st := range byPair[p] {
			if st.Month >= from && st.Month <= month {
				in = append(in, st)
			}
		}
		switch {
		case len(in) == 0:
		case from == to:
			out = append(out, in[0])
		default:
			out = append(out, combine(from, to, p.d, p.s, in))
		}
	}
	slices.SortFunc(out, func(a, b *Statement) int {
		if a.Demander != b.Demander {
			return strings.Compare(a.Demander, b.Demander)
		}
		return strings.Compare(a.Supplier, b.Supplier)
	})
	return out
}

// combine is the statement of a period of several months: the monthly
// statements' lines, each naming its month, by month then order.
func combine(from, to, demander, supplier string, monthly []*Statement) *Statement {
	st := &Statement{ID: ID(to, demander, supplier), Month: to, From: from, Demander: demander, Supplier: supplier}
	slices.SortFunc(monthly, func(a, b *Statement) int { return strings.Compare(a.Month, b.Month) })
	for _, m := range monthly {
		for _, l := range m.Lines {
			l.Month = m.Month
			st.Lines = append(st.Lines, l)
			st.TotalFen += l.ChargeFen
		}
	}
	return st
}
