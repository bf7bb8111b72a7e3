// Package pricing computes what a demander owes for data it received, in fen
// (分), under the billing modes of the price constraint (X-E12): per call
// (按次), tiered (阶梯), monthly (包月) and monthly tiered (包月阶梯).
//
// Every amount is computed by the server from counts it observed; nothing a
// client sends as a total or a price is trusted. The package is pure: no
// clock, no storage. A billing month is a calendar month in Asia/Shanghai
// (see calendar.DateOf); the caller keeps the month's counts so far.
//
// The charge of one delivery is the month's total after it minus the
// month's total before it. Summing the charges of a month's deliveries
// therefore gives exactly MonthTotal of the month's counts, whatever the
// sizes and order of the deliveries, which is what settlement (X-S1)
// recomputes from the business log.
package pricing

import (
	"fmt"
	"math"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Mode is a billing mode of X-E12.
type Mode string

const (
	// PerCall (按次计费) charges a unit price for every billable ID.
	PerCall Mode = "per_call"
	// Tiered (阶梯式计费) charges each billable ID the unit price of the
	// volume tier it falls in within the month (graduated tiers).
	Tiered Mode = "tiered"
	// Monthly (包月计费) charges a flat fee for the month, with an included
	// volume beyond which each billable ID has an overage price, or unlimited.
	Monthly Mode = "monthly"
	// MonthlyTiered (包月阶梯式计费) charges one monthly fee chosen by the
	// band the month's billable volume falls in.
	MonthlyTiered Mode = "monthly_tiered"
)

// Basis says which IDs of a delivery are billable.
type Basis string

const (
	// PerQuery (查询计费): every queried ID is billable.
	PerQuery Basis = "query"
	// PerHit (查得计费): only the IDs the supplier matched are billable.
	PerHit Basis = "hit"
)

// MaxPrice bounds every price and fee in a plan, in fen (10 亿元). It exists
// to catch a price typed in fen where yuan were meant, a hundredfold error
// in the other direction, not to bound arithmetic: that is checked exactly.
const MaxPrice = 100_000_000_000

// MaxTiers bounds the number of tiers or bands of a plan.
const MaxTiers = 32

// Tier is a volume tier of a Tiered plan. It covers the month's billable
// IDs numbered from the previous tier's UpTo+1 (from 1 for the first tier)
// to UpTo inclusive; the last tier has UpTo 0, meaning no upper bound.
type Tier struct {
	UpTo      int64 `json:"up_to,omitempty"`
	UnitPrice int64 `json:"unit_price"` // fen per billable ID
}

// Band is a volume band of a MonthlyTiered plan: a month whose billable
// volume is above the previous band's UpTo and at most UpTo costs Fee. The
// last band has UpTo 0, meaning no upper bound.
type Band struct {
	UpTo int64 `json:"up_to,omitempty"`
	Fee  int64 `json:"fee"` // fen for the month
}

// Plan is the price of an order as its confirmations fix it. Only the
// fields of its mode may be set; Validate rejects the others so that no one
// reads a price into a field the mode ignores.
type Plan struct {
	Mode  Mode  `json:"mode"`
	Basis Basis `json:"basis"`

	UnitPrice int64 `json:"unit_price,omitempty"` // PerCall: fen per billable ID

	Tiers []Tier `json:"tiers,omitempty"` // Tiered

	MonthlyFee       int64 `json:"monthly_fee,omitempty"`        // Monthly: fen per month
	Included         int64 `json:"included,omitempty"`           // Monthly: billable IDs in the fee; 0 is unlimited
	OverageUnitPrice int64 `json:"overage_unit_price,omitempty"` // Monthly: fen per billable ID beyond Included

	Bands []Band `json:"bands,omitempty"` // MonthlyTiered
}

// Usage counts IDs of one delivery or of a month so far.
type Usage struct {
	Queried int64 `json:"queried"` // IDs the demander asked about
	Matched int64 `json:"matched"` // IDs the supplier found, at most Queried
}

func invalid(field, zh, en string) *errs.Error { return errs.Invalidf(field, zh, en) }

func priceOK(field string, v int64) *errs.Error {
	if v < 0 {
		return invalid(field, "金额不能为负", "must not be negative")
	}
	if v > MaxPrice {
		return invalid(field, fmt.Sprintf("金额过大（上限 %d 分）：请确认单位是分而不是元", int64(MaxPrice)), fmt.Sprintf("too large (limit %d fen): check that it is in fen, not yuan", int64(MaxPrice)))
	}
	return nil
}

func unused(field string, set bool, mode Mode) *errs.Error {
	if set {
		return invalid(field, fmt.Sprintf("计费方式 %s 不使用此项，请留空", mode), fmt.Sprintf("not used by billing mode %s; leave it empty", mode))
	}
	return nil
}

// Validate checks a plan and names the first field that is wrong.
func (p Plan) Validate() error {
	if err := p.validate(); err != nil {
		return err
	}
	return nil
}

func (p Plan) validate() *errs.Error {
	switch p.Basis {
	case PerQuery, PerHit:
	default:
		return invalid("basis", "计费依据应为 query（查询计费）或 hit（查得计费）", "basis must be query or hit")
	}
	var checks []*errs.Error
	switch p.Mode {
	case PerCall:
		checks = []*errs.Error{priceOK("unit_price", p.UnitPrice),
			unused("tiers", p.Tiers != nil, p.Mode), unused("monthly_fee", p.MonthlyFee != 0, p.Mode),
			unused("included", p.Included != 0, p.Mode), unused("overage_unit_price", p.OverageUnitPrice != 0, p.Mode),
			unused("bands", p.Bands != nil, p.Mode)}
	case Tiered:
		checks = []*errs.Error{unused("unit_price", p.UnitPrice != 0, p.Mode), unused("monthly_fee", p.MonthlyFee != 0, p.Mode),
			unused("included", p.Included != 0, p.Mode), unused("overage_unit_price", p.OverageUnitPrice != 0, p.Mode),
			unused("bands", p.Bands != nil, p.Mode), p.validateTiers()}
	case Monthly:
		checks = []*errs.Error{unused("unit_price", p.UnitPrice != 0, p.Mode), unused("tiers", p.Tiers != nil, p.Mode),
			unused("bands", p.Bands != nil, p.Mode), priceOK("monthly_fee", p.MonthlyFee), p.validateIncluded()}
	case MonthlyTiered:
		checks = []*errs.Error{unused("unit_price", p.UnitPrice != 0, p.Mode), unused("tiers", p.Tiers != nil, p.Mode),
			unused("monthly_fee", p.MonthlyFee != 0, p.Mode), unused("included", p.Included != 0, p.Mode),
			unused("overage_unit_price", p.OverageUnitPrice != 0, p.Mode), p.validateBands()}
	default:
		return invalid("mode", "计费方式应为 per_call（按次）、tiered（阶梯）、monthly（包月）或 monthly_tiered（包月阶梯）",
			"mode must be per_call, tiered, monthly or monthly_tiered")
	}
	for _, e := range checks {
		if e != nil {
			return e
		}
	}
	return nil
}

func (p Plan) validateIncluded() *errs.Error {
	switch {
	case p.Included < 0:
		return invalid("included", "包含量不能为负（0 表示不限量）", "must not be negative (0 means unlimited)")
	case p.Included == 0 && p.OverageUnitPrice != 0:
		return invalid("overage_unit_price", "不限量包月没有超量单价：请设定包含量或将超量单价留空", "an unlimited monthly plan has no overage price: set included or leave this empty")
	case p.Included > 0 && p.OverageUnitPrice == 0:
		return invalid("overage_unit_price", "设定了包含量就须设定超量单价（不限量请将包含量设为 0）", "a plan with an included volume needs an overage price (set included to 0 for unlimited)")
	}
	return priceOK("overage_unit_price", p.OverageUnitPrice)
}

// validateBounds checks the upper bounds shared by tiers and bands: strictly
// ascending from above 0, the last one open. Gaps and overlaps cannot be
// written, since each range starts where the previous one ends.
func validateBounds(kind string, n int, upTo func(int) int64) *errs.Error {
	if n == 0 {
		return invalid(kind, "至少需要一档", "at least one is needed")
	}
	if n > MaxTiers {
		return invalid(kind, fmt.Sprintf("最多 %d 档", MaxTiers), fmt.Sprintf("at most %d", MaxTiers))
	}
	prev := int64(0)
	for i := range n {
		field := func() string { return fmt.Sprintf("%s[%d].up_to", kind, i) } // only on error: Charge validates every call
		u := upTo(i)
		if i == n-1 {
			if u != 0 {
				return invalid(field(), "最后一档不设上限（up_to 留空），以免超出的用量无价可计", "the last one has no upper bound (leave up_to empty), so that no volume is left without a price")
			}
			break
		}
		if u <= prev {
			if i == 0 {
				return invalid(field(), "上限应为正数（只有最后一档不设上限）", "must be positive (only the last one is open)")
			}
			return invalid(field(), fmt.Sprintf("上限应大于上一档的上限 %d", prev), fmt.Sprintf("must be greater than the previous upper bound %d", prev))
		}
		prev = u
	}
	return nil
}

func (p Plan) validateTiers() *errs.Error {
	if err := validateBounds("tiers", len(p.Tiers), func(i int) int64 { return p.Tiers[i].UpTo }); err != nil {
		return err
	}
	for i, t := range p.Tiers {
		if err := priceOK("", t.UnitPrice); err != nil {
			err.Field = fmt.Sprintf("tiers[%d].unit_price", i)
			return err
		}
	}
	return nil
}

func (p Plan) validateBands() *errs.Error {
	if err := validateBounds("bands", len(p.Bands), func(i int) int64 { return p.Bands[i].UpTo }); err != nil {
		return err
	}
	for i, b := range p.Bands {
		if err := priceOK("", b.Fee); err != nil {
			err.Field = fmt.Sprintf("bands[%d].fee", i)
			return err
		}
		// A lower fee for more volume would make the delivery that crosses
		// into the band a refund, and the month's total depend on order.
		if i > 0 && b.Fee < p.Bands[i-1].Fee {
			return invalid(fmt.Sprintf("bands[%d].fee", i), "用量更高的档位月费不能更低", "a band for more volume must not cost less")
		}
	}
	return nil
}

// Billable returns the number of billable IDs in u under the plan's basis.
func (p Plan) Billable(u Usage) int64 {
	if p.Basis == PerHit {
		return u.Matched
	}
	return u.Queried
}

func overflow() *errs.Error {
	return invalid("volume", "用量过大，金额超出可计算范围", "volume too large: the amount would overflow")
}

func mul(a, b int64) (int64, *errs.Error) {
	// Operands are never negative here: validated prices times counts.
	if a != 0 && b > math.MaxInt64/a {
		return 0, overflow()
	}
	return a * b, nil
}

func add(a, b int64) (int64, *errs.Error) {
	if b > math.MaxInt64-a {
		return 0, overflow()
	}
	return a + b, nil
}

func (u Usage) check(field string) *errs.Error {
	switch {
	case u.Queried < 0:
		return invalid(field+".queried", "数量不能为负", "must not be negative")
	case u.Matched < 0:
		return invalid(field+".matched", "数量不能为负", "must not be negative")
	case u.Matched > u.Queried:
		return invalid(field+".matched", "查得数不能多于查询数", "must not exceed queried")
	}
	return nil
}

// MonthTotal returns what a month with the given counts costs, in fen. A
// month without billable IDs costs nothing, also under the monthly modes:
// the monthly fee is due with the month's first billable ID (see doc).
func (p Plan) MonthTotal(month Usage) (int64, error) {
	if err := p.validate(); err != nil {
		return 0, err
	}
	if err := month.check("month"); err != nil {
		return 0, err
	}
	t, err := p.total(p.Billable(month))
	if err != nil {
		return 0, err
	}
	return t, nil
}

// Charge returns what one delivery costs, in fen, given the counts of the
// same billing month before it. It is MonthTotal(before+delivery) −
// MonthTotal(before), never negative, and the monthly fee falls on the
// delivery that brings the month's first billable ID.
func (p Plan) Charge(before, delivery Usage) (int64, error) {
	if err := p.validate(); err != nil {
		return 0, err
	}
	if err := before.check("before"); err != nil {
		return 0, err
	}
	if err := delivery.check("delivery"); err != nil {
		return 0, err
	}
	b0 := p.Billable(before)
	b1, err := add(b0, p.Billable(delivery))
	if err != nil {
		return 0, err
	}
	if b1 == b0 {
		return 0, nil
	}
	t0, err := p.total(b0)
	if err != nil {
		return 0, err
	}
	t1, err := p.total(b1)
	if err != nil {
		return 0, err
	}
	return t1 - t0, nil
}

// total is the month's amount for n billable IDs of a valid plan.
func (p Plan) total(n int64) (int64, *errs.Error) {
	if n == 0 {
		return 0, nil
	}
	switch p.Mode {
	case PerCall:
		return mul(n, p.UnitPrice)
	case Tiered:
		var sum, lo int64
		for _, t := range p.Tiers {
			units := n - lo
			if t.UpTo != 0 {
				units = min(n, t.UpTo) - lo
			}
			if units <= 0 {
				break
			}
			a, err := mul(units, t.UnitPrice)
			if err != nil {
				return 0, err
			}
			if sum, err = add(sum, a); err != nil {
				return 0, err
			}
			lo = t.UpTo
		}
		return sum, nil
	case Monthly:
		if p.Included == 0 || n <= p.Included {
			return p.MonthlyFee, nil
		}
		a, err := mul(n-p.Included, p.OverageUnitPrice)
		if err != nil {
			return 0, err
		}
		return add(p.MonthlyFee, a)
	case MonthlyTiered:
		return p.Bands[p.band(n)].Fee, nil
	}
	return 0, invalid("mode", "未知的计费方式", "unknown billing mode")
}

// band is the index of the band holding n billable IDs.
func (p Plan) band(n int64) int {
	for i, b := range p.Bands {
		if b.UpTo == 0 || n <= b.UpTo {
			return i
		}
	}
	return len(p.Bands) - 1 // unreachable for a valid plan: the last band is open
}

// Line is one line of a bill, for a person to check.
type Line struct {
	Item      i18n.Text `json:"item"`
	Units     int64     `json:"units"`                // billable IDs on this line; 0 for a flat fee
	UnitPrice int64     `json:"unit_price,omitempty"` // fen per ID; 0 for a flat fee
	Amount    int64     `json:"amount"`               // fen
}

// Bill explains a month's amount line by line.
type Bill struct {
	Queried  int64  `json:"queried"`
	Matched  int64  `json:"matched"`
	Billable int64  `json:"billable"`
	Lines    []Line `json:"lines"`
	Total    int64  `json:"total"` // fen; equals MonthTotal
}

// Breakdown explains MonthTotal(month) line by line for statements and
// the console.
func (p Plan) Breakdown(month Usage) (Bill, error) {
	total, err := p.MonthTotal(month)
	if err != nil {
		return Bill{}, err
	}
	n := p.Billable(month)
	bill := Bill{Queried: month.Queried, Matched: month.Matched, Billable: n, Total: total}
	if n == 0 {
		return bill, nil
	}
	// Products below cannot overflow: each is at most the total just computed.
	switch p.Mode {
	case PerCall:
		bill.Lines = []Line{{i18n.T("按次计费", "per call"), n, p.UnitPrice, n * p.UnitPrice}}
	case Tiered:
		var lo int64
		for i, t := range p.Tiers {
			units := n - lo
			if t.UpTo != 0 {
				units = min(n, t.UpTo) - lo
			}
			if units <= 0 {
				break
			}
			rng := fmt.Sprintf("%d–", lo+1)
			if t.UpTo != 0 {
				rng += fmt.Sprint(t.UpTo)
			}
			bill.Lines = append(bill.Lines, Line{i18n.T(fmt.Sprintf("第 %d 档（%s）", i+1, rng), fmt.Sprintf("tier %d (%s)", i+1, rng)), units, t.UnitPrice, units * t.UnitPrice})
			lo = t.UpTo
		}
	case Monthly:
		bill.Lines = []Line{{i18n.T("包月月费", "monthly fee"), 0, 0, p.MonthlyFee}}
		if p.Included != 0 && n > p.Included {
			over := n - p.Included
			bill.Lines = append(bill.Lines, Line{i18n.T(fmt.Sprintf("超出包含量 %d 的部分", p.Included), fmt.Sprintf("beyond the included %d", p.Included)), over, p.OverageUnitPrice, over * p.OverageUnitPrice})
		}
	case MonthlyTiered:
		i := p.band(n)
		bill.Lines = []Line{{i18n.T(fmt.Sprintf("包月阶梯第 %d 档月费", i+1), fmt.Sprintf("monthly fee of band %d", i+1)), 0, 0, p.Bands[i].Fee}}
	}
	return bill, nil
}

// Preview estimates a month's bill before signing, from the expected
// number of queried IDs and the expected hit rate in basis points (万分之一;
// 10000 is 100%). Rates are integers so that money never passes through
// floating point; matched IDs are rounded half up.
func (p Plan) Preview(expectedQueried int64, hitRateBP int64) (Bill, error) {
	if expectedQueried < 0 {
		return Bill{}, invalid("expected_volume", "预计用量不能为负", "must not be negative")
	}
	if hitRateBP < 0 || hitRateBP > 10000 {
		return Bill{}, invalid("hit_rate", "查得率应在 0 到 10000（万分之一）之间", "must be between 0 and 10000 basis points")
	}
	// Split to avoid overflow of expectedQueried*hitRateBP.
	q, r := expectedQueried/10000, expectedQueried%10000
	matched := q*hitRateBP + (r*hitRateBP+5000)/10000
	return p.Breakdown(Usage{Queried: expectedQueried, Matched: matched})
}
