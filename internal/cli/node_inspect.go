package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/i18n"
	"hulian/internal/node/inspections"
)

// NodeInspectCmd runs the member's inspections of its own data governance
// (C-14) and records the findings' remedies.
type NodeInspectCmd struct {
	env *Env
	nodeFlags
	Trigger string
	ID      string
	Note    string
}

func (c *NodeInspectCmd) t(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }

func (c *NodeInspectCmd) open(ctx context.Context) (*inspections.Inspections, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return inspections.New(n), func() { n.Close() }, nil
}

// Run runs the checklist: quarterly, or special with --trigger.
func (c *NodeInspectCmd) Run(ctx context.Context) error {
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	kind := inspections.Quarterly
	if c.Trigger != "" {
		kind = inspections.Special
	}
	in, fs, err := s.Run(ctx, kind, c.Trigger, "cli:"+currentUser())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, c.t("检查 %s（%s %s）：%d 项，发现 %d 个问题\n", "inspection %s (%s %s): %d items, %d findings\n"), in.ID, in.Kind, in.Quarter+in.Trigger, len(in.Items), len(fs))
	for i, it := range in.Items {
		mark := c.t("通过", "ok")
		if !it.Passed {
			mark = c.t("问题", "FINDING")
		}
		fmt.Fprintf(c.env.Stdout, "  [%s] %s (%s): %s\n", mark, inspections.Checklist[i].Name.In(c.env.Lang), it.Clause, i18n.T(it.EvidenceZH, it.EvidenceEN).In(c.env.Lang))
	}
	for _, f := range fs {
		fmt.Fprintf(c.env.Stdout, c.t("  整改 %s：%s，期限 %s\n", "  remedy %s: %s, due %s\n"), f.ID, f.Item, f.DueOn)
	}
	return nil
}

// Status prints whether this quarter's inspection is due, and the
// findings.
func (c *NodeInspectCmd) Status(ctx context.Context) error {
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	st, err := s.Status(ctx)
	if err != nil {
		return err
	}
	if st.QuarterDue {
		fmt.Fprintf(c.env.Stdout, c.t("%s 的季度检查尚未进行\n", "the quarterly inspection of %s is still to do\n"), st.Quarter)
	} else {
		fmt.Fprintf(c.env.Stdout, c.t("%s 的季度检查已进行\n", "the quarterly inspection of %s is done\n"), st.Quarter)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("发现\t检查\t项目\t期限\t整改", "FINDING\tINSPECTION\tITEM\tDUE\tREMEDY"))
	for _, f := range st.Findings {
		remedy := c.t("未整改", "open")
		if f.Remedied != nil {
			remedy = f.Remedy + " (" + f.RemediedBy + " " + f.Remedied.In(calendar.Shanghai).Format("2006-01-02") + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.ID, f.InspectionID, f.Item, f.DueOn, remedy)
	}
	return tw.Flush()
}

// Remedy records a finding's remedy.
func (c *NodeInspectCmd) Remedy(ctx context.Context) error {
	s, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := s.Remedy(ctx, c.ID, c.Note, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, c.t("已登记整改：", "remedy recorded: ")+c.ID)
	return nil
}

func newNodeInspectCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "inspect", Short: i18n.T("季度检查与专项检查：按节点记录自动核查数据治理清单，跟踪整改", "quarterly and special inspections: the governance checklist evaluated from the node's records, findings tracked to their remedy").In(env.Lang)}
	sub := func(use string, short i18n.Text, run func(*NodeInspectCmd, context.Context) error) (*cobra.Command, *NodeInspectCmd) {
		c := &NodeInspectCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	run, r := sub("run [--trigger INCIDENT-OR-COMPLAINT]", i18n.T("运行检查（默认季度检查；--trigger 为事件或投诉后的专项检查）", "run an inspection (quarterly; with --trigger, a special one after an incident or complaint)"), (*NodeInspectCmd).Run)
	run.Flags().StringVar(&r.Trigger, "trigger", "", i18n.T("专项检查所针对的事件或投诉", "the incident or complaint a special inspection follows").In(env.Lang))
	status, _ := sub("status", i18n.T("本季度检查是否已进行，以及各项发现", "whether this quarter's inspection is done, and the findings"), (*NodeInspectCmd).Status)
	remedy, m := sub("remedy --id FINDING --note TEXT", i18n.T("登记一项发现的整改", "record a finding's remedy"), (*NodeInspectCmd).Remedy)
	remedy.Flags().StringVar(&m.ID, "id", "", "fnd_…")
	remedy.Flags().StringVar(&m.Note, "note", "", i18n.T("整改情况", "what was done").In(env.Lang))
	cmd.AddCommand(run, status, remedy)
	return cmd
}
