package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/protocol/ident"
)

// exidCommands lists the subcommands of "hulian exid"; each lives in its own
// file and adds its constructor here.
var exidCommands = []func(*Env) *cobra.Command{
	newExidNormalizeCmd,
	newExidConformanceCmd,
	newExidTranslateCmd,
}

func newExidCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exid",
		Short: "members turn raw IDs into exIDs / 成员把原始标识转换为 exID",
		Args:  cobra.NoArgs,
	}
	for _, add := range exidCommands {
		cmd.AddCommand(add(env))
	}
	return cmd
}

// ExidNormalizeCmd prints the canonical form (格式规整) of one identifier, so
// that a member can see what the platform's protocol will be fed before
// translating a whole file.
type ExidNormalizeCmd struct {
	env   *Env
	Type  string // --type, an ident.Type name
	Value string // the one positional argument

	typ ident.Type
}

func (c *ExidNormalizeCmd) Validate() error {
	t, err := ident.ParseType(c.Type)
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) {
			e.Field = "--type"
		}
		return err
	}
	c.typ = t
	return nil
}

func (c *ExidNormalizeCmd) Run(ctx context.Context) error {
	out, err := ident.Normalize(c.typ, c.Value)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(c.env.Stdout, out)
	return err
}

func newExidNormalizeCmd(env *Env) *cobra.Command {
	c := &ExidNormalizeCmd{env: env}
	cmd := &cobra.Command{
		Use:   "normalize --type TYPE [--] VALUE",
		Short: "print an identifier's canonical form / 显示标识的规整格式",
		Long: "Prints the canonical form of VALUE and exits 0, or prints what is wrong with it and exits 2.\n" +
			"显示 VALUE 的规整格式并以 0 退出；格式不对时说明原因并以 2 退出。\n\n" +
			"TYPE: " + typeList() + "\n\n" +
			"Quote a VALUE that holds spaces; put -- before a VALUE that starts with a dash.\n" +
			"含空格的 VALUE 请加引号；以短横线开头的 VALUE 前请加 --。",
		Example: "  hulian exid normalize --type mobile -- \"138 0013 8000\"",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &errs.Error{Kind: errs.Invalid, Field: "VALUE", Reason: i18n.T(
					fmt.Sprintf("需要正好一个要规整的值（收到 %d 个）；含空格的值请加引号", len(args)),
					fmt.Sprintf("needs exactly one value to normalise (got %d); quote a value that holds spaces", len(args)))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Value = args[0]
			if err := c.Validate(); err != nil {
				return err
			}
			return c.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&c.Type, "type", "", "identifier type: "+typeList())
	return cmd
}

func typeList() string {
	s := ""
	for i, t := range ident.Types() {
		if i > 0 {
			s += ", "
		}
		s += string(t)
	}
	return s
}
