package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/exid"
	"hulian/internal/i18n"
)

// ExidConformanceCmd is the conformance kit for members that implement the
// exID protocol themselves (X-A2): it prints the test vectors, or checks an
// implementation's results against them.
type ExidConformanceCmd struct {
	env     *Env
	Vectors string // --vectors: a vectors file; the built-in vectors if empty
	Results string // --results: the implementation's results; print vectors if empty
}

func (c *ExidConformanceCmd) Run(ctx context.Context) error {
	var v *exid.Vectors
	var err error
	if c.Vectors == "" {
		v, err = exid.GenerateVectors()
	} else {
		var b []byte
		if b, err = os.ReadFile(c.Vectors); err != nil {
			return errs.Invalidf("--vectors", "无法读取向量文件："+err.Error(), "cannot read the vectors file: "+err.Error())
		}
		v, err = exid.ParseVectors(b)
	}
	if err != nil {
		return err
	}
	if c.Results == "" {
		enc := json.NewEncoder(c.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	b, err := os.ReadFile(c.Results)
	if err != nil {
		return errs.Invalidf("--results", "无法读取结果文件："+err.Error(), "cannot read the results file: "+err.Error())
	}
	r, err := exid.ParseResults(b)
	if err != nil {
		return err
	}
	checks, bad := exid.Check(v, r)
	for _, m := range bad {
		fmt.Fprintf(c.env.Stdout, "%s %s: %s %q, %s %q\n", i18n.T("不符", "FAIL").In(c.env.Lang), m.Case+" "+m.Field,
			i18n.T("应为", "want").In(c.env.Lang), m.Want, i18n.T("实为", "got").In(c.env.Lang), m.Got)
	}
	fmt.Fprintf(c.env.Stdout, "%d passed, %d failed\n", checks-len(bad), len(bad))
	if len(bad) > 0 {
		return ExitError{Code: 1}
	}
	return nil
}

func newExidConformanceCmd(env *Env) *cobra.Command {
	c := &ExidConformanceCmd{env: env}
	cmd := &cobra.Command{
		Use:   "conformance [--vectors FILE] [--results FILE]",
		Short: "exID protocol test vectors and checker / exID 协议一致性测试向量与检查",
		Long: "Without --results, prints the test vectors as JSON. With --results, checks an implementation's results\n" +
			"(same shape: normalize[], exid[] with input_hex, blinded_hex, output_hex, exid, and batch_proof_verified)\n" +
			"against the vectors, printing every mismatch and \"N passed, M failed\"; exits 1 on any mismatch.\n" +
			"不带 --results 时以 JSON 输出测试向量；带 --results 时检查实现的结果，逐项列出不符之处，有不符时以 1 退出。",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.Run(cmd.Context()) },
	}
	cmd.Flags().StringVar(&c.Vectors, "vectors", "", "vectors file (default: the built-in vectors)")
	cmd.Flags().StringVar(&c.Results, "results", "", "results of the implementation under test")
	return cmd
}
