package market

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/pricing"
)

// Points of the matching score, out of 100. Fit to the demand weighs most;
// then what the operator and third parties say about the data; then price.
const (
	PointsCategories = 20 // share of wanted categories the listing's tags fall in
	PointsTags       = 10 // share of wanted tags the listing has
	PointsCoverage   = 10 // coverage against the expected monthly volume
	PointsQuality    = 20 // quality scores, assessed ones weighted over self-assessment
	PointsSecurity   = 10 // security score
	PointsRisk       = 10 // 100 − risk score: a riskier listing ranks lower
	PointsPrice      = 20 // expected monthly cost against the budget
)

// Part is one component of a listing's score, explained.
type Part struct {
	Name   string    `json:"name"` // categories, tags, coverage, quality, security, risk, price
	Points int       `json:"points"`
	Max    int       `json:"max"`
	Why    i18n.Text `json:"why"`
}

// Match is a published listing ranked for a demand.
type Match struct {
	Rank        int              `json:"rank"` // 1 is the best
	Listing     *catalog.Listing `json:"listing"`
	Score       int              `json:"score"` // 0..100, the sum of Parts
	Parts       []Part           `json:"parts"`
	MonthlyFen  int64            `json:"monthly_fen"` // expected monthly cost at the demand's volume
	Explanation i18n.Text        `json:"explanation"`
}

// Excluded is a listing left out of the ranking, and why.
type Excluded struct {
	ListingID string    `json:"listing_id"`
	Title     string    `json:"title"`
	Reason    i18n.Text `json:"reason"`
}

// Rank ranks the published listings for a demand (交易撮合): listings whose
// member, industry or enterprise-nature constraints do not admit the
// demander, that are the demander's own, or that offer nothing the demand
// asks for are excluded with the reason; the rest are ordered by score, then
// by expected monthly cost, then by ID, so the ranking is deterministic.
func Rank(d *Demand, listings []*catalog.Listing) ([]Match, []Excluded) {
	var out []Match
	var excl []Excluded
	for _, l := range listings {
		if l.Status != catalog.StatusPublished {
			continue
		}
		if l.MemberID == d.MemberID {
			excl = append(excl, Excluded{l.ID, l.Title, i18n.T("本成员自己的挂牌", "the demander's own listing")})
			continue
		}
		if err := l.Admits(d.MemberID, d.Industry, d.EnterpriseNature); err != nil {
			excl = append(excl, Excluded{l.ID, l.Title, reason(err)})
			continue
		}
		m, ok := score(d, l)
		if !ok {
			excl = append(excl, Excluded{l.ID, l.Title, i18n.T("不含所需的标签类别或标签", "has none of the wanted categories or tags")})
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.MonthlyFen, b.MonthlyFen), cmp.Compare(a.Listing.ID, b.Listing.ID))
	})
	for i := range out {
		out[i].Rank = i + 1
		out[i].Explanation = explain(out[i])
	}
	return out, excl
}

func reason(err error) i18n.Text {
	if e, ok := err.(*errs.Error); ok {
		return e.Reason
	}
	return i18n.T(err.Error(), err.Error())
}

// categoryMatches: a wanted first-level code matches its children.
func categoryMatches(want, have string) bool {
	return want == have || strings.HasPrefix(have, want+".")
}

