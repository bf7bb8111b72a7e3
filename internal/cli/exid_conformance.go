package cli

import (
	"context"

	"github.com/spf13/cobra"

	"hulian/internal/protocol/exid"
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
	return runConformance(c.env, conformanceKit[*exid.Vectors]{
		builtin: exid.GenerateVectors,
		parse:   exid.ParseVectors,
		check: func(v *exid.Vectors, b []byte) (int, []mismatch, error) {
			r, err := exid.ParseResults(b)
			if err != nil {
				return 0, nil, err
			}
			checks, bad := exid.Check(v, r)
			return checks, mismatches(bad), nil
		},
	}, c.Vectors, c.Results)
}

// mismatches converts a kit's mismatches for printing.
func mismatches(bad []exid.Mismatch) []mismatch {
	out := make([]mismatch, len(bad))
	for i, m := range bad {
		out[i] = mismatch{m.Case + " " + m.Field, m.Want, m.Got}
	}
	return out
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
