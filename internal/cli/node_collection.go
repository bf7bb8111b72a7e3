package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/collection"
)

// NodeCollectionCmd governs the member's collection (C-2, C-5, C-6, C-8):
// plans proposed for the data management committee, which decides on the
// node console, and the record of every batch collected under one.
type NodeCollectionCmd struct {
	env *Env
	nodeFlags
	File          string
	ID            string
	Plan          string
	In, Out       string
	Encoding      string
	Collector     string
	Place         string
	Source        string
	Method        string
	At            string
	KeyColumn     string
	ChannelColumn string
	JSON          bool
}

func (c *NodeCollectionCmd) open(ctx context.Context) (*collection.Plans, func(), error) {
	if err := c.requireExisting(); err != nil {
		return nil, nil, err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return nil, nil, err
	}
	return collection.New(n), func() { n.Close() }, nil
}

func (c *NodeCollectionCmd) t(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }

// Propose submits a plan to the committee.
func (c *NodeCollectionCmd) Propose(ctx context.Context) error {
	f, err := openInput("--file", c.File, i18n.T("须用 --file 给出采集计划（JSON）", "give the plan (JSON) with --file"))
	if err != nil {
		return err
	}
	in, err := collection.ParsePlan(f)
	f.Close()
	if err != nil {
		return err
	}
	ps, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	p, err := ps.Propose(ctx, in, "cli:"+currentUser())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, c.t("已提交采集计划 %s（%s），待数据管理委员会在节点控制台审批\n", "submitted collection plan %s (%s) to the data management committee, which decides on the node console\n"), p.ID, p.Name)
	for _, f := range p.Findings {
		sev := c.t("提示", "note")
		if f.Severity == collection.Block {
			sev = c.t("阻止批准", "blocks approval")
		}
		fmt.Fprintf(c.env.Stdout, "  [%s] %s: %s\n", sev, f.Field, i18n.T(f.ZH, f.EN).In(c.env.Lang))
	}
	return nil
}

// List prints the plans.
func (c *NodeCollectionCmd) List(ctx context.Context) error {
	ps, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	plans, err := ps.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("编号\t名称\t状态\t有效期\t字段\t提示", "ID\tNAME\tSTATUS\tTERM\tFIELDS\tFINDINGS"))
	for _, p := range plans {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s – %s\t%d\t%d\n", p.ID, p.Name, p.Status, p.ValidFrom, p.ValidUntil, len(p.Fields), len(p.Findings))
	}
	return tw.Flush()
}

// Retire ends an approved plan.
func (c *NodeCollectionCmd) Retire(ctx context.Context) error {
	ps, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := ps.Retire(ctx, strings.TrimSpace(c.ID), "cli:"+currentUser()); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, c.t("已停止采集计划：", "retired collection plan: ")+c.ID)
	return nil
}

// Record records a batch, writing its cleaned rows to --out.
func (c *NodeCollectionCmd) Record(ctx context.Context) error {
	in := collection.BatchInput{PlanID: c.Plan, Collector: c.Collector, Place: c.Place, Source: c.Source, Method: c.Method,
		KeyColumn: c.KeyColumn, ChannelColumn: c.ChannelColumn, By: "cli:" + currentUser()}
	var err error
	if in.Encoding, err = scan.ParseEncoding(c.Encoding); err != nil {
		return err
	}
	if c.At != "" {
		at, err := time.ParseInLocation("2006-01-02 15:04", c.At, calendar.Shanghai)
		if err != nil {
			return errs.Invalidf("--at", "采集时间须为北京时间 YYYY-MM-DD HH:MM", "--at is a Beijing time, YYYY-MM-DD HH:MM")
		}
		in.Collected = at
	}
	f, err := openInput("--in", c.In, i18n.T("须用 --in 给出批次数据（CSV）", "give the batch (CSV) with --in"))
	if err != nil {
		return err
	}
	defer f.Close()
	in.In = f
	// The cleaned rows go to a file beside --out, renamed over it once the
	// batch is recorded: a refused batch leaves nothing behind.
	var tmp *os.File
	if c.Out != "" {
		if c.Out == c.In {
			return errs.Invalidf("--out", "输出文件不能与输入文件相同", "the output cannot be the input")
		}
		if tmp, err = os.CreateTemp(filepath.Dir(c.Out), ".collect-*"); err != nil {
			return errs.Invalidf("--out", "无法写入："+err.Error(), "cannot write: "+err.Error())
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		in.Out = tmp
	}
	ps, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	b, q, err := ps.Record(ctx, in)
	if err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), c.Out); err != nil {
			return err
		}
	}
	if c.JSON {
		return json.NewEncoder(c.env.Stdout).Encode(map[string]any{"batch": b.ID, "plan": b.PlanID, "rows": b.RowsIn, "kept": b.RowsKept,
			"invalid": b.RowsInvalid, "duplicates": b.Duplicates, "output_" + cmp.Or(b.OutputHashAlg, "sha256"): b.OutputSHA256, "quality": q})
	}
	fmt.Fprintf(c.env.Stdout, c.t("已记录批次 %s（计划 %s）：%d 行，保留 %d 行，无效 %d 行，重复 %d 行\n", "recorded batch %s (plan %s): %d rows, %d kept, %d invalid, %d duplicates\n"),
		b.ID, b.PlanID, b.RowsIn, b.RowsKept, b.RowsInvalid, b.Duplicates)
	for _, fq := range q.Fields {
		pct := 0.0
		if b.RowsKept > 0 {
			pct = 100 * float64(fq.Filled) / float64(b.RowsKept)
		}
		fmt.Fprintf(c.env.Stdout, c.t("  %s：完整率 %.1f%%，无效 %d，渠道间不一致 %d 人\n", "  %s: %.1f%% filled, %d invalid, %d people inconsistent across channels\n"), fq.Name, pct, fq.Invalid, fq.Inconsistent)
	}
	for _, p := range q.Problems {
		fmt.Fprintf(c.env.Stdout, c.t("  第 %d 行，%s：%s\n", "  line %d, %s: %s\n"), p.Line, p.Field, i18n.T(p.ZH, p.EN).In(c.env.Lang))
	}
	return nil
}

