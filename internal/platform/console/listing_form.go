package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/pricing"
	"hulian/internal/protocol/ident"
)

// The listing wizard's inputs are named after the fields that
// catalog.Listing.Validate reports ("title", "tags[0].key",
// "limit.source_industry", "price.unit_price"…), so that an error lands
// next to its input without a translation table.

// maxTagSlots bounds the tag sections one form may carry; the domain
// allows 200 tags, a form of that size is for the API.
const maxTagSlots = 50

// listingFormData is what listing_form.html shows besides the values.
type listingFormData struct {
	ID       string // "" for a new listing
	Tags     []int  // the indexes of the tag sections
	Taxonomy *catalog.Taxonomy
	Sections []catalog.Section
	IDTypes  []ident.Type
}

// tagSlots is how many tag sections to show: every posted one, plus one
// more when the supplier asked to add a tag.
func tagSlots(form url.Values) int {
	n := 0
	for i := range maxTagSlots {
		if form.Has(fmt.Sprintf("tags[%d].key", i)) {
			n = i + 1
		}
	}
	if form.Get("add_tag") != "" && n < maxTagSlots {
		n++
	}
	return max(n, 1)
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// words splits a list typed with commas (either width) or new lines.
func words(s string) []string {
	return lines(strings.NewReplacer(",", "\n", "，", "\n", "、", "\n").Replace(s))
}

func number(form url.Values, field string) (int64, error) {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, errs.Invalidf(field, "请填写非负整数", "enter a whole number, 0 or more")
	}
	return n, nil
}

func yuan(form url.Values, field string) (int64, error) {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return 0, nil
	}
	fen, err := pricing.ParseYuan(s)
	if err != nil {
		e := *err.(*errs.Error)
		e.Field = field
		return 0, &e
	}
	return fen, nil
}

