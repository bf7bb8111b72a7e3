package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"hulian/internal/demo"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/keyring"
	"hulian/internal/storage/postgres"
)

// DemoCmd runs a whole exchange in one process for a new user: a platform
// and two member nodes, a synthetic population, and a narrated walkthrough
// from onboarding to delivery and log verification; then it keeps the
// three consoles serving until interrupted (or exits with --exit).
type DemoCmd struct {
	env          *Env
	Dir          string
	People       int
	Seed         uint64
	Population   string
	Exit         bool
	PlatformPort int
	SupplierPort int
	DemanderPort int
	DB           string // the platform's PostgreSQL database; empty: SQLite in Dir
	Crypto       string // the cryptography profile of the whole exchange

	peopleSet bool // --people given explicitly
}

func (c *DemoCmd) Validate() error {
	switch {
	case c.People < 0:
		return errs.Invalidf("--people", "人数不能为负数", "the number of people cannot be negative")
	case c.People > 100_000_000:
		return errs.Invalidf("--people", "人数至多 1 亿", "at most 100 million people")
	case c.Population != "" && c.peopleSet:
		return errs.Invalidf("--people", "--people 与 --population 不能同时使用", "--people and --population cannot be combined")
	}
	if _, err := keyring.ParseProfile("--crypto", c.Crypto); err != nil {
		return err
	}
	if c.DB != "" && !postgres.IsURL(c.DB) {
		return errs.Invalidf("--db", "--db 须为空的 PostgreSQL 数据库地址（postgres://…）；不指定时平台使用演示目录中的 SQLite", "--db takes an empty PostgreSQL database (postgres://…); without it the platform uses SQLite in the demo's directory")
	}
	for _, p := range []struct {
		name string
		port int
	}{{"--platform-port", c.PlatformPort}, {"--supplier-port", c.SupplierPort}, {"--demander-port", c.DemanderPort}} {
		if p.port < 0 || p.port > 65535 {
			return errs.Invalidf(p.name, "端口须在 0 到 65535 之间（0 为任意空闲端口）", "a port is 0 to 65535 (0 for any free port)")
		}
	}
	return nil
}

func (c *DemoCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	people := c.People
	if c.Population != "" {
		people = 0
	}
	d, err := demo.Start(ctx, demo.Options{Dir: c.Dir, People: people, Seed: c.Seed, Population: c.Population,
		PlatformDB: c.DB, PlatformPort: c.PlatformPort, SupplierPort: c.SupplierPort, DemanderPort: c.DemanderPort, Crypto: c.Crypto, Out: c.env.Stdout, Lang: c.env.Lang})
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Walk(ctx); err != nil {
		var se *demo.StepError
		if errors.As(err, &se) {
			fmt.Fprintln(c.env.Stderr, "hulian:", se.Text(c.env.Lang))
			return ExitError{Code: 1}
		}
		return err
	}
	if c.Exit {
		return nil
	}
	d.PrintConsoles()
	if err := d.Wait(ctx); err != nil {
		return err
	}
	fmt.Fprintln(c.env.Stdout, i18n.T("已停止。", "stopped.").In(c.env.Lang))
	return nil
}

func newDemoCmd(env *Env) *cobra.Command {
	c := &DemoCmd{env: env}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "run a platform and two member nodes through a whole exchange, then serve their consoles / 演示",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.peopleSet = cmd.Flags().Changed("people")
			if c.DB == "" {
				c.DB = env.Getenv("HULIAN_DB")
			}
			return c.Run(cmd.Context())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&c.Dir, "dir", "", "keep the stores here (platform.db, supplier.db, demander.db and their .kek files); default: a temporary directory removed at exit / 数据目录")
	fl.StringVar(&c.DB, "db", "", "run the platform on this empty PostgreSQL database (postgres://…; env HULIAN_DB) instead of SQLite in --dir; the nodes stay on SQLite / 平台数据库")
	fl.IntVar(&c.People, "people", demo.DefaultPeople, "size of the synthetic population / 合成人数")
	fl.Uint64Var(&c.Seed, "seed", 1, "seed of the synthetic population: the same seed gives the same people / 随机种子")
	fl.StringVar(&c.Population, "population", "", "a file of mobile numbers, one per line, instead of synthetic ones / 人口文件")
	fl.BoolVar(&c.Exit, "exit", false, "exit after the walkthrough: status 0 only if every step succeeded / 走完即退出")
	fl.IntVar(&c.PlatformPort, "platform-port", demo.DefaultPlatformPort, "the platform's port on 127.0.0.1 (a free one if taken) / 平台端口")
	fl.IntVar(&c.SupplierPort, "supplier-port", demo.DefaultSupplierPort, "the supplier node's port / 供应方节点端口")
	fl.IntVar(&c.DemanderPort, "demander-port", demo.DefaultDemanderPort, "the demander node's port / 需求方节点端口")
	fl.StringVar(&c.Crypto, "crypto", "", "cryptography profile of the platform and both nodes: default, or gm (国密: SM2 with SM3 signatures, SM4-GCM at rest) / 密码配置")
	return cmd
}
