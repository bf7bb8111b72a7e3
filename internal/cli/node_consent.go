package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/consent"
	"hulian/internal/protocol/exid"
)

// NodeConsentCmd is the node's consent ledger (PIPL; X-P1, P-8, S-3): the
// privacy notice's versions, the member's systems' feed of consents, a
// subject's history and receipt, the ledger's verification, and which
// purpose each order is.
type NodeConsentCmd struct {
	env *Env
	nodeFlags
	File     string // notice publish: the notice JSON; import: the CSV
	Encoding string
	ExID     string
	Purpose  string
	Order    string
	Policy   string // receipt: the notice's published URL
	Out      string
}

func (c *NodeConsentCmd) open(ctx context.Context) (*node.Node, error) {
	if err := c.requireExisting(); err != nil {
		return nil, err
	}
	return openNode(ctx, c.env, &c.nodeFlags)
}

func (c *NodeConsentCmd) say(zh, en string, args ...any) {
	fmt.Fprintf(c.env.Stdout, i18n.T(zh, en).In(c.env.Lang)+"\n", args...)
}

// actor names who recorded what the command line does.
func (c *NodeConsentCmd) actor() string {
	if u := c.env.Getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

// Publish publishes a notice version from its JSON file.
func (c *NodeConsentCmd) Publish(ctx context.Context) error {
	if c.File == "" {
		return errs.Invalidf("--file", "请用 --file 指定隐私告知文件（JSON）", "name the notice file (JSON) with --file")
	}
	b, err := os.ReadFile(c.File)
	if err != nil {
		return errs.Invalidf("--file", "无法读取隐私告知文件："+errs.OSReason(err), "cannot read the notice file: "+errs.OSReason(err))
	}
	n, err := consent.ParseNotice(b)
	if err != nil {
		return err
	}
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	pub, err := consent.New(nd).Publish(ctx, n, c.actor())
	if err != nil {
		return err
	}
	c.say("已发布第 %d 版隐私告知（%d 个处理目的）；因目的变更而失效、须重新取得同意的：%d 条", "published notice version %d (%d purposes); consents invalidated by changed purposes, to be sought again: %d",
		n.Version, len(n.Purposes), pub.Invalidated)
	for p, k := range pub.ByPurpose {
		if k > 0 {
			c.say("  %s：%d", "  %s: %d", p, k)
		}
	}
	return nil
}

// Notices lists the notice versions.
func (c *NodeConsentCmd) Notices(ctx context.Context) error {
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	ns, err := consent.New(nd).Notices(ctx)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		c.say("尚未发布隐私告知；本节点未实行同意台账", "no notice published: the node does not run its consent ledger")
		return nil
	}
	w := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, i18n.T("版本\t发布时间\t目的", "version\tpublished\tpurposes").In(c.env.Lang))
	for _, n := range ns {
		codes := make([]string, len(n.Purposes))
		for i, p := range n.Purposes {
			codes[i] = p.Code
		}
		fmt.Fprintf(w, "%d\t%s\t%s\n", n.Version, n.Published.In(cstZone).Format("2006-01-02 15:04"), strings.Join(codes, ", "))
	}
	return w.Flush()
}

// Import records a CSV of events, all or none.
func (c *NodeConsentCmd) Import(ctx context.Context) error {
	if c.File == "" {
		return errs.Invalidf("--in", "请用 --in 指定同意记录文件（CSV）", "name the consent file (CSV) with --in")
	}
	enc, err := scan.ParseEncoding(c.Encoding)
	if err != nil {
		return err
	}
	f, err := os.Open(c.File)
	if err != nil {
		return errs.Invalidf("--in", "无法打开同意记录文件："+errs.OSReason(err), "cannot open the consent file: "+errs.OSReason(err))
	}
	defer f.Close()
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	res, err := consent.New(nd).Import(ctx, c.File, f, enc, c.actor())
	if err != nil {
		return err
	}
	c.say("已记入 %d 条：同意 %d，撤回 %d，拒绝 %d", "recorded %d events: %d given, %d withdrawn, %d refused",
		res.Rows, res.ByAction[consent.Given], res.ByAction[consent.Withdrawn], res.ByAction[consent.OptedOut])
	return nil
}

func (c *NodeConsentCmd) subject() ([]byte, error) {
	id, err := exid.Parse(strings.TrimSpace(c.ExID))
	if err != nil {
		return nil, errs.Invalidf("--exid", "不是有效的 exID", "not a valid exID")
	}
	return id[:], nil
}

