package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/i18n"
	"hulian/internal/node/decisions"
)

// NodeDecisionsCmd keeps the member's register of automated decisions
// (P-4), which the privacy centre shows to the people concerned.
type NodeDecisionsCmd struct {
	env *Env
	nodeFlags
	Name        string
	Rules       string
	Significant bool
	OptOut      string
	ID          string
	All         bool
}

func (c *NodeDecisionsCmd) open(ctx context.Context) (*decisions.Register, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return decisions.New(n), func() { n.Close() }, nil
}

// Add registers a scenario.
func (c *NodeDecisionsCmd) Add(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	d, err := r.Add(ctx, c.Name, c.Rules, c.Significant, c.OptOut, "cli:"+currentUser())
	if err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, d.ID)
	return nil
}

// List prints the scenarios.
func (c *NodeDecisionsCmd) List(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	ds, err := r.List(ctx, c.All)
	if err != nil {
		return err
	}
	lang := c.env.Lang
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T("编号\t名称\t重大影响\t拒绝个性化的目的\t状态", "ID\tName\tSignificant\tOpt-out purpose\tState").In(lang))
	for _, d := range ds {
		sig, state := i18n.T("否", "no"), i18n.T("在用", "in use")
		if d.Significant {
			sig = i18n.T("是", "yes")
		}
		if !d.Retired.IsZero() {
			state = i18n.T("已停用", "retired")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.ID, d.Name, sig.In(lang), d.OptOut, state.In(lang))
	}
	return tw.Flush()
}

// Retire stops showing a scenario.
func (c *NodeDecisionsCmd) Retire(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	return r.Retire(ctx, c.ID, "cli:"+currentUser())
}

func newNodeDecisionsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "decisions", Short: i18n.T("登记自动化决策场景及其基本规则（隐私中心向个人展示）", "register the member's automated decisions and their basic rules (shown in the privacy centre)").In(env.Lang)}
	sub := func(use string, short i18n.Text, run func(*NodeDecisionsCmd, context.Context) error) (*cobra.Command, *NodeDecisionsCmd) {
		c := &NodeDecisionsCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	add, a := sub("add --name NAME --rules TEXT [--significant] [--opt-out PURPOSE]", i18n.T("登记一个场景", "register a scenario"), (*NodeDecisionsCmd).Add)
	add.Flags().StringVar(&a.Name, "name", "", i18n.T("场景名称，如“信用额度评估”", "the scenario's name, e.g. 信用额度评估").In(env.Lang))
	add.Flags().StringVar(&a.Rules, "rules", "", i18n.T("以个人能理解的语言写明的基本规则", "its basic rules, in words people understand").In(env.Lang))
	add.Flags().BoolVar(&a.Significant, "significant", false, i18n.T("对个人权益有重大影响（个人可要求人工决定）", "it significantly affects people (who may ask for a person to decide)").In(env.Lang))
	add.Flags().StringVar(&a.OptOut, "opt-out", "", i18n.T("个人拒绝以退出个性化的隐私告知目的", "the notice purpose a person refuses to opt out of personalisation").In(env.Lang))
	list, l := sub("list", i18n.T("列出场景", "list the scenarios"), (*NodeDecisionsCmd).List)
	list.Flags().BoolVar(&l.All, "all", false, i18n.T("包括已停用的", "retired ones too").In(env.Lang))
	retire, r := sub("retire --id ID", i18n.T("停用场景", "retire a scenario"), (*NodeDecisionsCmd).Retire)
	retire.Flags().StringVar(&r.ID, "id", "", i18n.T("场景编号", "the scenario's ID").In(env.Lang))
	cmd.AddCommand(add, list, retire)
	return cmd
}
