package console

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/market"
)

// demandFields are the demand form's inputs, named as market.Demand's
// validation names its fields.
var demandFields = []string{"title", "purpose", "scope", "method", "scenario", "term", "term.start", "term.end", "categories", "tags",
	"enterprise_nature", "monthly_volume", "hit_rate_bp", "budget_fen", "note"}

type demandFormData struct {
	Natures []string
}

func (c *console) demandFormView(form url.Values) *view {
	return &view{Title: "mk.new.title", Path: "/demands/new", Form: form, fields: demandFields,
		Data: demandFormData{Natures: catalog.EnterpriseNatures}}
}

// demandForm is the demand form 需求发布, its term starting today.
func (c *console) demandForm(w http.ResponseWriter, r *http.Request) error {
	today := calendar.DateOf(c.p.DB.Now())
	form := url.Values{"method": {"realtime"}, "term.start": {today.String()}, "term.end": {today.AddDays(89).String()}}
	c.render(w, r, http.StatusOK, "demand_form.html", c.demandFormView(form))
	return nil
}

// demandCreate publishes the demand and shows its matching results.
func (c *console) demandCreate(w http.ResponseWriter, r *http.Request) error {
	v := c.demandFormView(submitted(r))
	d, err := demandFrom(r)
	if err != nil {
		return again("demand_form.html", v, err)
	}
	if d, err = c.x.Market.PublishDemand(r.Context(), d); err != nil {
		return again("demand_form.html", v, err)
	}
	http.Redirect(w, r, "/demands/"+d.ID+"?done=published", http.StatusSeeOther)
	return nil
}

// demandFrom reads the form; the domain validates the values.
func demandFrom(r *http.Request) (*market.Demand, error) {
	f := r.PostFormValue
	d := &market.Demand{Title: f("title"), Purpose: f("purpose"), Scope: f("scope"), Method: market.Method(f("method")), Scenario: f("scenario"),
		Categories: list(f("categories")), Tags: list(f("tags")), EnterpriseNature: f("enterprise_nature"), Note: f("note")}
	var err error
	if d.Term.Start, err = calendar.ParseDate(strings.TrimSpace(f("term.start"))); err != nil {
		return nil, errs.Invalidf("term.start", "请选择开始日期", "choose the start date")
	}
	if d.Term.End, err = calendar.ParseDate(strings.TrimSpace(f("term.end"))); err != nil {
		return nil, errs.Invalidf("term.end", "请选择结束日期", "choose the end date")
	}
	if d.MonthlyVolume, err = parseCount("monthly_volume", f("monthly_volume")); err != nil {
		return nil, err
	}
	if d.HitRateBP, err = percentBP("hit_rate_bp", f("hit_rate_bp")); err != nil {
		return nil, err
	}
	if d.BudgetFen, err = parseYuan("budget_fen", f("budget_fen")); err != nil {
		return nil, err
	}
	return d, nil
}

// percentBP reads a percentage such as "60" or "62.5" into basis points.
func percentBP(field, s string) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, nil
	}
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p < 0 || p > 100 || math.IsNaN(p) {
		return 0, errs.Invalidf(field, "查得率须为 0 到 100 之间的百分数", "the hit rate is a percentage from 0 to 100")
	}
	return int64(math.Round(p * 100)), nil
}