// listingFrom reads the wizard's form into a listing. Only what a form
// alone can get wrong (numbers, amounts) is checked here; the platform
// validates the rest.
func listingFrom(form url.Values) (*catalog.Listing, error) {
	l := &catalog.Listing{
		Kind: catalog.Kind(form.Get("kind")), Title: strings.TrimSpace(form.Get("title")),
		Subject: catalog.SubjectKind(form.Get("subject")), IDType: ident.Type(form.Get("id_type")),
	}
	if l.Kind != catalog.Dataset {
		l.Subject, l.IDType = "", ""
	}
	for i := range maxTagSlots {
		p := fmt.Sprintf("tags[%d].", i)
		if !form.Has(p+"key") || l.Kind != catalog.Dataset {
			continue
		}
		t := catalog.Tag{
			Key: strings.TrimSpace(form.Get(p + "key")), Name: strings.TrimSpace(form.Get(p + "name")),
			Category: form.Get(p + "category"), Description: strings.TrimSpace(form.Get(p + "description")),
			Constraints: strings.TrimSpace(form.Get(p + "constraints")), ValueType: catalog.ValueType(form.Get(p + "value_type")),
			Values: lines(form.Get(p + "values")), Format: strings.TrimSpace(form.Get(p + "format")), Column: strings.TrimSpace(form.Get(p + "column")),
		}
		if t.Key == "" && t.Name == "" && t.Description == "" && t.Constraints == "" && t.Format == "" && t.Column == "" && t.Values == nil {
			continue // an untouched section, such as the one "add a tag" made
		}
		l.Tags = append(l.Tags, t)
	}
	m := &l.Limit
	m.Description = strings.TrimSpace(form.Get("limit.description"))
	m.Keywords = words(form.Get("limit.keywords"))
	m.Language, m.SourceIndustry, m.Processing = form.Get("limit.language"), form.Get("limit.source_industry"), form.Get("limit.processing")
	m.Sensitivity, m.Association, m.Verification = form.Get("limit.sensitivity"), form.Get("limit.association"), form.Get("limit.verification")
	m.DataSource = form.Get("limit.data_source")
	m.Scenarios = lines(form.Get("limit.scenarios"))
	m.Industries = words(form.Get("limit.industries"))
	m.EnterpriseNatures = form["limit.enterprise_natures"]
	ints := []struct {
		field string
		set   func(int64)
	}{
		{"limit.coverage", func(v int64) { m.Coverage = v }},
		{"limit.traversal.ids_per_request", func(v int64) { m.Traversal.IDsPerRequest = int(min(v, 1<<31-1)) }},
		{"limit.traversal.ids_per_day", func(v int64) { m.Traversal.IDsPerDay = v }},
		{"limit.traversal.requests_per_minute", func(v int64) { m.Traversal.RequestsPerMinute = int(min(v, 1<<31-1)) }},
		{"limit.quality.supplier", func(v int64) { m.Quality.Supplier = int(min(v, 1000)) }},
		{"limit.quality.third_party", func(v int64) { m.Quality.ThirdParty = int(min(v, 1000)) }},
		{"limit.security_score", func(v int64) { m.SecurityScore = int(min(v, 1000)) }},
		{"limit.risk_score", func(v int64) { m.RiskScore = int(min(v, 1000)) }},
		{"term.retention_days", func(v int64) { l.Term.RetentionDays = int(min(v, 1<<31-1)) }},
		{"price.included", func(v int64) { l.Price.Included = v }},
	}
	for _, f := range ints {
		v, err := number(form, f.field)
		if err != nil {
			return l, err
		}
		f.set(v)
	}
	l.Term.UpdateFrequency, l.Term.StatisticsPeriod = form.Get("term.update_frequency"), strings.TrimSpace(form.Get("term.statistics_period"))
	l.Price.Mode, l.Price.Basis = pricing.Mode(form.Get("price.mode")), pricing.Basis(form.Get("price.basis"))
	for _, f := range []struct {
		field string
		dst   *int64
	}{{"price.unit_price", &l.Price.UnitPrice}, {"price.monthly_fee", &l.Price.MonthlyFee}, {"price.overage_unit_price", &l.Price.OverageUnitPrice}} {
		v, err := yuan(form, f.field)
		if err != nil {
			return l, err
		}
		*f.dst = v
	}
	return l, nil
}

// listingForm writes a listing into the wizard's inputs.
func listingForm(l *catalog.Listing) url.Values {
	f := url.Values{}
	set := func(k, v string) {
		if v != "" && v != "0" {
			f.Set(k, v)
		}
	}
	set("kind", string(l.Kind))
	set("title", l.Title)
	set("subject", string(l.Subject))
	set("id_type", string(l.IDType))
	for i, t := range l.Tags {
		p := fmt.Sprintf("tags[%d].", i)
		f.Set(p+"key", t.Key)
		set(p+"name", t.Name)
		set(p+"category", t.Category)
		set(p+"description", t.Description)
		set(p+"constraints", t.Constraints)
		set(p+"value_type", string(t.ValueType))
		set(p+"values", strings.Join(t.Values, "\n"))
		set(p+"format", t.Format)
		set(p+"column", t.Column)
	}
	m := l.Limit
	set("limit.description", m.Description)
	set("limit.keywords", strings.Join(m.Keywords, ", "))
	set("limit.language", m.Language)
	set("limit.source_industry", m.SourceIndustry)
	set("limit.processing", m.Processing)
	set("limit.sensitivity", m.Sensitivity)
	set("limit.association", m.Association)
	set("limit.verification", m.Verification)
	set("limit.data_source", m.DataSource)
	set("limit.scenarios", strings.Join(m.Scenarios, "\n"))
	set("limit.industries", strings.Join(m.Industries, ", "))
	f["limit.enterprise_natures"] = m.EnterpriseNatures
	i64 := func(k string, v int64) { set(k, strconv.FormatInt(v, 10)) }
	i64("limit.coverage", m.Coverage)
	i64("limit.traversal.ids_per_request", int64(m.Traversal.IDsPerRequest))
	i64("limit.traversal.ids_per_day", m.Traversal.IDsPerDay)
	i64("limit.traversal.requests_per_minute", int64(m.Traversal.RequestsPerMinute))
	i64("limit.quality.supplier", int64(m.Quality.Supplier))
	i64("limit.quality.third_party", int64(m.Quality.ThirdParty))
	i64("limit.security_score", int64(m.SecurityScore))
	i64("limit.risk_score", int64(m.RiskScore))
	set("term.update_frequency", l.Term.UpdateFrequency)
	set("term.statistics_period", l.Term.StatisticsPeriod)
	i64("term.retention_days", int64(l.Term.RetentionDays))
	set("price.mode", string(l.Price.Mode))
	set("price.basis", string(l.Price.Basis))
	i64("price.included", l.Price.Included)
	for k, v := range map[string]int64{"price.unit_price": l.Price.UnitPrice, "price.monthly_fee": l.Price.MonthlyFee, "price.overage_unit_price": l.Price.OverageUnitPrice} {
		if v != 0 {
			f.Set(k, pricing.FormatYuan(v))
		}
	}
	return f
}

