// Package market is the matching service 对接服务 (X-W1): demands 需求发布,
// matching 交易撮合 with competitive offers (X-W4), and orders 订单生成 whose
// purpose, scope, method, term and price are fixed by the demand and supply
// confirmations 数据需求确认单 / 数据供应确认单 (X-P7, X-W6).
//
// The rules are pure functions of their inputs and the time given; the
// platform persists each transition and logs it in the same transaction.
package market

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/errs"
)

// Method is how the licensed data is used 方式 (X-P7).
type Method string

const (
	// Realtime: the demander's node queries IDs through the delivery module.
	Realtime Method = "realtime"
	// Batch: the demander's node submits files of IDs and receives results.
	Batch Method = "batch"
)

// MaxTermDays bounds an order's term; a longer licence is a renewal.
const MaxTermDays = 3 * 366

// Term is an order's term 期限: from the start date to the end date
// inclusive, as civil dates in China.
type Term struct {
	Start calendar.Date `json:"start"`
	End   calendar.Date `json:"end"`
}

// Begins is the first instant of the term: midnight at its start in Shanghai.
func (t Term) Begins() time.Time { return t.Start.Start() }

// Ends is the first instant after the term: midnight after its end date.
func (t Term) Ends() time.Time { return t.End.AddDays(1).Start() }

// Contains reports whether now falls within the term.
func (t Term) Contains(now time.Time) bool {
	return !now.Before(t.Begins()) && now.Before(t.Ends())
}

// Validate checks the term against today's date in China.
func (t Term) Validate(today calendar.Date) error {
	switch {
	case t.Start.IsZero() || t.End.IsZero():
		return errs.Invalidf("term", "期限须有开始日期和结束日期", "a term needs a start and an end date")
	case t.Start.Before(today):
		return errs.Invalidf("term.start", "开始日期不能早于今天（"+today.String()+"）", "the start date cannot be before today ("+today.String()+")")
	case t.End.Before(t.Start):
		return errs.Invalidf("term.end", "结束日期不能早于开始日期", "the end date cannot be before the start date")
	case t.Start.DaysUntil(t.End) >= MaxTermDays:
		return errs.Invalidf("term.end", fmt.Sprintf("期限最长 %d 天，更长的期限请续签", MaxTermDays), fmt.Sprintf("a term is at most %d days; renew for longer", MaxTermDays))
	}
	return nil
}

// DemandStatus is where a demand is.
type DemandStatus string

const (
	DemandOpen      DemandStatus = "open"      // in the market, taking offers
	DemandOrdered   DemandStatus = "ordered"   // an offer was selected
	DemandWithdrawn DemandStatus = "withdrawn" // taken off by the demander
)

// Demand is a demander's published need 需求发布 (X-W1). Purpose, scope,
// method and term are the licence terms of X-P7 the demander asks for.
type Demand struct {
	ID       string `json:"id"`
	MemberID string `json:"member_id"`
	Title    string `json:"title"`

	Purpose  string `json:"purpose"`  // 目的
	Scope    string `json:"scope"`    // 范围
	Method   Method `json:"method"`   // 方式
	Scenario string `json:"scenario"` // 应用场景
	Term     Term   `json:"term"`     // 期限

	Categories []string `json:"categories,omitempty"` // wanted tag categories, first- or second-level codes
	Tags       []string `json:"tags,omitempty"`       // wanted tag keys or names

	// The demander's industry is taken from its member record, never from
	// the request; the enterprise nature is declared with the demand.
	Industry         string `json:"industry"`
	EnterpriseNature string `json:"enterprise_nature"`

	MonthlyVolume int64  `json:"monthly_volume"` // expected queried IDs per month
	HitRateBP     int64  `json:"hit_rate_bp"`    // expected hit rate, basis points (10000 = 100%)
	BudgetFen     int64  `json:"budget_fen"`     // monthly budget in fen; 0 = none stated
	Note          string `json:"note,omitempty"`

	Status  DemandStatus `json:"status"`
	OrderID string       `json:"order_id,omitempty"`
	Created time.Time    `json:"created"`
	Updated time.Time    `json:"updated"`
}

func text(field, s string, max int, required bool) error {
	if required && strings.TrimSpace(s) == "" {
		return errs.Invalidf(field, "不能为空", "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return errs.Invalidf(field, fmt.Sprintf("不能超过 %d 字", max), fmt.Sprintf("must be at most %d characters", max))
	}
	return nil
}

// Validate checks a demand field by field; today is the date in China.
func (d *Demand) Validate(today calendar.Date) error {
	checks := []error{
		text("title", d.Title, 100, true),
		text("purpose", d.Purpose, 500, true),
		text("scope", d.Scope, 500, true),
		text("scenario", d.Scenario, 100, true),
		text("note", d.Note, 2000, false),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if d.Method != Realtime && d.Method != Batch {
		return errs.Invalidf("method", "方式须为 realtime（实时查询）或 batch（批量）", "method must be realtime or batch")
	}
	if err := d.Term.Validate(today); err != nil {
		return err
	}
	if len(d.Categories)+len(d.Tags) == 0 {
		return errs.Invalidf("categories", "须至少指定一个标签类别或标签", "name at least one tag category or tag")
	}
	if len(d.Categories) > 50 || len(d.Tags) > 200 {
		return errs.Invalidf("tags", "最多 50 个类别、200 个标签", "at most 50 categories and 200 tags")
	}
	for i, s := range append(slices.Clone(d.Categories), d.Tags...) {
		if err := text(fmt.Sprintf("wanted[%d]", i), s, 64, true); err != nil {
			return err
		}
	}
	if d.EnterpriseNature != "" && !slices.Contains(catalog.EnterpriseNatures, d.EnterpriseNature) {
		return errs.Invalidf("enterprise_nature", "企业性质须为 "+strings.Join(catalog.EnterpriseNatures, "、")+" 之一", "enterprise nature must be one of "+strings.Join(catalog.EnterpriseNatures, ", "))
	}
	switch {
	case d.MonthlyVolume < 0 || d.MonthlyVolume > 1e12:
		return errs.Invalidf("monthly_volume", "预计月用量须在 0 到 10^12 之间", "expected monthly volume must be 0 to 10^12")
	case d.HitRateBP < 0 || d.HitRateBP > 10000:
		return errs.Invalidf("hit_rate_bp", "预计查得率须在 0 到 10000（万分之一）之间", "expected hit rate must be 0 to 10000 basis points")
	case d.BudgetFen < 0:
		return errs.Invalidf("budget_fen", "预算不能为负", "the budget must not be negative")
	}
	return nil
}
