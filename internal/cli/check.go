package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"hulian/internal/compliance/consentflow"
	"hulian/internal/compliance/diffprice"
	"hulian/internal/compliance/necessity"
	"hulian/internal/compliance/policy"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// CheckNecessityCmd checks collected fields against the personal
// information necessary for an app type's or a scenario's basic function
// (S-4, S-9, O-2). Exit status: 0 when every field is necessary, 1 when
// some are not (each on its own line with the reason), 2 for an unknown
// type or field (with the nearest known names).
type CheckNecessityCmd struct {
	env     *Env
	AppType string
	Fields  string
	JSON    bool
}

// openInput opens the file a flag names; need says what to give when none
// is named.
func openInput(flag, path string, need i18n.Text) (*os.File, error) {
	if path == "" {
		return nil, errs.Invalidf(flag, need.ZH, need.EN)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errs.Invalidf(flag, "无法打开 "+path, "cannot open "+path)
	}
	return f, nil
}

// Run checks and prints.
func (c *CheckNecessityCmd) Run(_ context.Context) error {
	fields := necessity.SplitFields(c.Fields)
	switch {
	case strings.TrimSpace(c.AppType) == "":
		return errs.Invalidf("--app-type", "须用 --app-type 给出 App 类型或场景，如 地图导航类", "give the app type or scenario with --app-type, e.g. 地图导航类")
	case len(fields) == 0:
		return errs.Invalidf("--fields", "须用 --fields 给出要检查的字段，以逗号分隔", "give the fields to check with --fields, comma-separated")
	}
	cat, err := necessity.Default()
	if err != nil {
		return err
	}
	lang := c.env.Lang
	results, unknown := cat.Check(c.AppType, fields, lang)
	enc := json.NewEncoder(c.env.Stdout)
	enc.SetEscapeHTML(false)
	if len(unknown) > 0 {
		for _, u := range unknown {
			if c.JSON {
				if err := enc.Encode(struct {
					necessity.Unknown
					Error string `json:"error"`
				}{u, u.Message(lang)}); err != nil {
					return err
				}
			}
			fmt.Fprintln(c.env.Stderr, "hulian:", u.Message(lang))
		}
		return ExitError{Code: 2}
	}
	all := true
	for _, r := range results {
		all = all && r.Necessary
		if c.JSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		name := r.Asked
		if len(r.Names) != 1 || r.Names[0] != r.Asked {
			name += i18n.T("（"+strings.Join(r.Names, "、")+"）", " ("+strings.Join(r.Names, ", ")+")").In(lang)
		}
		if r.Necessary {
			fmt.Fprintln(c.env.Stdout, i18n.T("必要\t", "necessary\t").In(lang)+name)
		} else {
			fmt.Fprintln(c.env.Stdout, i18n.T("不必要\t", "not necessary\t").In(lang)+name+i18n.T("：", ": ").In(lang)+r.Reason)
		}
	}
	if !all {
		return ExitError{Code: 1}
	}
	return nil
}

// CheckConsentFlowCmd checks a collection point's description (S-3, S-4,
// P-2, C-3). Exit status: 0 with no finding, 1 with findings (each on its
// own line with the clause and the fix), 2 for a description that cannot
// be read (naming the line and field).
type CheckConsentFlowCmd struct {
	env  *Env
	File string
	JSON bool
}

