// Package cli wires hulian's commands. Each command is an option struct with
// Validate and Run(ctx) writing to injected streams, so tests drive commands
// directly; cobra only parses flags into those structs.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra" // flags after positional arguments ("hulian scan FILE --id-column x") need pflag's interspersed parsing

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Lang   i18n.Lang
}

// ExitError carries a command's exit status without printing anything more.
type ExitError struct{ Code int }

func (e ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Main runs hulian with args (without the program name) and returns the
// process exit status.
func Main(ctx context.Context, args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Lang == "" {
		env.Lang = i18n.FromEnv()
	}
	ctx = i18n.With(ctx, env.Lang)
	root := newRoot(env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	fmt.Fprintln(env.Stderr, "hulian:", errs.Message(err, env.Lang))
	if errs.KindOf(err) == errs.Invalid {
		return 2
	}
	return 1
}

func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "hulian",
		Short:         "hulian 互联: a compliant consumer-data exchange / 合规数据互联平台",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var lang string
	root.PersistentFlags().StringVar(&lang, "lang", "", "console language: zh-CN (default) or en")
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		if lang != "" {
			env.Lang = i18n.Parse(lang)
			cmd.SetContext(i18n.With(cmd.Context(), env.Lang))
		}
	}
	// Usage errors are invalid input: exit status 2 like other bad input.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &errs.Error{Kind: errs.Invalid, Reason: i18n.T(err.Error(), err.Error())}
	})
	for _, add := range commands {
		root.AddCommand(add(env))
	}
	return root
}

// commands lists every subcommand constructor; each lives in its own file.
var commands = []func(*Env) *cobra.Command{
	newVersionCmd,
	newScanCmd,
	newGateCmd,
	newPlatformCmd,
	newMigrateCmd,
	newLogCmd,
	newExidCmd,
	newNodeCmd,
	newQueryCmd,
	newDemoCmd,
	newDeliveryCmd,
	newKEKCmd,
	newTokenCmd,
	newCalendarCmd,
	newSettleCmd,
	newCheckCmd,
}
