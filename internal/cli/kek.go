package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
)

// KEKNewCmd makes a key-encryption key file for a platform or a node on
// PostgreSQL (on SQLite one is generated beside the database).
type KEKNewCmd struct {
	env *Env
	Out string
}

func (c *KEKNewCmd) Run(ctx context.Context) error {
	if c.Out == "" {
		return errs.Invalidf("--out", "请用 --out 指定密钥文件的路径", "name the key file with --out")
	}
	created, err := keyring.CreateKEKFile(c.Out)
	if err != nil {
		reason := errs.OSReason(err)
		return errs.Invalidf("--out", fmt.Sprintf("无法写入 %s：%s", c.Out, reason), fmt.Sprintf("cannot write %s: %s", c.Out, reason))
	}
	if !created {
		return errs.Invalidf("--out", "文件 "+c.Out+" 已存在；不会覆盖已有的密钥", c.Out+" exists; an existing key is never overwritten")
	}
	fmt.Fprintf(c.env.Stdout, i18n.T(
		"已生成密钥加密密钥 %s（仅本用户可读）。启动时使用 --kek-file %s 或环境变量 HULIAN_KEK / HULIAN_NODE_KEK。\n请另存一份，与数据库备份分开保管：丢失后，用它封存的密钥无法恢复。\n",
		"made the key-encryption key %s (readable by you only). Start with --kek-file %s or put it in HULIAN_KEK / HULIAN_NODE_KEK.\nKeep a copy apart from the database's backups: without it the keys sealed under it cannot be recovered.\n").In(c.env.Lang), c.Out, c.Out)
	return nil
}

func newKEKCmd(env *Env) *cobra.Command {
	kek := &cobra.Command{Use: "kek", Short: "key-encryption keys / 密钥加密密钥"}
	c := &KEKNewCmd{env: env}
	n := &cobra.Command{Use: "new", Short: "make a new key-encryption key file (mode 0600)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return c.Run(cmd.Context()) }}
	n.Flags().StringVar(&c.Out, "out", "", "the key file to create / 密钥文件")
	kek.AddCommand(n)
	return kek
}
