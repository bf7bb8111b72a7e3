package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// NodeBackupCmd copies the node's SQLite database while it serves (O-5).
type NodeBackupCmd struct {
	env *Env
	nodeFlags
	Out string
}

func (c *NodeBackupCmd) Run(ctx context.Context) error {
	if c.Out == "" {
		return errs.Invalidf("--out", "请用 --out 指定备份文件（不能是已有文件）", "name the backup file with --out (not an existing one)")
	}
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	b, err := n.Backup(ctx, c.Out)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, i18n.T("已备份到 %s（%d 字节，结构版本 %d，已通过完整性检查）；恢复时需要同一把密钥加密密钥，请与备份分开保管\n",
		"backed up to %s (%d bytes, schema %d, integrity checked); restoring it needs the same key-encryption key: keep that apart from the backup\n").In(c.env.Lang), b.Path, b.Bytes, b.Schema)
	return nil
}

func newNodeBackupCmd(env *Env) *cobra.Command {
	c := &NodeBackupCmd{env: env}
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: i18n.T("在节点运行时备份其 SQLite 数据库（敏感字段保持加密），并检查备份；PostgreSQL 用其自身的备份手段", "back up the node's SQLite database while it serves (sensitive fields stay encrypted) and check the copy; PostgreSQL is backed up by its own means").In(env.Lang),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd, false)
	cmd.Flags().StringVar(&c.Out, "out", "", i18n.T("备份文件（不会覆盖已有文件）", "the backup file (an existing one is never overwritten)").In(env.Lang))
	return cmd
}
