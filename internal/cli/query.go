package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/demand"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/retry"
)

// QueryCmd is a demander's query under an order (X-W2): the node turns the
// input's IDs into the order's tokens, sends them through the platform in
// chunks and writes every input row with the supplier's values, keyed by
// the member's own IDs. An interrupted run resumes where it stopped.
type QueryCmd struct {
	env *Env
	nodeFlags
	Order      string
	In, Out    string
	Column     string
	rawIDFlags // raw IDs in Column, of --id-type, translated through the platform
	Platform   string
	Encoding   string
	Chunk      int
	InFlight   int
	RetryFor   time.Duration // how long to keep sending a chunk again while the platform is unavailable
}

func (c *QueryCmd) Validate() error {
	if err := ordertoken.CheckOrderID(c.Order); err != nil || !strings.HasPrefix(c.Order, "ord_") {
		return errs.Invalidf("--order", "请用 --order 给出订单编号（ord_…）", "give the order ID (ord_…) with --order")
	}
	switch {
	case c.In == "":
		return errs.Invalidf("--in", "请用 --in 指定输入 CSV 文件", "name the input CSV with --in")
	case c.Out == "":
		return errs.Invalidf("--out", "请用 --out 指定结果 CSV 文件", "name the results CSV with --out")
	case c.In == c.Out:
		return errs.Invalidf("--out", "结果文件不能与输入文件相同", "the results file cannot be the input file")
	}
	if err := c.pair(); err != nil {
		return err
	}
	switch {
	case c.RetryFor < 0:
		return errs.Invalidf("--retry-for", "重试时长不能为负数", "the retry time cannot be negative")
	case c.Chunk < 0:
		return errs.Invalidf("--chunk", "块大小不能为负数", "the chunk size cannot be negative")
	case c.InFlight < 1 || c.InFlight > demand.MaxQueryInFlight:
		return errs.Invalidf("--in-flight", fmt.Sprintf("同时发送的块数须在 1 到 %d 之间", demand.MaxQueryInFlight), fmt.Sprintf("chunks in flight range from 1 to %d", demand.MaxQueryInFlight))
	}
	if _, err := c.idType(); err != nil {
		return err
	}
	_, err := scan.ParseEncoding(c.Encoding)
	return err
}

func (c *QueryCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkReadable("--in", c.In); err != nil {
		return err
	}
	if c.Credentials != "" {
		if err := checkReadable("--credentials", c.Credentials); err != nil {
			return err
		}
	}
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	job := demand.QueryJob{OrderID: c.Order, In: c.In, Out: c.Out, Column: c.Column, Chunk: c.Chunk, InFlight: c.InFlight}
	job.Encoding, _ = scan.ParseEncoding(c.Encoding)
	if job.Translate, job.Normalize, err = c.translator(ctx, c.env, n, c.Platform); err != nil {
		return err
	}
	if job.Translate != nil {
		job.KeyType, _ = c.idType()
	}
	bar := newProgress(c.env, i18n.T("查询中", "querying"), fileSize(c.In))
	job.Progress = func(p demand.QueryProgress) {
		bar.update(p.Rows, p.Rows-p.Resumed, p.InBytes, fmt.Sprintf("%s %d", i18n.T("查得", "matched").In(c.env.Lang), p.Matched),
			fmt.Sprintf("%d %s", p.Chunks, i18n.T("块", "chunks").In(c.env.Lang)))
	}
	job.Retry = retry.Policy{For: c.RetryFor, Wait: func(err error, next time.Duration) {
		bar.say(waitMessage(c.env.Lang, err, next))
	}}
	p, err := demand.New(n).QueryFile(ctx, job)
	bar.done(false)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(c.env.Stderr, i18n.T("已中断；再次运行同一命令将从最后写完的块继续。", "interrupted; run the same command again to continue after the last chunk written.").In(c.env.Lang))
		}
		return err
	}
	t := func(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }
	fmt.Fprintf(c.env.Stdout, t("完成：%d 行，查得 %d 行，%d 块（续传跳过 %d 行，平台重放 %d 块），计费 %d 分；结果写入 %s\n",
		"done: %d rows, %d matched, %d chunks (%d rows resumed past, %d chunks replayed by the platform), %d fen charged; results in %s\n"),
		p.Rows, p.Matched, p.Chunks, p.Resumed, p.Replayed, p.ChargeFen, c.Out)
	if p.ChargedBefore > 0 {
		fmt.Fprintf(c.env.Stdout, t("其中 %d 分在先前中断的运行中已扣（含平台重放的 %d 块）\n", "%d fen of it were charged in earlier, interrupted runs (the %d chunks the platform replayed included)\n"),
			p.ChargedBefore, p.Replayed)
	}
	if p.Unauthorised > 0 {
		fmt.Fprintf(c.env.Stdout, t("%d 行未查询：该订单的挂牌要求本人签署的数据查询授权（X-E10），本节点没有这些主体的有效授权记录（结果中“查得”列为 -）；导入授权：hulian node authorisations import\n",
			"%d rows not queried: the order's listing requires the subject's signed query authorisation (X-E10) and this node holds no valid record for them (\"-\" in the results' matched column); import them with hulian node authorisations import\n"),
			p.Unauthorised)
	}
	fmt.Fprintln(c.env.Stdout, t("结果须在留存期限届满时销毁；运行中的节点会按期删除并向平台报告（hulian node deliveries list 查看期限）",
		"the results must be destroyed when their retention period ends; the running node deletes them on time and attests it (see hulian node deliveries list)"))
	return nil
}

