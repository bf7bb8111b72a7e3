package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/i18n"
	"hulian/internal/node/datause"
	"hulian/internal/node/staff"
)

// NodeDataUseCmd sets what data use on the node is measured against: a
// dataset's business domain, an account's domains, the daily read
// threshold; and lists the alerts. Applications, decisions, exports and
// unblocking are people's acts on the node console, under their login.
type NodeDataUseCmd struct {
	env *Env
	nodeFlags
	Name, Domain string
	Login        string
	Domains      string
	Rows         int64
}

func (c *NodeDataUseCmd) t(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }

func (c *NodeDataUseCmd) open(ctx context.Context) (*datause.Uses, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return datause.New(n), func() { n.Close() }, nil
}

// DatasetDomain puts a dataset in a business domain.
func (c *NodeDataUseCmd) DatasetDomain(ctx context.Context) error {
	u, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := u.SetDatasetDomain(ctx, strings.TrimSpace(c.Name), strings.TrimSpace(c.Domain), "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, c.t("数据集 %s 的业务域：%s\n", "dataset %s is in domain %s\n"), c.Name, c.Domain)
	return nil
}

// AccountDomains sets an account's domains.
func (c *NodeDataUseCmd) AccountDomains(ctx context.Context) error {
	u, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := staff.New(u.N.DB).SetDomains(ctx, c.Login, strings.Split(c.Domains, ","), "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, c.t("账户 %s 的业务域：%s\n", "account %s is in domains %s\n"), c.Login, c.Domains)
	return nil
}

// Threshold sets the rows an account may read a day.
func (c *NodeDataUseCmd) Threshold(ctx context.Context) error {
	u, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := u.SetThreshold(ctx, c.Rows, "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, c.t("每个账户每天至多读取 %d 行\n", "each account may read %d rows a day\n"), c.Rows)
	return nil
}

// Alerts lists the alerts.
func (c *NodeDataUseCmd) Alerts(ctx context.Context) error {
	u, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	as, err := u.Alerts(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("告警\t账户\t时间（北京时间）\t请求行数\t今日已读\t阈值\t基线\t原因\t状态", "ALERT\tLOGIN\tRAISED (BEIJING)\tASKED\tTODAY\tTHRESHOLD\tBASELINE\tREASON\tSTATE"))
	for _, a := range as {
		state := c.t("未解除", "open")
		if a.Cleared != nil {
			state = c.t("已由 ", "cleared by ") + a.ClearedBy + c.t(" 解除", "")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", a.ID, a.Login, a.Raised.In(calendar.Shanghai).Format("2006-01-02 15:04"), a.RowsAsked, a.RowsToday, a.Threshold, a.Baseline, a.Reason, state)
	}
	return tw.Flush()
}

func newNodeDataUseCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "datause", Short: i18n.T("数据使用治理：业务域、读取阈值与告警（申请、审批、导出与解除阻断在节点控制台办理）", "data-use governance: domains, the read threshold and alerts (applications, decisions, exports and unblocking are on the node console)").In(env.Lang)}
	sub := func(use string, short i18n.Text, run func(*NodeDataUseCmd, context.Context) error) (*cobra.Command, *NodeDataUseCmd) {
		c := &NodeDataUseCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	dd, d := sub("dataset-domain --name NAME --domain DOMAIN", i18n.T("设定数据集的业务域（只有该域的账户可申请使用）", "put a dataset in a business domain (only that domain's accounts may apply to use it)"), (*NodeDataUseCmd).DatasetDomain)
	dd.Flags().StringVar(&d.Name, "name", "", i18n.T("数据集名称", "the dataset").In(env.Lang))
	dd.Flags().StringVar(&d.Domain, "domain", "", i18n.T("业务域，如 marketing；留空为不限", "the domain, e.g. marketing; empty for none").In(env.Lang))
	ad, a := sub("account-domains --login LOGIN --domains D1,D2", i18n.T("设定账户的业务域", "set an account's domains"), (*NodeDataUseCmd).AccountDomains)
	ad.Flags().StringVar(&a.Login, "login", "", i18n.T("登录名", "the login").In(env.Lang))
	ad.Flags().StringVar(&a.Domains, "domains", "", i18n.T("业务域，以逗号分隔", "domains, comma-separated").In(env.Lang))
	th, h := sub("threshold --rows N", i18n.T("设定每个账户每天可读取的行数（超出即阻断并告警）", "set the rows an account may read a day (beyond it: blocked and alerted)"), (*NodeDataUseCmd).Threshold)
	th.Flags().Int64Var(&h.Rows, "rows", 0, i18n.T("行数", "rows").In(env.Lang))
	al, _ := sub("alerts", i18n.T("列出异常读取告警", "list the alerts of abnormal reads"), (*NodeDataUseCmd).Alerts)
	cmd.AddCommand(dd, ad, th, al)
	return cmd
}