// Batches lists the batches recorded.
func (c *NodeCollectionCmd) Batches(ctx context.Context) error {
	ps, done, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	bs, err := ps.Batches(ctx, strings.TrimSpace(c.Plan), 500)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("批次\t计划\t采集时间（北京时间）\t采集人\t地点\t来源\t方式\t行数\t保留\t无效\t重复", "BATCH\tPLAN\tCOLLECTED (BEIJING)\tCOLLECTOR\tPLACE\tSOURCE\tMETHOD\tROWS\tKEPT\tINVALID\tDUPLICATES"))
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", b.ID, b.PlanID, b.Collected.In(calendar.Shanghai).Format("2006-01-02 15:04"),
			b.Collector, b.Place, b.Source, b.Method, b.RowsIn, b.RowsKept, b.RowsInvalid, b.Duplicates)
	}
	return tw.Flush()
}

func newNodeCollectionCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "collection", Short: i18n.T("采集治理：采集计划（须经数据管理委员会批准）与采集批次记录", "collection governance: plans (approved by the data management committee) and the record of every batch").In(env.Lang)}
	sub := func(use string, short i18n.Text, run func(*NodeCollectionCmd, context.Context) error) (*cobra.Command, *NodeCollectionCmd) {
		c := &NodeCollectionCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	plan := &cobra.Command{Use: "plan", Short: i18n.T("采集计划", "collection plans").In(env.Lang)}
	propose, p := sub("propose --file PLAN.json", i18n.T("提交采集计划（需求评估与计划，逐字段检查必要性）", "submit a plan (needs assessment and plan, each field checked for necessity)"), (*NodeCollectionCmd).Propose)
	propose.Flags().StringVar(&p.File, "file", "", i18n.T("计划文件（JSON，见 docs/governance.md）", "the plan (JSON, see docs/governance.md)").In(env.Lang))
	list, _ := sub("list", i18n.T("列出采集计划", "list the plans"), (*NodeCollectionCmd).List)
	retire, r := sub("retire --id ID", i18n.T("停止已批准的计划", "retire an approved plan"), (*NodeCollectionCmd).Retire)
	retire.Flags().StringVar(&r.ID, "id", "", i18n.T("计划编号", "the plan's ID").In(env.Lang))
	plan.AddCommand(propose, list, retire)

	record, b := sub("record --plan ID --in BATCH.csv [--out CLEAN.csv] --collector WHO --place WHERE --source SOURCE --method METHOD", i18n.T("记录一个采集批次：校验、清洗、去重并出具质量报告", "record a batch: validated, cleaned, de-duplicated, with its quality report"), (*NodeCollectionCmd).Record)
	fl := record.Flags()
	fl.StringVar(&b.Plan, "plan", "", i18n.T("已批准的采集计划编号", "the approved plan's ID").In(env.Lang))
	fl.StringVar(&b.In, "in", "", i18n.T("批次数据（CSV，表头为计划中的字段）", "the batch (CSV, headed by the plan's fields)").In(env.Lang))
	fl.StringVar(&b.Out, "out", "", i18n.T("清洗去重后的数据写到这里", "where the cleaned rows go").In(env.Lang))
	fl.StringVar(&b.Encoding, "encoding", "auto", "auto, utf-8 or gb18030")
	fl.StringVar(&b.Collector, "collector", "", i18n.T("采集人", "who collected it").In(env.Lang))
	fl.StringVar(&b.Place, "place", "", i18n.T("采集地点", "where").In(env.Lang))
	fl.StringVar(&b.Source, "source", "", i18n.T("数据来源（计划中列出的之一）", "the source (one the plan names)").In(env.Lang))
	fl.StringVar(&b.Method, "method", "", i18n.T("采集方式（计划中列出的之一）："+strings.Join(collection.Methods, ", "), "the method (one the plan names): "+strings.Join(collection.Methods, ", ")).In(env.Lang))
	fl.StringVar(&b.At, "at", "", i18n.T("采集时间（北京时间 YYYY-MM-DD HH:MM，默认现在）", "when it was collected (Beijing time, YYYY-MM-DD HH:MM; now by default)").In(env.Lang))
	fl.StringVar(&b.KeyColumn, "key-column", "", i18n.T("识别个人的列（去重用；默认计划中第一个标识字段）", "the column identifying a person (for de-duplication; the plan's first identifier by default)").In(env.Lang))
	fl.StringVar(&b.ChannelColumn, "channel-column", "", i18n.T("渠道列：比较同一人在不同渠道的数据是否一致", "the channel column: the same person's values are compared across channels").In(env.Lang))
	fl.BoolVar(&b.JSON, "json", false, i18n.T("以 JSON 输出", "print JSON").In(env.Lang))
	batches, bl := sub("batches [--plan ID]", i18n.T("列出采集批次", "list the batches recorded"), (*NodeCollectionCmd).Batches)
	batches.Flags().StringVar(&bl.Plan, "plan", "", i18n.T("只列此计划的", "only this plan's").In(env.Lang))
	cmd.AddCommand(plan, record, batches)
	return cmd
}