func score(d *Demand, l *catalog.Listing) (Match, bool) {
	m := Match{Listing: l}
	add := func(name string, points, max int, zh, en string) {
		m.Parts = append(m.Parts, Part{name, points, max, i18n.T(zh, en)})
		m.Score += points
	}

	cats := 0
	for _, want := range d.Categories {
		if slices.ContainsFunc(l.Tags, func(t catalog.Tag) bool { return categoryMatches(want, t.Category) }) {
			cats++
		}
	}
	tags := 0
	for _, want := range d.Tags {
		if slices.ContainsFunc(l.Tags, func(t catalog.Tag) bool { return t.Key == want || t.Name == want }) {
			tags++
		}
	}
	if cats+tags == 0 {
		return m, false
	}
	add("categories", share(cats, len(d.Categories), PointsCategories), PointsCategories,
		fmt.Sprintf("类别匹配 %d/%d", cats, len(d.Categories)), fmt.Sprintf("categories %d/%d", cats, len(d.Categories)))
	add("tags", share(tags, len(d.Tags), PointsTags), PointsTags,
		fmt.Sprintf("标签匹配 %d/%d", tags, len(d.Tags)), fmt.Sprintf("tags %d/%d", tags, len(d.Tags)))

	switch cov := l.Limit.Coverage; {
	case cov == 0:
		add("coverage", PointsCoverage/2, PointsCoverage, "覆盖度未声明", "coverage not stated")
	case d.MonthlyVolume == 0 || cov >= d.MonthlyVolume:
		add("coverage", PointsCoverage, PointsCoverage, fmt.Sprintf("覆盖 %d 个主体", cov), fmt.Sprintf("covers %d subjects", cov))
	default:
		add("coverage", int(int64(PointsCoverage)*cov/d.MonthlyVolume), PointsCoverage,
			fmt.Sprintf("覆盖 %d 个主体，少于预计月用量 %d", cov, d.MonthlyVolume), fmt.Sprintf("covers %d subjects, fewer than the expected monthly volume %d", cov, d.MonthlyVolume))
	}

	q, assessed := quality(l.Limit.Quality)
	if assessed {
		add("quality", q*PointsQuality/100, PointsQuality, fmt.Sprintf("质量评分 %d", q), fmt.Sprintf("quality %d", q))
	} else {
		add("quality", 0, PointsQuality, "无质量评分", "no quality score")
	}
	add("security", l.Limit.SecurityScore*PointsSecurity/100, PointsSecurity,
		fmt.Sprintf("安全评分 %d", l.Limit.SecurityScore), fmt.Sprintf("security %d", l.Limit.SecurityScore))
	add("risk", (100-l.Limit.RiskScore)*PointsRisk/100, PointsRisk,
		fmt.Sprintf("风险评分 %d", l.Limit.RiskScore), fmt.Sprintf("risk %d", l.Limit.RiskScore))

	hit := d.HitRateBP
	if hit == 0 {
		hit = 10000
	}
	bill, err := l.Price.Preview(d.MonthlyVolume, hit)
	if err != nil {
		add("price", 0, PointsPrice, "价格无法估算", "price cannot be estimated")
		m.MonthlyFen = -1
		return m, true
	}
	m.MonthlyFen = bill.Total
	cost := pricing.FormatYuan(bill.Total)
	switch {
	case d.BudgetFen == 0:
		add("price", PointsPrice/2, PointsPrice, "预计月费 ¥"+cost+"（未设预算）", "expected ¥"+cost+" a month (no budget given)")
	case bill.Total > d.BudgetFen:
		add("price", 0, PointsPrice, "预计月费 ¥"+cost+" 超出预算 ¥"+pricing.FormatYuan(d.BudgetFen), "expected ¥"+cost+" a month, over the budget of ¥"+pricing.FormatYuan(d.BudgetFen))
	default:
		pts := PointsPrice/2 + int(int64(PointsPrice/2)*(d.BudgetFen-bill.Total)/d.BudgetFen)
		add("price", pts, PointsPrice, "预计月费 ¥"+cost+"，在预算 ¥"+pricing.FormatYuan(d.BudgetFen)+" 内", "expected ¥"+cost+" a month, within the budget of ¥"+pricing.FormatYuan(d.BudgetFen))
	}
	return m, true
}

func share(got, of, points int) int {
	if of == 0 {
		return points // nothing asked: nothing missing
	}
	return got * points / of
}

// quality combines the scores present, counting third-party and demander
// assessments twice as much as the supplier's own.
func quality(s catalog.Scores) (int, bool) {
	sum, weight := 0, 0
	for _, c := range []struct{ v, w int }{{s.Supplier, 1}, {s.ThirdParty, 2}, {s.Demander, 2}} {
		if c.v > 0 {
			sum += c.v * c.w
			weight += c.w
		}
	}
	if weight == 0 {
		return 0, false
	}
	return sum / weight, true
}

func explain(m Match) i18n.Text {
	zh := []string{fmt.Sprintf("第 %d 名，得分 %d/100", m.Rank, m.Score)}
	en := []string{fmt.Sprintf("rank %d, score %d/100", m.Rank, m.Score)}
	for _, p := range m.Parts {
		zh = append(zh, fmt.Sprintf("%s（%d/%d）", p.Why.ZH, p.Points, p.Max))
		en = append(en, fmt.Sprintf("%s (%d/%d)", p.Why.EN, p.Points, p.Max))
	}
	return i18n.T(strings.Join(zh, "；"), strings.Join(en, "; "))
}
