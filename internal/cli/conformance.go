package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// mismatch is one difference a conformance kit reports.
type mismatch struct{ name, want, got string }

// conformanceKit is what `hulian exid conformance` and `hulian delivery
// conformance` differ in: where the vectors come from and how results are
// checked against them. The rest, flags, printing and exit status, is one.
type conformanceKit[V any] struct {
	builtin func() (V, error)
	parse   func([]byte) (V, error)
	check   func(v V, results []byte) (checks int, bad []mismatch, err error)
}

// runConformance prints the vectors (from vectorsFile, or the built-in
// ones) as JSON, or, with resultsFile, checks an implementation's results
// against them, printing every mismatch and "N passed, M failed"; any
// mismatch exits 1.
func runConformance[V any](env *Env, kit conformanceKit[V], vectorsFile, resultsFile string) error {
	var v V
	var err error
	if vectorsFile == "" {
		v, err = kit.builtin()
	} else {
		var b []byte
		if b, err = os.ReadFile(vectorsFile); err != nil {
			return errs.Invalidf("--vectors", "无法读取向量文件："+err.Error(), "cannot read the vectors file: "+err.Error())
		}
		v, err = kit.parse(b)
	}
	if err != nil {
		return err
	}
	if resultsFile == "" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	b, err := os.ReadFile(resultsFile)
	if err != nil {
		return errs.Invalidf("--results", "无法读取结果文件："+err.Error(), "cannot read the results file: "+err.Error())
	}
	checks, bad, err := kit.check(v, b)
	if err != nil {
		return err
	}
	for _, m := range bad {
		fmt.Fprintf(env.Stdout, "%s %s: %s %q, %s %q\n", i18n.T("不符", "FAIL").In(env.Lang), m.name,
			i18n.T("应为", "want").In(env.Lang), m.want, i18n.T("实为", "got").In(env.Lang), m.got)
	}
	fmt.Fprintf(env.Stdout, "%d passed, %d failed\n", checks-len(bad), len(bad))
	if len(bad) > 0 {
		return ExitError{Code: 1}
	}
	return nil
}
