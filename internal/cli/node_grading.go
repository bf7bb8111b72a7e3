package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/calendar"
	"hulian/internal/compliance/classify"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/grading"
)

// NodeGradingCmd shows the classification and grading of the node's
// datasets' fields (C-7, O-5), the catalogue it rests on, and the reads of
// sensitive fields. Confirming a grade is a person's act on the node
// console, under their login.
type NodeGradingCmd struct {
	env *Env
	nodeFlags
	JSON  bool
	Limit int
}

func (c *NodeGradingCmd) t(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }

func (c *NodeGradingCmd) open(ctx context.Context) (*node.Node, error) {
	if err := c.requireExisting(); err != nil {
		return nil, err
	}
	return openNode(ctx, c.env, &c.nodeFlags)
}

// List prints every field's class and grade.
func (c *NodeGradingCmd) List(ctx context.Context) error {
	n, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer n.Close()
	fs, err := grading.List(ctx, n)
	if err != nil {
		return err
	}
	if c.JSON {
		type row struct {
			Dataset     string   `json:"dataset"`
			Column      string   `json:"column"`
			TagKey      string   `json:"tag_key"`
			Class       string   `json:"class"`
			Grade       int      `json:"grade"`
			Art28       string   `json:"pipl_art28,omitempty"`
			Suggested   string   `json:"suggested_class"`
			Because     []string `json:"because"`
			Encrypted   bool     `json:"encrypted"`
			ConfirmedBy string   `json:"confirmed_by,omitempty"`
		}
		out := make([]row, 0, len(fs))
		for _, f := range fs {
			r := row{Dataset: f.Dataset, Column: f.Column, TagKey: f.TagKey, Class: f.FieldGrade.Class, Grade: f.Grade, Suggested: f.SuggestedClass,
				Because: f.Because, Encrypted: f.Encrypted, ConfirmedBy: f.ConfirmedBy}
			if f.Class != nil {
				r.Art28 = f.Class.Art28
			}
			out = append(out, r)
		}
		enc := json.NewEncoder(c.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("数据集\t字段\t类别\t级别\t静态加密\t确认", "DATASET\tFIELD\tCLASS\tGRADE\tENCRYPTED\tCONFIRMED"))
	for _, f := range fs {
		class := f.FieldGrade.Class
		if f.Class != nil {
			class = f.Class.Name.In(c.env.Lang)
		}
		enc := c.t("否", "no")
		switch {
		case f.Encrypted:
			enc = c.t("是", "yes")
		case f.Sensitive:
			enc = c.t("待加密", "pending")
		}
		confirmed := c.t("建议（"+strings.Join(f.Because, ", ")+"）", "suggested ("+strings.Join(f.Because, ", ")+")")
		if f.ConfirmedBy != "" {
			confirmed = f.ConfirmedBy + " " + f.Confirmed.In(calendar.Shanghai).Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d %s\t%s\t%s\n", f.Dataset, f.Column, class, f.Grade, f.GradeName.In(c.env.Lang), enc, confirmed)
	}
	return tw.Flush()
}

// Catalogue prints the classification catalogue in force.
func (c *NodeGradingCmd) Catalogue(ctx context.Context) error {
	cat := classify.Default()
	fmt.Fprintf(c.env.Stdout, c.t("分类分级目录 %s（%s）；%d 级及以上静态加密\n", "classification catalogue %s (%s); grade %d and above encrypted at rest\n"), cat.Version, cat.Source, cat.EncryptFrom)
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("类别\t名称\t级别\t第二十八条\t依据", "CLASS\tNAME\tGRADE\tART. 28\tSOURCE"))
	for _, cl := range cat.Classes {
		art := cl.Art28
		if art == "" {
			art = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", cl.Key, cl.Name.In(c.env.Lang), cl.Grade, art, cl.Source)
	}
	return tw.Flush()
}

// Access prints the reads that took sensitive fields, served or not.
func (c *NodeGradingCmd) Access(ctx context.Context) error {
	n, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer n.Close()
	rs, err := grading.Access(ctx, n, c.Limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, c.t("时间\t账户\t申请\t数据集\t敏感字段\t行数\t结果", "TIME\tACCOUNT\tAPPLICATION\tDATASET\tSENSITIVE FIELDS\tROWS\tOUTCOME"))
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.At.In(calendar.Shanghai).Format("2006-01-02 15:04"), r.Login, r.Application, r.Dataset, strings.Join(r.Sensitive, ","), r.Rows, r.Outcome)
	}
	return tw.Flush()
}

func newNodeGradingCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "grading", Short: i18n.T("数据分类分级：各字段的类别、级别与静态加密，敏感字段的访问记录（在节点控制台确认）", "classification and grading: each field's class, grade and encryption at rest, and reads of sensitive fields (confirmed on the node console)").In(env.Lang)}
	sub := func(use string, short i18n.Text, run func(*NodeGradingCmd, context.Context) error) (*cobra.Command, *NodeGradingCmd) {
		c := &NodeGradingCmd{env: env}
		s := &cobra.Command{Use: use, Short: short.In(env.Lang), Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return run(c, cmd.Context())
		}}
		c.register(s, false)
		return s, c
	}
	list, l := sub("list [--json]", i18n.T("列出各数据集字段的类别、级别与是否静态加密", "list each dataset field's class, grade and whether it is encrypted at rest"), (*NodeGradingCmd).List)
	list.Flags().BoolVar(&l.JSON, "json", false, i18n.T("以 JSON 输出", "print JSON").In(env.Lang))
	cat, _ := sub("catalogue", i18n.T("显示分类分级目录及其依据", "show the classification catalogue and its sources"), (*NodeGradingCmd).Catalogue)
	access, a := sub("access [--limit N]", i18n.T("敏感字段的读取记录（含被拒绝的）", "reads of sensitive fields, refused ones too"), (*NodeGradingCmd).Access)
	access.Flags().IntVar(&a.Limit, "limit", 100, i18n.T("最多显示的条数", "at most this many").In(env.Lang))
	cmd.AddCommand(list, cat, access)
	return cmd
}
