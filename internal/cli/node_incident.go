package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/response"
)

// NodeIncidentCmd keeps the member's incident response on its node
// (C-13): the response plan, its drills, and evidence preserved by hash.
type NodeIncidentCmd struct {
	env *Env
	nodeFlags
	File     string
	Incident string
	Files    []string
}

func (c *NodeIncidentCmd) t(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }

func (c *NodeIncidentCmd) open(ctx context.Context) (*response.Response, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return response.New(n), func() { n.Close() }, nil
}

func (c *NodeIncidentCmd) input(what i18n.Text) (*os.File, error) {
	if c.File == "" {
		return nil, errs.Invalidf("--file", "须用 --file 给出"+what.ZH+"（JSON，格式见 docs/governance.md）", "give the "+what.EN+" (JSON; see docs/governance.md) with --file")
	}
	f, err := os.Open(c.File)
	if err != nil {
		return nil, fileError("--file", c.File, err)
	}
	return f, nil
}

// Publish publishes the next version of the plan.
func (c *NodeIncidentCmd) Publish(ctx context.Context) error {
	f, err := c.input(i18n.T("应急预案", "response plan"))
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := response.ParsePlan(f)
	if err != nil {
		return err
	}
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if p, err = r.Publish(ctx, p, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, c.t("已发布第 %d 版应急预案，每 %d 个月至少演练一次\n", "response plan version %d published; drilled at least every %d months\n"), p.Version, p.DrillMonths)
	return nil
}

// Status prints the plan in force, the drills and when the next is due.
func (c *NodeIncidentCmd) Status(ctx context.Context) error {
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	st, err := r.Status(ctx)
	if err != nil {
		return err
	}
	if st.Plan == nil {
		fmt.Fprintln(c.env.Stdout, c.t("尚未发布应急预案", "no response plan is published"))
		return nil
	}
	fmt.Fprintf(c.env.Stdout, c.t("第 %d 版应急预案（%s 发布）：负责人 %s；每 %d 个月演练\n", "response plan version %d (published %s): led by %s; drilled every %d months\n"),
		st.Plan.Version, st.Plan.Published.In(calendar.Shanghai).Format("2006-01-02"), st.Plan.Lead, st.Plan.DrillMonths)
	switch {
	case len(st.Drills) == 0:
		fmt.Fprintln(c.env.Stdout, c.t("从未演练", "never drilled"))
	case st.Overdue:
		fmt.Fprintf(c.env.Stdout, c.t("演练已逾期：应不晚于 %s\n", "a drill is overdue: it was due by %s\n"), st.Due)
	default:
		fmt.Fprintf(c.env.Stdout, c.t("下次演练不晚于 %s\n", "the next drill is due by %s\n"), st.Due)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("演练\t日期\t预案版本\t情景\t演练步骤", "DRILL\tHELD ON\tPLAN\tSCENARIO\tSTEPS"))
	for _, d := range st.Drills {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", d.ID, d.HeldOn, d.PlanVersion, d.Scenario, strings.Join(d.Exercised, ","))
	}
	return tw.Flush()
}

// Drill records a drill.
func (c *NodeIncidentCmd) Drill(ctx context.Context) error {
	f, err := c.input(i18n.T("演练记录", "drill record"))
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := response.ParseDrill(f)
	if err != nil {
		return err
	}
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if d, err = r.Record(ctx, d, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, c.t("已登记演练 %s（第 %d 版预案，%s）\n", "drill %s recorded (plan version %d, %s)\n"), d.ID, d.PlanVersion, d.HeldOn)
	return nil
}

// Preserve records the hash of each evidence file.
func (c *NodeIncidentCmd) Preserve(ctx context.Context) error {
	if len(c.Files) == 0 {
		return errs.Invalidf("FILE", "请给出要保全的证据文件", "name the evidence files to preserve")
	}
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	for _, name := range c.Files {
		f, err := os.Open(name)
		if err != nil {
			return fileError("FILE", name, err)
		}
		e, err := r.Preserve(ctx, c.Incident, name, f, "cli:"+currentUser())
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "%s  %s  %d  %s\n", e.Digest, e.Name, e.Bytes, e.HashAlg)
	}
	return nil
}

