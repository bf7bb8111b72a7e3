package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"hulian/internal/compliance/gate"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/nodekey"
)

// GateCmd runs the compliance gate on a dataset file: the k-anonymity table
// of its tags (X-E8) and the prohibited-content scan, in one pass.
type GateCmd struct {
	env      *Env
	File     string
	IDColumn string
	Listing  string
	Terms    string
	Encoding string
	JSON     bool
	// Sign makes the node at NodeDB sign a gate report for the platform
	// (gate.SignedReport), printed on stdout; the table goes to stderr.
	Sign    bool
	NodeDB  string
	KEKFile string
	// Status and Source, with --sign, are the supplier's declaration the
	// report carries (P-6, O-7).
	Status string
	Source string
}

// Validate checks the options before any file is opened.
func (c *GateCmd) Validate() error {
	if c.File == "" {
		return errs.Invalidf("FILE", "请指定数据集 CSV 文件", "name the dataset CSV file")
	}
	if c.IDColumn == "" {
		return errs.Invalidf("--id-column", "请用 --id-column 指定主体 ID 列", "name the subject ID column with --id-column")
	}
	if c.Listing == "" {
		return errs.Invalidf("--listing", "请用 --listing 指定挂牌文件（JSON）", "name the listing file (JSON) with --listing")
	}
	if c.Sign {
		if err := (gate.Declaration{Status: c.Status, Source: c.Source}).Check(); err != nil {
			return err
		}
	}
	if c.Sign && c.JSON {
		return errs.Invalidf("--json", "--sign 输出签名报告（JSON），不能与 --json 同用", "--sign prints the signed report (JSON); do not combine it with --json")
	}
	_, err := scan.ParseEncoding(c.Encoding)
	return err
}

// gateOutput is the --json document.
type gateOutput struct {
	gate.Report
	Findings []scan.Finding `json:"findings"`
	Verdict  string         `json:"verdict"` // "pass" or "fail"
}

// Run reads the file once and prints the table and the verdict: exit 0 when
// it passes, 1 when it fails, 2 when an input cannot be read.
func (c *GateCmd) Run(ctx context.Context) error {
	lf, err := scanOpenFile(c.Listing)
	if err != nil {
		return err
	}
	listing, err := gate.ParseListing(lf)
	lf.Close()
	if err != nil {
		return err
	}
	var signer *node.Node
	if c.Sign {
		// Open the node before reading the data, so that a wrong database
		// or key-encryption key fails at once rather than after the file.
		if signer, err = c.openSigner(ctx, listing); err != nil {
			return err
		}
		defer signer.Close()
	}
	sc, err := scanNewScanner(c.env, c.Terms)
	if err != nil {
		return err
	}
	enc, _ := scan.ParseEncoding(c.Encoding)
	f, err := scanOpenFile(c.File)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := scan.NewReader(f, enc)
	if err != nil {
		return err
	}
	if rd.Notice.ZH != "" {
		fmt.Fprintln(c.env.Stderr, "hulian:", rd.Notice.In(c.env.Lang))
	}
	idx, err := rd.Column(c.IDColumn)
	if err != nil {
		return err
	}
	table, err := gate.NewTable(rd.Header, c.IDColumn, listing)
	if err != nil {
		return err
	}
	out := gateOutput{Findings: []scan.Finding{}}
	rs, err := sc.Rows(rd.Header, idx, func(fd scan.Finding) error {
		out.Findings = append(out.Findings, fd)
		return nil
	})
	if err != nil {
		return err
	}
	for {
		if rd.Row()%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := rs.Row(rd.Row(), rec); err != nil {
			return err
		}
		if err := table.Add(rd.Row(), rec); err != nil {
			return err
		}
	}
	out.Report = table.Report()
	pass := out.Pass && len(out.Findings) == 0
	out.Verdict = "fail"
	if pass {
		out.Verdict = "pass"
	}
	if c.Sign {
		return c.signed(signer, listing, out, pass)
	}
	if c.JSON {
		e := json.NewEncoder(c.env.Stdout)
		e.SetEscapeHTML(false)
		e.SetIndent("", "  ")
		if err := e.Encode(out); err != nil {
			return err
		}
	} else if err := c.print(out); err != nil {
		return err
	}
	if !pass {
		return ExitError{Code: 1}
	}
	return nil
}

