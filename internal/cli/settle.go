package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
	"hulian/internal/settlement"
)

// SettleRunCmd issues a month's statements from the command line, for an
// operator with the platform's database and key-encryption key: the same
// run the platform makes on the issue day.
type SettleRunCmd struct {
	env     *Env
	DB      string
	KEKFile string
	Month   string
	JSON    bool
}

// settleOutput is the --json form of a run.
type settleOutput struct {
	Month       string            `json:"month"`
	Provisional bool              `json:"provisional"`
	IssueAt     string            `json:"issue_at"` // RFC 3339, UTC
	Statements  []settleStatement `json:"statements"`
}

type settleStatement struct {
	settlement.Statement
	DemanderName string `json:"demander_name"`
	SupplierName string `json:"supplier_name"`
	Seq          int64  `json:"seq,omitempty"`
	Signature    string `json:"signature,omitempty"`
}

func (c *SettleRunCmd) Run(ctx context.Context) error {
	if _, _, err := settlement.ParseMonth(c.Month); err != nil {
		return errs.Invalidf("--month", errs.ReasonOf(err).ZH, errs.ReasonOf(err).EN)
	}
	// A statement run works on an existing platform: a SQLite path that
	// is not there is a mistake, not a new platform to make.
	if p, missing := missingSQLite(c.DB); missing {
		return errs.Invalidf("--db", "这里没有平台数据库 "+p+"；请用 --db（或环境变量 HULIAN_DB）指定", "there is no platform database at "+p+"; name it with --db (or HULIAN_DB)")
	}
	db, err := store.Open(ctx, c.DB, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	sealer, err := server.OpenSealer(ctx, db, server.Config{DB: c.DB, KEKEnv: c.env.Getenv(server.EnvKEK), KEKFile: c.KEKFile, Logger: slog.New(slog.NewTextHandler(c.env.Stderr, nil))})
	if err != nil {
		return err
	}
	x := exchange.New(db, nil, nil)
	x.UseSealer(sealer)
	if x.Statements.Calendar, err = holidays(c.env); err != nil {
		return err
	}
	ctx = auth.WithActor(ctx, auth.Actor{Role: auth.RoleOperator, Name: "cli:" + currentUser()})
	due, err := x.Statements.IssueAt(c.Month)
	if err != nil {
		return errs.Invalidf("--month", errs.ReasonOf(err).ZH, errs.ReasonOf(err).EN)
	}
	sts, provisional, err := x.Statements.Run(ctx, c.Month)
	if err != nil {
		return err
	}
	var names map[string]string
	if err := db.Read(ctx, func(tx *store.Tx) (err error) { names, err = tx.MemberNames(ctx); return err }); err != nil {
		return err
	}
	out := settleOutput{Month: c.Month, Provisional: provisional, IssueAt: due.Format("2006-01-02T15:04:05Z")}
	for _, st := range sts {
		out.Statements = append(out.Statements, settleStatement{Statement: st.Statement, DemanderName: names[st.Demander], SupplierName: names[st.Supplier], Seq: st.Seq, Signature: st.Signature})
	}
	if c.JSON {
		if out.Statements == nil {
			out.Statements = []settleStatement{}
		}
		enc := json.NewEncoder(c.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	lang := c.env.Lang
	when := due.In(calendar.Shanghai).Format("2006-01-02 15:04")
	if provisional {
		fmt.Fprintf(c.env.Stdout, i18n.T("预览（尚未出具）：%s 的结算单将于 %s（北京时间）出具\n", "PROVISIONAL preview, not issued: the statements for %s are issued on %s (Beijing time)\n").In(lang), c.Month, when)
	} else {
		fmt.Fprintf(c.env.Stdout, i18n.T("%s 的结算单（出具日 %s，北京时间）\n", "Statements for %s (issued from %s, Beijing time)\n").In(lang), c.Month, when)
	}
	if len(out.Statements) == 0 {
		fmt.Fprintln(c.env.Stdout, i18n.T("没有该月到期的结算单：该月没有计费的配送，或其结算期尚未届满。", "No statements are due for this month: no charged deliveries, or their settlement periods run on.").In(lang))
		return nil
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, i18n.T("结算单\t需方\t供方\t订单数\t配送次数\t金额（元）", "Statement\tDemander\tSupplier\tOrders\tDeliveries\tAmount (yuan)").In(lang))
	var total int64
	for _, st := range out.Statements {
		id := st.ID
		if st.From != "" {
			id += " (" + st.Period() + ")" // a cycle of several months the pair agreed
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", id, st.DemanderName, st.SupplierName, st.Orders(), st.Deliveries(), pricing.FormatYuan(st.TotalFen))
		total += st.TotalFen
	}
	fmt.Fprintf(tw, "%s\t\t\t\t\t%s\n", i18n.T("合计", "Total").In(lang), pricing.FormatYuan(total))
	return tw.Flush()
}

// SettleVerifyCmd recomputes every statement in a log export bundle from
// the bundle's delivery entries.
type SettleVerifyCmd struct {
	env    *Env
	Bundle string
	Key    string
}

func (c *SettleVerifyCmd) Run(ctx context.Context) error {
	if c.Bundle == "" {
		return errs.Invalidf("--bundle", "请用 --bundle 指定业务日志导出包", "name the log export bundle with --bundle")
	}
	f, err := os.Open(c.Bundle)
	if err != nil {
		return errs.Invalidf("--bundle", "无法打开导出包："+errs.OSReason(err), "cannot open the bundle: "+errs.OSReason(err))
	}
	defer f.Close()
	v := settlement.NewVerifier()
	first := true
	rep, h, err := bizlog.VerifyBundleVisit(f, c.Key, func(e *bizlog.Entry) error {
		if first {
			v.From, first = e.Seq, false
		}
		return v.Add(e)
	})
	if err != nil {
		if _, ok := err.(*errs.Error); ok {
			return err
		}
		return errs.Invalidf("--bundle", "导出包格式错误："+err.Error(), "malformed bundle: "+err.Error())
	}
	lang := c.env.Lang
	if !rep.OK() {
		fmt.Fprintln(c.env.Stdout, i18n.T("业务日志验证失败：", "the business log does not verify: ").In(lang)+rep.Failure.Text(lang))
		return ExitError{Code: 1}
	}
	if c.Key == "" {
		fmt.Fprintln(c.env.Stderr, i18n.T("注意：未用 --key 固定验证公钥，使用导出包自带的公钥 ", "note: no --key pinned; using the bundle's own verifier key ").In(lang)+h.VerifierKey)
	}
	n, err := v.Finish()
	if err != nil {
		fmt.Fprintln(c.env.Stdout, i18n.T("结算单与业务日志不符：", "a statement does not match the business log: ").In(lang)+err.Error())
		return ExitError{Code: 1}
	}
	fmt.Fprintf(c.env.Stdout, i18n.T("%d 份结算单与业务日志中的配送记录相符", "%d statements match the deliveries in the business log").In(lang), n)
	if v.Skipped > 0 {
		fmt.Fprintf(c.env.Stdout, i18n.T("；%d 份含导出范围之前的配送，未核对", "; %d count deliveries before the bundle's first entry and were not checked").In(lang), v.Skipped)
	}
	fmt.Fprintln(c.env.Stdout)
	return nil
}

func newSettleCmd(env *Env) *cobra.Command {
	settle := &cobra.Command{Use: "settle", Short: i18n.T("月度结算单（数据互联结算单）", "monthly statements (数据互联结算单)").In(env.Lang)}
	r := &SettleRunCmd{env: env}
	run := &cobra.Command{
		Use:   "run",
		Short: i18n.T("出具某月已到期的结算单（重复运行不会重复出具）；未到出具日时只显示预览", "issue a month's statements if due (running twice issues nothing new); before the issue day, print a provisional preview").In(env.Lang),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r.DB = dbURL(env, r.DB, "sqlite://./hulian-platform.db")
			return r.Run(cmd.Context())
		},
	}
	run.Flags().StringVar(&r.DB, "db", "", "platform database URL (env HULIAN_DB)")
	run.Flags().StringVar(&r.KEKFile, "kek-file", "", "file holding the key-encryption key (env HULIAN_KEK takes precedence)")
	run.Flags().StringVar(&r.Month, "month", "", "the month, YYYY-MM")
	run.Flags().BoolVar(&r.JSON, "json", false, "print JSON")
	v := &SettleVerifyCmd{env: env}
	verify := &cobra.Command{
		Use:   "verify",
		Short: i18n.T("用业务日志导出包重新计算每份结算单，第一份不符者使退出码为 1", "recompute every statement in a log export bundle; exit 1 naming the first that does not match").In(env.Lang),
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return v.Run(cmd.Context()) },
	}
	verify.Flags().StringVar(&v.Bundle, "bundle", "", "log export bundle (hulian log export)")
	verify.Flags().StringVar(&v.Key, "key", "", "the log's verifier key to pin")
	settle.AddCommand(run, verify)
	return settle
}