// Run checks and prints.
func (c *CheckConsentFlowCmd) Run(_ context.Context) error {
	f, err := openInput("--file", c.File, i18n.T("须用 --file 给出收集点的描述文件（JSON）", "give the collection point's description (JSON) with --file"))
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := consentflow.Parse(f)
	if err != nil {
		return err
	}
	lang := c.env.Lang
	findings, err := consentflow.Check(p, lang)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(c.env.Stdout)
	enc.SetEscapeHTML(false)
	for _, fd := range findings {
		if c.JSON {
			if err := enc.Encode(fd); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(c.env.Stdout, i18n.T("[%s] %s（%s）→ 修正：%s\n", "[%s] %s (%s) → fix: %s\n").In(lang), fd.Clause, fd.Finding, fd.Subject, fd.Fix)
	}
	if len(findings) > 0 {
		return ExitError{Code: 1}
	}
	if !c.JSON {
		fmt.Fprintln(c.env.Stdout, i18n.T("未发现问题：", "no findings: ").In(lang)+p.Name)
	}
	return nil
}

// CheckPolicyCmd checks a privacy policy's text (S-1, S-2, C-3, S-6,
// P-7). Exit status: 0 when every requirement is met, 1 when some are not
// (each on its own line with the clause and the fix; those met with the
// passage that meets them), 2 for a file that cannot be read.
type CheckPolicyCmd struct {
	env  *Env
	File string
	JSON bool
}

// Run checks and prints.
func (c *CheckPolicyCmd) Run(_ context.Context) error {
	f, err := openInput("--file", c.File, i18n.T("须用 --file 给出隐私政策（文本或 HTML）", "give the privacy policy (text or HTML) with --file"))
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := policy.Read(f)
	if err != nil {
		return err
	}
	lang := c.env.Lang
	findings := policy.Check(p, lang)
	enc := json.NewEncoder(c.env.Stdout)
	enc.SetEscapeHTML(false)
	for _, fd := range findings {
		if c.JSON {
			if err := enc.Encode(fd); err != nil {
				return err
			}
			continue
		}
		mark := i18n.T("符合", "met").In(lang)
		if !fd.Met {
			mark = i18n.T("缺失", "missing").In(lang)
		}
		line := fmt.Sprintf("%s\t[%s] %s", mark, fd.Clause, fd.Detail)
		if fd.Line > 0 {
			line += fmt.Sprintf(i18n.T("（第 %d 行：「%s」）", " (line %d: \"%s\")").In(lang), fd.Line, fd.Quote)
		}
		if fd.Fix != "" {
			line += i18n.T(" → 修正：", " → fix: ").In(lang) + fd.Fix
		}
		fmt.Fprintln(c.env.Stdout, line)
	}
	if policy.Missing(findings) > 0 {
		return ExitError{Code: 1}
	}
	return nil
}

// CheckPricingCmd looks for differential pricing by profile in a price
// log (P-5). Exit status: 0 when none is found, 1 when some attribute
// prices the same offer differently (with its effect and evidence rows),
// 2 for a log that cannot be read (naming the line and column).
type CheckPricingCmd struct {
	env      *Env
	File     string
	Declared string
	Window   string
	JSON     bool
}

// Run tests and prints.
func (c *CheckPricingCmd) Run(_ context.Context) error {
	f, err := openInput("--file", c.File, i18n.T("须用 --file 给出价格记录（CSV）", "give the price log (CSV) with --file"))
	if err != nil {
		return err
	}
	defer f.Close()
	window, err := diffprice.ParseWindow(c.Window)
	if err != nil {
		return err
	}
	lg, err := diffprice.Read(f)
	if err != nil {
		return err
	}
	rep, err := diffprice.Detect(lg, diffprice.Options{Declared: necessity.SplitFields(c.Declared), Window: window})
	if err != nil {
		return err
	}
	lang := c.env.Lang
	if c.JSON {
		enc := json.NewEncoder(c.env.Stdout)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.env.Stdout, i18n.T("%d 条报价，%d 个可比组（同一商品、时段、渠道与声明的定价因素），每个属性的检验水平 %.4f\n",
			"%d offers, %d strata (one product, window, channel and declared factors), each attribute tested at %.4f\n").In(lang), rep.Rows, rep.Strata, rep.Level)
		for _, r := range rep.Results {
			mark := i18n.T("未发现", "none").In(lang)
			if r.Found {
				mark = i18n.T("发现", "found").In(lang)
			}
			fmt.Fprintf(c.env.Stdout, "%s\t[P-5] %s\n", mark, r.Describe(lang))
			for _, e := range r.Evidence {
				fmt.Fprintln(c.env.Stdout, "\t\t"+e.FormatEvidence(lang))
			}
		}
	}
	for _, r := range rep.Results {
		if r.Found {
			return ExitError{Code: 1}
		}
	}
	return nil
}