// gateMaxFindings bounds the findings listed in the human-readable output;
// --json and `hulian scan` give them all.
const gateMaxFindings = 20

func (c *GateCmd) print(o gateOutput) error {
	lang := c.env.Lang
	t := func(zh, en string) string { return i18n.T(zh, en).In(lang) }
	w := c.env.Stdout
	fmt.Fprintf(w, t("k-匿名表（每个标签值对应的不同主体数，K = %d，共 %d 行）\n", "k-anonymity table (distinct subjects per tag value, K = %d, %d rows)\n"), o.K, o.Rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, t("标签\t列\t取值\t主体数\t结果", "tag\tcolumn\tvalue\tsubjects\tresult"))
	for _, v := range o.Values {
		res := t("通过", "pass")
		if !v.Pass {
			res = t(fmt.Sprintf("不通过（少于 %d）", o.K), fmt.Sprintf("FAIL (below %d)", o.K))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", v.Key, v.Column, v.Value, v.Subjects, res)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if o.AdjacentDuplicateRows > 0 {
		fmt.Fprintf(w, t("注意：%d 行的主体与上一行相同，文件不是每个主体一行\n", "note: %d rows repeat the previous row's subject; the file is not one row per subject\n"), o.AdjacentDuplicateRows)
	}
	fmt.Fprintf(w, t("禁止内容扫描：%d 项发现\n", "prohibited-content scan: %d findings\n"), len(o.Findings))
	for i, f := range o.Findings {
		if i == gateMaxFindings {
			fmt.Fprintf(w, t("  ……其余 %d 项请用 hulian scan 或 --json 查看\n", "  … %d more; see hulian scan or --json\n"), len(o.Findings)-i)
			break
		}
		fmt.Fprintf(w, t("  第 %d 行 %s：%s [%s %s]\n", "  row %d %s: %s [%s %s]\n"), f.Row, f.Column, f.Reason, f.Clause, f.Kind)
	}
	if o.Verdict == "pass" {
		fmt.Fprintln(w, t("结论：通过", "verdict: PASS"))
	} else {
		fmt.Fprintf(w, t("结论：不通过（%d 个标签值少于 %d 个主体，%d 项禁止内容）\n", "verdict: FAIL (%d tag values below %d subjects, %d prohibited findings)\n"), o.Failures, o.K, len(o.Findings))
	}
	return nil
}

func newGateCmd(env *Env) *cobra.Command {
	c := &GateCmd{env: env}
	cmd := &cobra.Command{
		Use:   "gate FILE.csv --id-column NAME --listing FILE",
		Short: "k-anonymity table and compliance verdict of a dataset (X-E8) / 数据集合规闸门",
		Args:  scanOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			c.File = args[0]
			if err := c.Validate(); err != nil {
				return err
			}
			return c.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&c.IDColumn, "id-column", "", "the subject ID column / 主体 ID 列名")
	cmd.Flags().StringVar(&c.Listing, "listing", "", "listing file (JSON: tags, k) / 挂牌文件")
	cmd.Flags().StringVar(&c.Terms, "terms", "", "X5.1 content term list (default: embedded) / 禁止内容词表")
	cmd.Flags().StringVar(&c.Encoding, "encoding", "auto", "auto, utf-8 or gb18030 / 文件编码")
	cmd.Flags().BoolVar(&c.JSON, "json", false, "machine-readable output / 输出 JSON")
	cmd.Flags().BoolVar(&c.Sign, "sign", false, "print the gate report signed by the node's key, for submitting the listing / 输出节点签名的合规检查报告")
	cmd.Flags().StringVar(&c.NodeDB, "node-db", "", "with --sign: the node's database URL (env HULIAN_DB) / 节点数据库")
	cmd.Flags().StringVar(&c.Status, "status", "deidentified", "with --sign: the data is deidentified or anonymised (only de-identified data can be listed) / 去标识化或匿名化")
	cmd.Flags().StringVar(&c.Source, "source", "", "with --sign: the data's source and the lawful basis it was collected on / 数据来源及其合法依据")
	cmd.Flags().StringVar(&c.KEKFile, "kek-file", "", "with --sign: the node's key-encryption key file (env "+nodekey.EnvKEK+" takes precedence) / 节点密钥加密密钥文件")
	return cmd
}
