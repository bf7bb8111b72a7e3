package cli

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is set at link time (-ldflags "-X hulian/internal/cli.Version=…");
// otherwise the module build information is used.
var Version = ""

// VersionCmd prints the build's version.
type VersionCmd struct{ env *Env }

func (c *VersionCmd) Run(ctx context.Context) error {
	v := Version
	if v == "" {
		v = "devel"
		if bi, ok := debug.ReadBuildInfo(); ok {
			if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			v += " " + bi.GoVersion
		}
	}
	_, err := fmt.Fprintln(c.env.Stdout, "hulian", v)
	return err
}

func newVersionCmd(env *Env) *cobra.Command {
	c := &VersionCmd{env: env}
	return &cobra.Command{
		Use:   "version",
		Short: "print the version / 显示版本",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return c.Run(cmd.Context()) },
	}
}