// Verify checks each file against the evidence preserved under its name;
// any that differs makes the command fail.
func (c *NodeIncidentCmd) Verify(ctx context.Context) error {
	if len(c.Files) == 0 {
		return errs.Invalidf("FILE", "请给出要核对的证据文件", "name the evidence files to check")
	}
	r, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	bad := 0
	for _, name := range c.Files {
		f, err := os.Open(name)
		if err != nil {
			return fileError("FILE", name, err)
		}
		ok, e, err := r.Verify(ctx, c.Incident, name, f)
		f.Close()
		if err != nil {
			return err
		}
		if ok {
			fmt.Fprintf(c.env.Stdout, c.t("%s：与 %s 保全的一致\n", "%s: as preserved on %s\n"), e.Name, e.Recorded.In(calendar.Shanghai).Format("2006-01-02 15:04"))
		} else {
			bad++
			fmt.Fprintf(c.env.Stdout, c.t("%s：与保全的不一致\n", "%s: DIFFERS from what was preserved\n"), e.Name)
		}
	}
	if bad > 0 {
		return errs.Invalidf("FILE", fmt.Sprintf("%d 个文件与保全的证据不一致", bad), fmt.Sprintf("%d files differ from the evidence preserved", bad))
	}
	return nil
}

func newNodeIncidentCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "incident", Short: i18n.T("应急响应：应急预案、演练与证据保全", "incident response: the response plan, drills and evidence preservation").In(env.Lang)}
	sub := func(use string, short i18n.Text, args cobra.PositionalArgs, run func(*NodeIncidentCmd, context.Context) error) (*cobra.Command, *NodeIncidentCmd) {
		c := &NodeIncidentCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: args, RunE: func(cmd *cobra.Command, a []string) error {
			c.resolveDB(env)
			c.Files = a
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	plan := &cobra.Command{Use: "plan", Short: i18n.T("应急预案", "the response plan").In(env.Lang)}
	publish, p := sub("publish --file PLAN.json", i18n.T("发布新版应急预案", "publish a new version of the response plan"), cobra.NoArgs, (*NodeIncidentCmd).Publish)
	publish.Flags().StringVar(&p.File, "file", "", i18n.T("应急预案（JSON）", "the response plan (JSON)").In(env.Lang))
	plan.AddCommand(publish)
	status, _ := sub("status", i18n.T("在用的预案、演练记录与下次演练期限", "the plan in force, the drills and when the next is due"), cobra.NoArgs, (*NodeIncidentCmd).Status)
	drill, d := sub("drill --file DRILL.json", i18n.T("登记一次演练", "record a drill"), cobra.NoArgs, (*NodeIncidentCmd).Drill)
	drill.Flags().StringVar(&d.File, "file", "", i18n.T("演练记录（JSON）", "the drill (JSON)").In(env.Lang))
	evidence := &cobra.Command{Use: "evidence", Short: i18n.T("证据保全：登记与核对证据文件的 SHA-256", "evidence: preserve and check evidence files by their SHA-256").In(env.Lang)}
	add, a := sub("add --incident ID FILE…", i18n.T("保全证据文件（同名证据不可替换）", "preserve evidence files (never replaced)"), cobra.MinimumNArgs(1), (*NodeIncidentCmd).Preserve)
	add.Flags().StringVar(&a.Incident, "incident", "", i18n.T("事件编号（平台的 inc_… 或本成员的编号）", "the incident's ID (the platform's inc_… or the member's own)").In(env.Lang))
	verify, v := sub("verify --incident ID FILE…", i18n.T("核对文件是否与保全的证据一致", "check files against the evidence preserved"), cobra.MinimumNArgs(1), (*NodeIncidentCmd).Verify)
	verify.Flags().StringVar(&v.Incident, "incident", "", i18n.T("事件编号", "the incident's ID").In(env.Lang))
	evidence.AddCommand(add, verify)
	cmd.AddCommand(plan, status, drill, evidence)
	return cmd
}
