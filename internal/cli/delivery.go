package cli

import (
	"context"

	"github.com/spf13/cobra"

	"hulian/internal/protocol/conformance"
)

// newDeliveryCmd is "hulian delivery": the delivery module's tools for
// members that build their own (X-A2).
func newDeliveryCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "delivery",
		Short: "Delivery module tools / 配送模块工具",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newDeliveryConformanceCmd(env))
	return cmd
}

// DeliveryConformanceCmd is the conformance kit for members that implement
// the delivery protocol themselves: order keys and tokens, opening a
// sealed answer, and the supplier's signed answer statement.
type DeliveryConformanceCmd struct {
	env     *Env
	Vectors string // --vectors: a vectors file; the built-in vectors if empty
	Results string // --results: the implementation's results; print vectors if empty
}

func (c *DeliveryConformanceCmd) Run(ctx context.Context) error {
	return runConformance(c.env, conformanceKit[*conformance.Vectors]{
		builtin: conformance.Builtin,
		parse:   conformance.ParseVectors,
		check: func(v *conformance.Vectors, b []byte) (int, []mismatch, error) {
			r, err := conformance.ParseResults(b)
			if err != nil {
				return 0, nil, err
			}
			checks, bad := conformance.Check(v, r)
			return checks, mismatches(bad), nil
		},
	}, c.Vectors, c.Results)
}

func newDeliveryConformanceCmd(env *Env) *cobra.Command {
	c := &DeliveryConformanceCmd{env: env}
	cmd := &cobra.Command{
		Use:   "conformance [--vectors FILE] [--results FILE]",
		Short: "Delivery protocol test vectors and checker / 配送协议一致性测试向量与检查",
		Long: "Without --results, prints the test vectors as JSON (docs/conformance/delivery-vectors.json). With --results,\n" +
			"checks an implementation's results (tokens[] with token_hex, opened_plaintext_hex, commitment_hex,\n" +
			"statement_text, statement_signature_hex, authenticator_hex) against them, printing every mismatch and \"N passed, M failed\";\n" +
			"exits 1 on any mismatch.\n" +
			"不带 --results 时以 JSON 输出测试向量；带 --results 时检查实现的结果（令牌、解封的应答、承诺值、应答声明及其签名），\n" +
			"逐项列出不符之处，有不符时以 1 退出。",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.Run(cmd.Context()) },
	}
	cmd.Flags().StringVar(&c.Vectors, "vectors", "", "vectors file (default: the built-in vectors)")
	cmd.Flags().StringVar(&c.Results, "results", "", "results of the implementation under test")
	return cmd
}
