package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/i18n"
	"hulian/internal/node/thirdparty"
)

// NodeThirdPartyCmd keeps the register of third parties and entrusted
// processors (C-10, P-7) and prints the lists a company publishes.
type NodeThirdPartyCmd struct {
	env *Env
	nodeFlags
	File     string
	ID       string
	Finding  string
	Failed   bool
	Reason   string
	Disposal string
	JSON     bool
}

func (c *NodeThirdPartyCmd) t(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }

func (c *NodeThirdPartyCmd) open(ctx context.Context) (*thirdparty.Register, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return thirdparty.New(n), func() { n.Close() }, nil
}

// Assess records a party's assessment.
func (c *NodeThirdPartyCmd) Assess(ctx context.Context) error {
	f, err := openInput("--file", c.File, i18n.T("须用 --file 给出第三方及其评估（JSON）", "give the party and its assessment (JSON) with --file"))
	if err != nil {
		return err
	}
	in, err := thirdparty.ParseInput(f)
	f.Close()
	if err != nil {
		return err
	}
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	p, err := r.Assess(ctx, in, "cli:"+currentUser())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "%s %s %s\n", p.ID, p.Name, p.Status)
	return nil
}

// Contract records the contract's terms.
func (c *NodeThirdPartyCmd) Contract(ctx context.Context) error {
	f, err := openInput("--file", c.File, i18n.T("须用 --file 给出合同条款（JSON）", "give the contract terms (JSON) with --file"))
	if err != nil {
		return err
	}
	t, route, err := thirdparty.ParseTerms(f)
	f.Close()
	if err != nil {
		return err
	}
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := r.Contract(ctx, strings.TrimSpace(c.ID), t, route, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, c.t("已登记合同：", "contract recorded: ")+c.ID)
	return nil
}

// Audit records an audit.
func (c *NodeThirdPartyCmd) Audit(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := r.Audit(ctx, strings.TrimSpace(c.ID), c.Finding, !c.Failed, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, c.t("已登记审计：", "audit recorded: ")+c.ID)
	return nil
}

// Terminate ends a contract.
func (c *NodeThirdPartyCmd) Terminate(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := r.Terminate(ctx, strings.TrimSpace(c.ID), c.Reason, c.Disposal, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, c.t("已终止：", "terminated: ")+c.ID)
	return nil
}

// List prints the register.
func (c *NodeThirdPartyCmd) List(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	es, err := r.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("编号\t名称\t类型\t地点\t出境途径\t状态\t审计", "ID\tNAME\tKIND\tREGION\tROUTE\tSTATUS\tAUDITS"))
	for _, e := range es {
		audits := fmt.Sprint(len(e.Audits))
		if e.Violation {
			audits += c.t("（最近一次未通过）", " (the latest failed)")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Name, e.Kind, e.Region, e.Route, e.Status, audits)
	}
	return tw.Flush()
}

// Lists prints the personal-information collection list and the
// third-party sharing list.
func (c *NodeThirdPartyCmd) Lists(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	cl, err := r.CollectionList(ctx)
	if err != nil {
		return err
	}
	sl, err := r.SharingList(ctx)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(c.env.Stdout).Encode(map[string]any{"collection": cl, "sharing": sl})
	}
	fmt.Fprintln(c.env.Stdout, c.t("个人信息收集清单", "Personal information collection list"))
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("字段\t必填\t目的\t场景\t计划", "FIELD\tREQUIRED\tPURPOSE\tSCENARIO\tPLAN"))
	for _, r := range cl {
		fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%s\n", r.Field, r.Required, r.Purpose, r.Scenario, r.Plan)
	}
	tw.Flush()
	fmt.Fprintln(c.env.Stdout, "\n"+c.t("第三方共享清单", "Third-party sharing list"))
	tw = tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("名称\t类型\t目的\t字段\t方式\t地点\t出境途径", "NAME\tKIND\tPURPOSE\tFIELDS\tMETHOD\tREGION\tROUTE"))
	for _, r := range sl {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Kind, r.Purpose, strings.Join(r.Fields, "、"), r.Method, r.Region, r.Route)
	}
	return tw.Flush()
}

func newNodeThirdPartyCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "thirdparty", Short: i18n.T("第三方与受托处理者登记册；应公开的收集清单与共享清单", "the register of third parties and entrusted processors; the collection and sharing lists to publish").In(env.Lang)}
	sub := func(use string, short i18n.Text, run func(*NodeThirdPartyCmd, context.Context) error) (*cobra.Command, *NodeThirdPartyCmd) {
		c := &NodeThirdPartyCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	assess, a := sub("assess --file PARTY.json", i18n.T("登记第三方及其选定前的评估", "record a party and its assessment before selection"), (*NodeThirdPartyCmd).Assess)
	assess.Flags().StringVar(&a.File, "file", "", i18n.T("第三方及评估（JSON，见 docs/governance.md）", "the party and its assessment (JSON, see docs/governance.md)").In(env.Lang))
	contract, k := sub("contract --id ID --file TERMS.json", i18n.T("登记合同条款（境外处理须写明出境途径）", "record the contract's terms (a route for processing abroad)"), (*NodeThirdPartyCmd).Contract)
	contract.Flags().StringVar(&k.ID, "id", "", "tp_…")
	contract.Flags().StringVar(&k.File, "file", "", i18n.T("合同条款（JSON）", "the terms (JSON)").In(env.Lang))
	audit, u := sub("audit --id ID --finding TEXT [--failed]", i18n.T("登记一次审计", "record an audit"), (*NodeThirdPartyCmd).Audit)
	audit.Flags().StringVar(&u.ID, "id", "", "tp_…")
	audit.Flags().StringVar(&u.Finding, "finding", "", i18n.T("审计发现", "the finding").In(env.Lang))
	audit.Flags().BoolVar(&u.Failed, "failed", false, i18n.T("审计未通过（违约）", "the audit failed (a violation)").In(env.Lang))
	term, m := sub("terminate --id ID --reason TEXT --disposal TEXT", i18n.T("终止合同并登记数据的返还或删除", "end the contract, recording the data's return or deletion"), (*NodeThirdPartyCmd).Terminate)
	term.Flags().StringVar(&m.ID, "id", "", "tp_…")
	term.Flags().StringVar(&m.Reason, "reason", "", i18n.T("终止原因", "why").In(env.Lang))
	term.Flags().StringVar(&m.Disposal, "disposal", "", i18n.T("数据的返还或删除情况及凭证", "how the data was returned or deleted, with its evidence").In(env.Lang))
	list, _ := sub("list", i18n.T("列出登记册", "list the register"), (*NodeThirdPartyCmd).List)
	lists, l := sub("lists [--json]", i18n.T("个人信息收集清单与第三方共享清单", "the collection list and the sharing list"), (*NodeThirdPartyCmd).Lists)
	lists.Flags().BoolVar(&l.JSON, "json", false, i18n.T("以 JSON 输出", "print JSON").In(env.Lang))
	cmd.AddCommand(assess, contract, audit, term, list, lists)
	return cmd
}