// ErrorAt is the reason for the page's error when it concerns field or
// something inside it ("tags[0]" takes "tags[0].values[1]").
func (v *view) ErrorAt(field string) string {
	if v.Err == nil {
		return ""
	}
	f := v.Err.Field
	if f == field || strings.HasPrefix(f, field+".") || strings.HasPrefix(f, field+"[") {
		return v.Err.Reason.In(v.Lang)
	}
	return ""
}

// Has reports whether a multi-valued input holds value, for check boxes.
func (v *view) Has(field, value string) bool {
	for _, x := range v.Form[field] {
		if x == value {
			return true
		}
	}
	return false
}

// listingFields are the wizard's inputs as errors name them; an error on
// any other field shows in the banner.
func listingFields(n int) []string {
	f := []string{"kind", "title", "subject", "id_type", "tags",
		"limit.description", "limit.keywords", "limit.language", "limit.source_industry", "limit.processing",
		"limit.sensitivity", "limit.association", "limit.verification", "limit.data_source", "limit.scenarios", "limit.industries",
		"limit.enterprise_natures", "limit.coverage", "limit.traversal", "limit.traversal.ids_per_request", "limit.traversal.ids_per_day",
		"limit.traversal.requests_per_minute", "limit.quality.supplier", "limit.quality.third_party", "limit.security_score", "limit.risk_score",
		"term.update_frequency", "term.statistics_period", "term.retention_days",
		"price.mode", "price.basis", "price.unit_price", "price.monthly_fee", "price.included", "price.overage_unit_price"}
	for i := range n {
		for _, s := range []string{"key", "name", "category", "description", "constraints", "value_type", "values", "format", "column"} {
			f = append(f, fmt.Sprintf("tags[%d].%s", i, s))
		}
		// The content screen names a value by its index (X-E4).
		for j := range 1000 {
			f = append(f, fmt.Sprintf("tags[%d].values[%d]", i, j))
		}
	}
	return f
}

func (c *console) listingFormData(id string, form url.Values) listingFormData {
	d := listingFormData{ID: id, Taxonomy: c.p.Taxonomy(), IDTypes: ident.Types()}
	if in := c.p.Industries(); in != nil {
		d.Sections = in.Sections
	}
	for i := range tagSlots(form) {
		d.Tags = append(d.Tags, i)
	}
	return d
}

// listingFormView is the wizard's page for listing id ("" for new).
func (c *console) listingFormView(r *http.Request, id string, form url.Values) *view {
	path := "/listings/new"
	if id != "" {
		path = "/listings/" + id + "/edit"
	}
	d := c.listingFormData(id, form)
	return &view{Title: "listing.form.title", Path: path, Form: form, Data: d, fields: listingFields(len(d.Tags))}
}
