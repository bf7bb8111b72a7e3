package console

import (
	"fmt"
	"strconv"
	"strings"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/pricing"
)

// Money is an amount in fen that templates show in yuan.
type Money int64

// Yuan is the amount as "1,234.56"-style yuan without the separator:
// "1234.56".
func (m Money) Yuan() string { return pricing.FormatYuan(int64(m)) }

// planText describes a price plan in a sentence for comparison tables and
// confirmations; the plan itself is what the confirmation fixes.
func planText(p pricing.Plan) i18n.Text {
	basisZH, basisEN := "查询计费", "per query"
	if p.Basis == pricing.PerHit {
		basisZH, basisEN = "查得计费", "per hit"
	}
	y := func(f int64) string { return "¥" + pricing.FormatYuan(f) }
	var zh, en []string
	switch p.Mode {
	case pricing.PerCall:
		zh, en = []string{"按次 " + y(p.UnitPrice) + "/条"}, []string{"per call " + y(p.UnitPrice) + " per ID"}
	case pricing.Tiered:
		zh, en = []string{"阶梯"}, []string{"tiered"}
		for _, t := range p.Tiers {
			bound := "以上"
			boundEN := "beyond"
			if t.UpTo > 0 {
				bound, boundEN = fmt.Sprintf("至 %d 条", t.UpTo), fmt.Sprintf("up to %d", t.UpTo)
			}
			zh = append(zh, bound+" "+y(t.UnitPrice)+"/条")
			en = append(en, boundEN+" "+y(t.UnitPrice)+" per ID")
		}
	case pricing.Monthly:
		zh, en = []string{"包月 " + y(p.MonthlyFee)}, []string{"monthly " + y(p.MonthlyFee)}
		if p.Included > 0 {
			zh = append(zh, fmt.Sprintf("含 %d 条，超出 %s/条", p.Included, y(p.OverageUnitPrice)))
			en = append(en, fmt.Sprintf("%d IDs included, then %s per ID", p.Included, y(p.OverageUnitPrice)))
		} else {
			zh, en = append(zh, "不限量"), append(en, "unlimited")
		}
	case pricing.MonthlyTiered:
		zh, en = []string{"包月阶梯"}, []string{"monthly tiered"}
		for _, b := range p.Bands {
			bound, boundEN := "以上", "beyond"
			if b.UpTo > 0 {
				bound, boundEN = fmt.Sprintf("至 %d 条", b.UpTo), fmt.Sprintf("up to %d", b.UpTo)
			}
			zh = append(zh, bound+" "+y(b.Fee)+"/月")
			en = append(en, boundEN+" "+y(b.Fee)+" a month")
		}
	}
	return i18n.T(strings.Join(zh, "，")+"（"+basisZH+"）", strings.Join(en, ", ")+" ("+basisEN+")")
}

// traversalText describes traversal limits; 0 is no limit.
func traversalText(t catalog.Traversal) i18n.Text {
	n := func(v int64) string {
		if v == 0 {
			return "—"
		}
		return strconv.FormatInt(v, 10)
	}
	return i18n.T(
		fmt.Sprintf("每次 %s 个 · 每日 %s 个 · 每分钟 %s 次", n(int64(t.IDsPerRequest)), n(t.IDsPerDay), n(int64(t.RequestsPerMinute))),
		fmt.Sprintf("%s per request · %s per day · %s requests a minute", n(int64(t.IDsPerRequest)), n(t.IDsPerDay), n(int64(t.RequestsPerMinute))))
}

// billLine is a cost preview's line for the page.
type billLine struct {
	Item      i18n.Text
	Units     int64
	UnitPrice Money
	Amount    Money
}

// billView is a month's cost as the server computed it.
type billView struct {
	Lines []billLine
	Total Money
	Lang  i18n.Lang
}

func viewBill(b pricing.Bill, lang i18n.Lang) billView {
	v := billView{Total: Money(b.Total), Lang: lang}
	for _, l := range b.Lines {
		v.Lines = append(v.Lines, billLine{Item: l.Item, Units: l.Units, UnitPrice: Money(l.UnitPrice), Amount: Money(l.Amount)})
	}
	return v
}

// parseYuan reads an optional amount in yuan into fen for field; "" is 0.
func parseYuan(field, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	f, err := pricing.ParseYuan(s)
	if err != nil {
		return 0, withField(err, field)
	}
	return f, nil
}

// parseCount reads an optional non-negative whole number; "" is 0.
func parseCount(field, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Invalidf(field, "须为不小于 0 的整数", "must be a whole number, 0 or more")
	}
	return n, nil
}

// withField names the field an error is about as the page's input.
func withField(err error, field string) error {
	if e, ok := err.(*errs.Error); ok {
		c := *e
		c.Field = field
		return &c
	}
	return err
}

// list splits a comma-, 、- or space-separated input.
func list(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == '\n' || r == '\t' })
}
