package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"hulian/internal/compliance/consentflow"
	"hulian/internal/compliance/diffprice"
	"hulian/internal/compliance/necessity"
	"hulian/internal/compliance/policy"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// The compliance self-checks (issue 17) on the console: the member's staff
// check a list of fields against an app type's necessary information, a
// collection point's consent flow, a privacy policy and a price log, and
// read the report — each finding with its clause, where it is and the fix —
// on a page made to print. Nothing submitted is kept.

// maxUpload bounds an uploaded policy or price log.
const maxUpload = 32 << 20

// checkRow is one line of a report, whichever check made it.
type checkRow struct {
	OK      bool
	Clause  string
	Subject string
	Finding string
	Quote   string
	Fix     string
}

type checksData struct {
	Types   []string // the necessity catalogue's types and scenarios
	Check   string   // the check that made the report, "" before one ran
	Summary string
	Rows    []checkRow
	Form    map[string]string // what was submitted, to show it again
}

func (c *console) checksPage(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "checks"
	d, err := newChecksData()
	if err != nil {
		return err
	}
	v.Data = d
	c.render(w, http.StatusOK, "checks.html", v)
	return nil
}

func newChecksData() (*checksData, error) {
	cat, err := necessity.Default()
	if err != nil {
		return nil, err
	}
	d := &checksData{Form: map[string]string{}}
	for _, t := range cat.Types {
		d.Types = append(d.Types, t.Name)
	}
	return d, nil
}

// checksRun runs one check and shows its report on the same page.
func (c *console) checksRun(w http.ResponseWriter, r *http.Request, v *view) error {
	v.Title = "checks"
	d, err := newChecksData()
	if err != nil {
		return err
	}
	v.Data = d
	lang := v.Lang
	kind := r.PathValue("check")
	d.Check = kind
	switch kind {
	case "necessity":
		err = c.checkNecessity(r, d, lang)
	case "consent-flow":
		err = c.checkConsentFlow(r, d, lang)
	case "policy":
		err = c.checkPolicy(r, d, lang)
	case "pricing":
		err = c.checkPricing(r, d, lang)
	default:
		return errs.New(errs.NotFound, "check", "没有这项检查", "no such check")
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = errs.Invalidf("file", "上传的文件超过 32 MiB", "the file is over 32 MiB")
		}
		if errs.KindOf(err) != errs.Invalid {
			return err
		}
		d.Check = ""
		return &formError{page: "checks.html", err: err}
	}
	c.render(w, http.StatusOK, "checks.html", v)
	return nil
}

func (c *console) checkNecessity(r *http.Request, d *checksData, lang i18n.Lang) error {
	typ, fields := r.PostFormValue("app_type"), r.PostFormValue("fields")
	d.Form["app_type"], d.Form["fields"] = typ, fields
	list := necessity.SplitFields(fields) // the form's input is one line
	if len(list) == 0 {
		return errs.Invalidf("fields", "请填写要检查的字段", "give the fields to check")
	}
	cat, _ := necessity.Default()
	results, unknown := cat.Check(typ, list, lang)
	if len(unknown) > 0 {
		return errs.Invalidf(unknown[0].Kind, unknown[0].Message(i18n.ZH), unknown[0].Message(i18n.EN))
	}
	bad := 0
	for _, x := range results {
		row := checkRow{OK: x.Necessary, Clause: "S-4, O-2", Subject: x.Asked, Finding: strings.Join(x.Names, "、"), Fix: x.Reason}
		if !x.Necessary {
			bad++
		}
		d.Rows = append(d.Rows, row)
	}
	d.Summary = i18n.T(fmt.Sprintf("「%s」：%d 个字段中 %d 个不属于必要个人信息", typ, len(results), bad),
		fmt.Sprintf("%s: %d of %d fields are not necessary personal information", typ, bad, len(results))).In(lang)
	return nil
}

func (c *console) checkConsentFlow(r *http.Request, d *checksData, lang i18n.Lang) error {
	text := r.PostFormValue("point")
	d.Form["point"] = text
	p, err := consentflow.Parse(strings.NewReader(text))
	if err != nil {
		return err
	}
	fs, err := consentflow.Check(p, lang)
	if err != nil {
		return err
	}
	for _, f := range fs {
		d.Rows = append(d.Rows, checkRow{Clause: f.Clause, Subject: f.Subject, Finding: f.Finding, Fix: f.Fix})
	}
	d.Summary = i18n.T(fmt.Sprintf("收集点「%s」：%d 项问题", p.Name, len(fs)), fmt.Sprintf("collection point %s: %d findings", p.Name, len(fs))).In(lang)
	return nil
}

// upload reads the file field name.
func upload(r *http.Request, name string) (io.ReadCloser, error) {
	f, _, err := r.FormFile(name)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, errs.Invalidf(name, "请选择要上传的文件", "choose the file to upload")
	}
	return f, nil
}

func (c *console) checkPolicy(r *http.Request, d *checksData, lang i18n.Lang) error {
	f, err := upload(r, "policy")
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := policy.Read(f)
	if err != nil {
		return err
	}
	fs := policy.Check(p, lang)
	for _, x := range fs {
		row := checkRow{OK: x.Met, Clause: x.Clause, Subject: x.Rule, Finding: x.Detail, Fix: x.Fix}
		if x.Line > 0 {
			row.Quote = i18n.T(fmt.Sprintf("第 %d 行：%s", x.Line, x.Quote), fmt.Sprintf("line %d: %s", x.Line, x.Quote)).In(lang)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Summary = i18n.T(fmt.Sprintf("隐私政策：%d 项要求中缺失 %d 项", len(fs), policy.Missing(fs)), fmt.Sprintf("privacy policy: %d of %d requirements missing", policy.Missing(fs), len(fs))).In(lang)
	return nil
}

func (c *console) checkPricing(r *http.Request, d *checksData, lang i18n.Lang) error {
	declared, window := r.PostFormValue("declared"), r.PostFormValue("window")
	d.Form["declared"], d.Form["window"] = declared, window
	if window == "" {
		window = "1h"
	}
	win, err := diffprice.ParseWindow(window)
	if err != nil {
		return err
	}
	f, err := upload(r, "prices")
	if err != nil {
		return err
	}
	defer f.Close()
	lg, err := diffprice.Read(f)
	if err != nil {
		return err
	}
	// The declared factors are read as the command line reads them.
	rep, err := diffprice.Detect(lg, diffprice.Options{Declared: necessity.SplitFields(declared), Window: win})
	if err != nil {
		return err
	}
	for _, res := range rep.Results {
		row := checkRow{OK: !res.Found, Clause: "P-5", Subject: res.Attribute, Finding: res.Describe(lang)}
		var ev []string
		for _, e := range res.Evidence {
			ev = append(ev, e.FormatEvidence(lang))
		}
		row.Quote = strings.Join(ev, "；")
		if res.Found {
			row.Fix = i18n.T("同一商品同一时段按声明的合法因素（会员等级、优惠券等）定价，不以客户画像区别定价；若该属性是合法因素，请声明", "price the same product at the same time by the declared lawful factors (tiers, coupons), not by profile; if the attribute is a lawful factor, declare it").In(lang)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Summary = i18n.T(fmt.Sprintf("%d 条报价，%d 个可比组；每个属性的检验水平 %.4f", rep.Rows, rep.Strata, rep.Level),
		fmt.Sprintf("%d offers, %d strata; each attribute tested at %.4f", rep.Rows, rep.Strata, rep.Level)).In(lang)
	return nil
}