func newQueryCmd(env *Env) *cobra.Command {
	c := &QueryCmd{env: env}
	cmd := &cobra.Command{
		Use:   "query --order ID --in ids.csv --out results.csv",
		Short: "query a supplier's data under an order, through the platform / 按订单查询供应方数据",
		Long: "Reads the input CSV (a header row; the key column holds exIDs from `hulian exid translate`,\n" +
			"or raw IDs with --id-type, translated through the platform), sends the order's tokens in chunks\n" +
			"through the platform and writes every input row, in input order, with `matched` (1/0) and the\n" +
			"order's columns. An interrupted or stopped run resumes after the last chunk written.\n" +
			"读取输入 CSV（含表头；键列为 exID，或用 --id-type 指定的原始标识），经平台分块查询，\n" +
			"按输入顺序写出每一行及 matched（1/0）和订单许可的标签列；中断后再次运行即续传。",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd, false)
	fl := cmd.Flags()
	fl.StringVar(&c.Order, "order", "", "the order to query under (ord_…) / 订单编号")
	fl.StringVar(&c.In, "in", "", "input CSV with a header row / 输入文件")
	fl.StringVar(&c.Out, "out", "", "results CSV (a state file beside it makes the run resumable) / 结果文件")
	fl.StringVar(&c.Column, "column", "exid", "the key column of --in / 键列")
	fl.StringVar(&c.IDType, "id-type", "", "the key column holds raw IDs of this type (e.g. mobile), translated through the platform / 原始标识类型")
	fl.StringVar(&c.Platform, "platform", "", "with --id-type: the platform's base URL (default: the node's)")
	fl.StringVar(&c.Credentials, "credentials", "", "with --id-type: a file holding the member's API token")
	fl.StringVar(&c.Encoding, "encoding", "auto", "auto, utf-8 or gb18030 / 文件编码")
	fl.IntVar(&c.Chunk, "chunk", 0, "IDs per request (default: the order's max_tokens, at most 262144; never more than the order allows)")
	fl.IntVar(&c.InFlight, "in-flight", 3, "chunks in flight, 1 to 4")
	fl.DurationVar(&c.RetryFor, "retry-for", 2*time.Minute, "while the platform is unavailable, keep sending the same chunk for this long before stopping (0: do not retry) / 平台不可用时的重试时长")
	return cmd
}