func newCheckCmd(env *Env) *cobra.Command {
	check := &cobra.Command{Use: "check", Short: i18n.T("合规自查", "compliance self-checks").In(env.Lang)}
	c := &CheckNecessityCmd{env: env}
	nec := &cobra.Command{
		Use: "necessity --app-type TYPE --fields F1,F2,…",
		Short: i18n.T("按《常见类型移动互联网应用程序必要个人信息范围规定》及上海消费场景检查字段是否为必要个人信息；全部必要时退出码 0，有不必要的为 1，类型或字段未知为 2",
			"check fields against the personal information necessary for an app type (the 2021 regulation's 39 types) or a Shanghai consumer scenario; exit 0 when all are necessary, 1 when some are not, 2 for an unknown type or field").In(env.Lang),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.Run(cmd.Context()) },
	}
	nec.Flags().StringVar(&c.AppType, "app-type", "", i18n.T("App 类型（如 地图导航类）或场景（如 餐饮扫码点餐）", "the app type as the regulation names it (e.g. 地图导航类) or a scenario (e.g. 餐饮扫码点餐)").In(env.Lang))
	nec.Flags().StringVar(&c.Fields, "fields", "", i18n.T("要检查的字段，以逗号分隔（如 注册用户移动电话号码,位置信息 或 手机号）", "the fields to check, comma-separated (e.g. 注册用户移动电话号码,位置信息 or 手机号)").In(env.Lang))
	nec.Flags().BoolVar(&c.JSON, "json", false, i18n.T("每个字段输出一个 JSON 对象（每行一个）", "print one JSON object per field, one a line").In(env.Lang))
	cf := &CheckConsentFlowCmd{env: env}
	flow := &cobra.Command{
		Use: "consent-flow --file POINT.json",
		Short: i18n.T("检查收集点征求同意的方式：默认勾选、同意前收集、捆绑同意、拒绝后频繁索取、非必要信息设为必填等；无问题退出码 0，有问题为 1，描述无法读取为 2",
			"check how a collection point asks for consent: pre-ticked boxes, collection before consent, bundled consent, asking again after a refusal, unnecessary data made required; exit 0 with no finding, 1 with findings, 2 for a description that cannot be read").In(env.Lang),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cf.Run(cmd.Context()) },
	}
	flow.Flags().StringVar(&cf.File, "file", "", i18n.T("收集点的描述（JSON，格式见 docs/compliance.md）", "the collection point's description (JSON; see docs/compliance.md)").In(env.Lang))
	flow.Flags().BoolVar(&cf.JSON, "json", false, i18n.T("每项问题输出一个 JSON 对象（每行一个）", "print one JSON object per finding, one a line").In(env.Lang))
	pc := &CheckPolicyCmd{env: env}
	pol := &cobra.Command{
		Use: "policy --file POLICY.html|txt",
		Short: i18n.T("检查隐私政策是否写明收集规则、逐项的目的方式范围、收集的信息、第三方、保存期限、个人权利、投诉渠道与联系方式；全部写明退出码 0，有缺失为 1，无法读取为 2",
			"check a privacy policy for the collection rules, purposes, methods and scope item by item, the information collected, third parties, retention, people's rights, a complaint channel and contact; exit 0 when all are there, 1 when some are missing, 2 for a file that cannot be read").In(env.Lang),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return pc.Run(cmd.Context()) },
	}
	pol.Flags().StringVar(&pc.File, "file", "", i18n.T("隐私政策（文本或 HTML，UTF-8 或 GB 18030）", "the privacy policy (text or HTML, UTF-8 or GB 18030)").In(env.Lang))
	pol.Flags().BoolVar(&pc.JSON, "json", false, i18n.T("每项要求输出一个 JSON 对象（每行一个）", "print one JSON object per requirement, one a line").In(env.Lang))
	pr := &CheckPricingCmd{env: env}
	price := &cobra.Command{
		Use: "pricing --file PRICES.csv [--declared COL,…] [--window 1h]",
		Short: i18n.T("检测“大数据杀熟”：同一商品同一时段的价格是否随客户画像而不同（已声明的合法定价因素除外）；未发现退出码 0，发现为 1，记录无法读取为 2",
			"detect differential pricing by profile: whether the same product at the same time is priced differently by a customer attribute other than the declared lawful factors; exit 0 when none is found, 1 when found, 2 for a log that cannot be read").In(env.Lang),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return pr.Run(cmd.Context()) },
	}
	price.Flags().StringVar(&pr.File, "file", "", i18n.T("价格记录：customer, product, time, price（元）, channel 及客户画像属性列", "the price log: customer, product, time, price (yuan), channel and the profile attribute columns").In(env.Lang))
	price.Flags().StringVar(&pr.Declared, "declared", "", i18n.T("声明的合法定价因素列（如 member_tier,coupon），在其各值内比较", "the declared lawful price factors (e.g. member_tier,coupon), compared within each of their values").In(env.Lang))
	price.Flags().StringVar(&pr.Window, "window", "1h", i18n.T("视为同一时段的时间窗", "offers this close count as the same time").In(env.Lang))
	price.Flags().BoolVar(&pr.JSON, "json", false, i18n.T("以 JSON 输出报告", "print the report as JSON").In(env.Lang))
	check.AddCommand(nec, flow, pol, price)
	return check
}