// Change records a withdrawal or an opt-out of one subject for one
// purpose, under the notice in force.
func (c *NodeConsentCmd) Change(ctx context.Context, action string) error {
	id, err := c.subject()
	if err != nil {
		return err
	}
	if c.Purpose == "" {
		return errs.Invalidf("--purpose", "请用 --purpose 指定目的", "name the purpose with --purpose")
	}
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	l := consent.New(nd)
	ns, err := l.Notices(ctx)
	if err != nil {
		return err
	}
	if len(ns) == 0 {
		return errs.New(errs.FailedPrecondition, "notice", "尚未发布隐私告知", "no privacy notice is published yet")
	}
	evs, err := l.Record(ctx, []consent.Input{{ExID: id, Purpose: c.Purpose, Action: action, NoticeVersion: ns[0].Version, Method: "privacy_centre", At: nd.Now()}}, c.actor())
	if err != nil {
		return err
	}
	c.say("已记入第 %d 条：%s 对目的 %s %s；下一次配送起生效", "recorded event %d: %s %s for purpose %s; in force from the next delivery", evs[0].Seq, c.ExID, action, c.Purpose)
	return nil
}

// History prints a subject's events.
func (c *NodeConsentCmd) History(ctx context.Context) error {
	id, err := c.subject()
	if err != nil {
		return err
	}
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	evs, err := consent.New(nd).History(ctx, id)
	if err != nil {
		return err
	}
	if len(evs) == 0 {
		c.say("该主体没有记录", "no events for this subject")
		return nil
	}
	w := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, i18n.T("序号\t时间（北京）\t目的\t操作\t依据\t告知版本\t方式\t单独同意\t监护人\t证据", "seq\tat (Beijing)\tpurpose\taction\tbasis\tnotice\tmethod\tseparate\tguardian\tevidence").In(c.env.Lang))
	for _, e := range evs {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%v\t%v\t%s\n", e.Seq, e.At.In(cstZone).Format("2006-01-02 15:04:05"), e.Purpose, e.Action, e.Basis,
			e.NoticeVersion, e.Method, e.Separate, e.Guardian, e.Evidence)
	}
	return w.Flush()
}

// Receipt writes the signed receipt of a consent in force.
func (c *NodeConsentCmd) Receipt(ctx context.Context) error {
	id, err := c.subject()
	if err != nil {
		return err
	}
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	tok, _, err := consent.New(nd).Receipt(ctx, id, c.Purpose, c.Policy)
	if err != nil {
		return err
	}
	if c.Out == "" {
		fmt.Fprintln(c.env.Stdout, tok)
		return nil
	}
	if err := os.WriteFile(c.Out, []byte(tok+"\n"), 0o600); err != nil {
		return errs.Invalidf("--out", "无法写入："+errs.OSReason(err), "cannot write: "+errs.OSReason(err))
	}
	c.say("已写出同意凭证（Kantara v1.1，节点 Ed25519 签名）：%s", "wrote the consent receipt (Kantara v1.1, signed with the node's Ed25519 key): %s", c.Out)
	return nil
}

// Verify recomputes the ledger's hash chain.
func (c *NodeConsentCmd) Verify(ctx context.Context) error {
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	n, err := consent.New(nd).Verify(ctx)
	var b *consent.Broken
	switch {
	case errors.As(err, &b):
		fmt.Fprintln(c.env.Stderr, i18n.T(fmt.Sprintf("同意台账验证失败：第 %d 条记录%s", b.Seq, b.Reason.ZH), fmt.Sprintf("consent ledger verification failed: event %d: %s", b.Seq, b.Reason.EN)).In(c.env.Lang))
		return ExitError{Code: 1}
	case err != nil:
		return err
	}
	c.say("同意台账完整：已重新计算 %d 条记录的哈希链，各主体的现状与其记录一致", "consent ledger intact: the hash chain of %d events recomputed, every history's state matches its events", n)
	return nil
}

// Bind records which purpose an order is.
func (c *NodeConsentCmd) Bind(ctx context.Context) error {
	if !strings.HasPrefix(c.Order, "ord_") {
		return errs.Invalidf("--order", "请用 --order 指定订单编号（ord_…）", "name the order (ord_…) with --order")
	}
	if c.Purpose == "" {
		return errs.Invalidf("--purpose", "请用 --purpose 指定目的", "name the purpose with --purpose")
	}
	nd, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer nd.Close()
	if err := consent.New(nd).Bind(ctx, c.Order, c.Purpose, c.actor()); err != nil {
		if e := (*errs.Error)(nil); errors.As(err, &e) && e.Field == "purpose" {
			return withFlag(err, "--purpose")
		}
		return err
	}
	c.say("订单 %s 对应目的 %s：此后只为其同意覆盖该目的的主体应答或查询", "order %s is purpose %s: from now on only subjects whose consent covers it are answered or asked", c.Order, c.Purpose)
	return nil
}

