package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"hulian/internal/auth"
	"hulian/internal/i18n"
	"hulian/internal/platform"
	"hulian/internal/platform/issuance"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
)

// ExidKeyRotateCmd starts a new exID key epoch from the command line, for an
// operator with access to the platform's database and key-encryption key.
// Running platform processes pick the new epoch up when they restart; the
// old epoch keeps evaluating until it is retired.
type ExidKeyRotateCmd struct {
	env     *Env
	DB      string
	KEKFile string
}

func (c *ExidKeyRotateCmd) Run(ctx context.Context) error {
	db, err := store.Open(ctx, c.DB, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	sealer, err := server.OpenSealer(ctx, db, server.Config{DB: c.DB, KEKEnv: c.env.Getenv(server.EnvKEK), KEKFile: c.KEKFile, Logger: slog.New(slog.NewTextHandler(c.env.Stderr, nil))})
	if err != nil {
		return err
	}
	p := platform.New(db, nil)
	p.UseSealer(sealer)
	iss := issuance.New(p)
	if err := iss.Init(ctx); err != nil {
		return err
	}
	epoch, err := iss.RotateKey(auth.WithActor(ctx, auth.Actor{Role: auth.RoleOperator, Name: "cli:" + currentUser()}))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "%s %d\n", i18n.T("新的 exID 密钥纪元", "new exID key epoch").In(c.env.Lang), epoch)
	return nil
}

func newExidKeyCmd(env *Env) *cobra.Command {
	parent := &cobra.Command{Use: "exid-key", Short: "manage the platform's exID keys / 管理平台 exID 密钥"}
	c := &ExidKeyRotateCmd{env: env}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "start a new key epoch / 启用新的密钥纪元",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.DB = dbURL(env, c.DB, "sqlite://./hulian-platform.db")
			return c.Run(cmd.Context())
		},
	}
	rotate.Flags().StringVar(&c.DB, "db", "", "database URL (env HULIAN_DB)")
	rotate.Flags().StringVar(&c.KEKFile, "kek-file", "", "file holding the key-encryption key (env HULIAN_KEK takes precedence)")
	parent.AddCommand(rotate)
	return parent
}
