package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// ScanCmd runs the prohibited-content scanner over a CSV file and prints
// one JSON object per finding.
type ScanCmd struct {
	env      *Env
	File     string
	IDColumn string
	Terms    string
	Encoding string
}

// Validate checks the options before any file is opened.
func (c *ScanCmd) Validate() error {
	if c.File == "" {
		return errs.Invalidf("FILE", "请指定要扫描的 CSV 文件", "name the CSV file to scan")
	}
	if c.IDColumn == "" {
		return errs.Invalidf("--id-column", "请用 --id-column 指定主体 ID 列", "name the subject ID column with --id-column")
	}
	_, err := scan.ParseEncoding(c.Encoding)
	return err
}

// Run scans the file: exit status 0 when clean, 1 with findings, 2 when the
// file cannot be read.
func (c *ScanCmd) Run(ctx context.Context) error {
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
	out := json.NewEncoder(c.env.Stdout)
	out.SetEscapeHTML(false)
	res, err := sc.ScanCSV(ctx, f, enc, c.IDColumn, func(fd scan.Finding) error { return out.Encode(fd) })
	if res.Notice.ZH != "" {
		fmt.Fprintln(c.env.Stderr, "hulian:", res.Notice.In(c.env.Lang))
	}
	if err != nil {
		return err
	}
	if res.Findings > 0 {
		return ExitError{Code: 1}
	}
	return nil
}

// newScanner builds a scanner with the embedded term list or the one at
// path.
func scanNewScanner(env *Env, path string) (*scan.Scanner, error) {
	opts := scan.Options{Lang: env.Lang}
	if path != "" {
		f, err := scanOpenFile(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		t, err := scan.ParseTerms(f)
		if err != nil {
			return nil, err
		}
		opts.Terms = t
	}
	return scan.New(opts), nil
}

func scanOpenFile(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &errs.Error{Kind: errs.Invalid, Field: path, Reason: i18n.T("无法打开文件："+errs.OSReason(err), "cannot open the file: "+errs.OSReason(err)), Err: err}
	}
	return f, nil
}

func newScanCmd(env *Env) *cobra.Command {
	c := &ScanCmd{env: env}
	cmd := &cobra.Command{
		Use:   "scan FILE.csv --id-column NAME",
		Short: "scan a CSV for prohibited data (X-F1..X-F5, X-E4) / 扫描 CSV 中的禁止数据",
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
	cmd.Flags().StringVar(&c.Terms, "terms", "", "X5.1 content term list (default: embedded) / 禁止内容词表")
	cmd.Flags().StringVar(&c.Encoding, "encoding", "auto", "auto, utf-8 or gb18030 / 文件编码")
	return cmd
}

// scanOneFile accepts exactly one FILE argument; a usage error is invalid
// input (exit status 2) like a malformed flag.
func scanOneFile(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return errs.Invalidf("FILE", fmt.Sprintf("需要且只需要一个 CSV 文件参数，收到 %d 个", len(args)), fmt.Sprintf("exactly one CSV file argument is needed, got %d", len(args)))
	}
	return nil
}