// cstZone is Beijing time, in which the console and the command line show
// times.
var cstZone = time.FixedZone("CST", 8*3600)

func newNodeConsentCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "consent", Short: "the consent ledger (PIPL): privacy notices, consents, withdrawals, receipts, orders' purposes"}
	sub := func(use, short string, args cobra.PositionalArgs, run func(c *NodeConsentCmd, ctx context.Context) error, flags func(c *NodeConsentCmd, cmd *cobra.Command)) *cobra.Command {
		c := &NodeConsentCmd{env: env}
		k := &cobra.Command{Use: use, Short: short, Args: args, RunE: func(cmd *cobra.Command, _ []string) error { c.resolveDB(env); return run(c, cmd.Context()) }}
		c.register(k, false)
		if flags != nil {
			flags(c, k)
		}
		return k
	}
	exidFlag := func(c *NodeConsentCmd, k *cobra.Command) {
		k.Flags().StringVar(&c.ExID, "exid", "", "the subject's exID")
	}
	purposeFlag := func(c *NodeConsentCmd, k *cobra.Command) {
		k.Flags().StringVar(&c.Purpose, "purpose", "", "the purpose's code in the notice")
	}
	notice := &cobra.Command{Use: "notice", Short: "the privacy notice's versions (S-1, S-2)"}
	notice.AddCommand(
		sub("publish", "publish a new notice version from a JSON file; consents to purposes it changes are invalidated (P-8)", cobra.NoArgs,
			(*NodeConsentCmd).Publish, func(c *NodeConsentCmd, k *cobra.Command) {
				k.Flags().StringVar(&c.File, "file", "", "the notice, JSON")
			}),
		sub("list", "list the notice versions", cobra.NoArgs, (*NodeConsentCmd).Notices, nil),
	)
	cmd.AddCommand(notice,
		sub("import", "record consents, withdrawals and refusals from a CSV ("+strings.Join(consent.ImportColumns, ", ")+"[, separate, minor, guardian]), all or none", cobra.NoArgs,
			(*NodeConsentCmd).Import, func(c *NodeConsentCmd, k *cobra.Command) {
				k.Flags().StringVar(&c.File, "in", "", "the CSV file")
				k.Flags().StringVar(&c.Encoding, "encoding", "auto", "auto, utf-8 or gb18030")
			}),
		sub("withdraw", "record a subject's withdrawal of consent for a purpose", cobra.NoArgs,
			func(c *NodeConsentCmd, ctx context.Context) error { return c.Change(ctx, consent.Withdrawn) },
			func(c *NodeConsentCmd, k *cobra.Command) { exidFlag(c, k); purposeFlag(c, k) }),
		sub("opt-out", "record a subject's refusal of a purpose (e.g. marketing, X-P3)", cobra.NoArgs,
			func(c *NodeConsentCmd, ctx context.Context) error { return c.Change(ctx, consent.OptedOut) },
			func(c *NodeConsentCmd, k *cobra.Command) { exidFlag(c, k); purposeFlag(c, k) }),
		sub("history", "print a subject's consent history", cobra.NoArgs, (*NodeConsentCmd).History, exidFlag),
		sub("receipt", "issue the signed receipt (Kantara v1.1) of a consent in force", cobra.NoArgs, (*NodeConsentCmd).Receipt,
			func(c *NodeConsentCmd, k *cobra.Command) {
				exidFlag(c, k)
				purposeFlag(c, k)
				k.Flags().StringVar(&c.Policy, "policy-url", "", "where the notice version is published")
				k.Flags().StringVar(&c.Out, "out", "", "write the receipt to this file (default: standard output)")
			}),
		sub("verify", "recompute the ledger's hash chain; exit 1 naming the first event out of place", cobra.NoArgs, (*NodeConsentCmd).Verify, nil),
		sub("bind", "record which purpose of the notice an order is (its deliveries then honour consent)", cobra.NoArgs, (*NodeConsentCmd).Bind,
			func(c *NodeConsentCmd, k *cobra.Command) {
				k.Flags().StringVar(&c.Order, "order", "", "the order, ord_…")
				purposeFlag(c, k)
			}),
	)
	return cmd
}
