package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/server"
	"hulian/internal/platform/store"
	"hulian/internal/storage"
	"hulian/internal/tlsfiles"
)

// dbURL picks the database: the flag, else HULIAN_DB, else the default file
// in the working directory.
func dbURL(env *Env, flag, def string) string {
	if flag != "" {
		return flag
	}
	if v := env.Getenv("HULIAN_DB"); v != "" {
		return v
	}
	return def
}

// newLogger makes the process logger: text by default, JSON for log
// collectors. Logs go to stderr, which is where services are expected to log.
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, errs.Invalidf("--log-format", "日志格式须为 text 或 json", "log format must be text or json")
}

// PlatformCmd runs the operator's exchange platform.
type PlatformCmd struct {
	env           *Env
	Listen        string
	DB            string
	LogFormat     string
	SecureCookies bool
	KEKFile       string
	Checkpoints   logkeeper.Config
	// AllowEndpoints are CIDR networks besides the public internet where
	// members' answer endpoints may be (a private network of a test
	// installation, say).
	AllowEndpoints []string
	allow          []netip.Prefix
	TLS            tlsfiles.Server
	EndpointTLS    tlsfiles.Client
	MetricsListen  string
	Crypto         string
}

func (c *PlatformCmd) Validate() error {
	if c.Listen == "" {
		return errs.Invalidf("--listen", "监听地址不能为空", "listen address is required")
	}
	c.allow = nil
	for _, a := range c.AllowEndpoints {
		p, err := netip.ParsePrefix(strings.TrimSpace(a))
		if err != nil {
			return errs.Invalidf("--allow-endpoints", "须为网段，如 10.0.0.0/8 或 127.0.0.0/8："+a, "must be networks such as 10.0.0.0/8 or 127.0.0.0/8: "+a)
		}
		c.allow = append(c.allow, p)
	}
	if err := c.TLS.Check(); err != nil {
		return err
	}
	if err := c.EndpointTLS.Check(); err != nil {
		return err
	}
	_, err := storage.EngineFor(c.DB)
	return err
}

func (c *PlatformCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	logger, err := newLogger(c.env.Stderr, c.LogFormat)
	if err != nil {
		return err
	}
	cal, err := holidays(c.env)
	if err != nil {
		return err
	}
	m, err := server.Open(ctx, server.Config{Calendar: cal, Listen: c.Listen, DB: c.DB, Logger: logger, SecureCookies: c.SecureCookies, KEKEnv: c.env.Getenv(server.EnvKEK), KEKFile: c.KEKFile, Checkpoints: c.Checkpoints, AllowEndpoints: c.allow,
		TLS: c.TLS, EndpointTLS: c.EndpointTLS, MetricsListen: c.MetricsListen, Crypto: cmp.Or(c.Crypto, c.env.Getenv("HULIAN_CRYPTO"))})
	if err != nil {
		return err
	}
	defer m.Close()
	if need, err := m.Platform.NeedsBootstrap(ctx); err == nil && need {
		fmt.Fprintln(c.env.Stderr, i18n.T(
			"平台尚无运营方账户。请创建第一个运营方账户（密码从标准输入读取）：\n  hulian platform admin create --db "+storage.Redact(c.DB)+" --role operator --login admin --name 管理员 --password-stdin",
			"The platform has no operator account yet. Create the first one (the password is read from standard input):\n  hulian platform admin create --db "+storage.Redact(c.DB)+" --role operator --login admin --name Admin --password-stdin",
		).In(c.env.Lang))
	}
	fmt.Fprintln(c.env.Stderr, i18n.T("平台控制台：", "Platform console: ").In(c.env.Lang)+m.URL()+"/")
	return m.Run(ctx)
}

func newPlatformCmd(env *Env) *cobra.Command {
	c := &PlatformCmd{env: env}
	cmd := &cobra.Command{
		Use:   "platform",
		Short: "run the exchange platform (运营方平台)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.DB = dbURL(env, c.DB, "sqlite://./hulian-platform.db")
			if err := c.checkpointPolicy(cmd); err != nil {
				return err
			}
			return c.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.Int64Var(&c.Checkpoints.Every, "checkpoint-every", 0, "sign a log checkpoint after this many new entries (env HULIAN_LOG_CHECKPOINT_EVERY; default 1000)")
	f.DurationVar(&c.Checkpoints.Interval, "checkpoint-interval", 0, "longest wait of a new entry for a checkpoint (env HULIAN_LOG_CHECKPOINT_INTERVAL; default 10s)")
	f.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&c.DB, "db", "", "database URL: sqlite:///path/file.db or postgres://… (env HULIAN_DB)")
	f.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark cookies Secure with the __Host- prefix (when HTTPS ends at a proxy in front; automatic with --tls-cert)")
	tlsFlags(f, &c.TLS, &c.EndpointTLS, "members' answer endpoints")
	f.StringVar(&c.MetricsListen, "metrics-listen", "", "serve /metrics on this address of its own, e.g. 127.0.0.1:9090 (default: not served)")
	f.StringVar(&c.Crypto, "crypto", "", "cryptography profile, fixed at the first start: default, or gm (国密: SM4-GCM for sealed keys, SM2 with SM3 for the log's signatures) (env HULIAN_CRYPTO)")
	f.StringSliceVar(&c.AllowEndpoints, "allow-endpoints", nil, "networks (CIDR, comma-separated) where members' answer endpoints may be besides the public internet; loopback, private and link-local addresses are refused otherwise")
	f.StringVar(&c.KEKFile, "kek-file", "", "file holding the key-encryption key in base64 (env HULIAN_KEK takes precedence; default with SQLite: a generated file beside the database)")
	cmd.AddCommand(newAdminCmd(env), newExidKeyCmd(env))
	return cmd
}

// AdminCreateCmd creates a platform staff account from the command line:
// the first operator on a new platform, or any staff account by someone
// with access to the database.
type AdminCreateCmd struct {
	env           *Env
	DB            string
	Role          string
	Login         string
	Name          string
	PasswordStdin bool
}

func (c *AdminCreateCmd) Validate() error {
	if _, err := auth.ParseRole(c.Role); err != nil || !auth.Role(c.Role).IsStaff() {
		return errs.Invalidf("--role", "平台账户角色须为 operator 或 regulator", "platform account role must be operator or regulator")
	}
	if c.Login == "" {
		return errs.Invalidf("--login", "须指定登录名", "--login is required")
	}
	if c.Name == "" {
		return errs.Invalidf("--name", "须指定姓名", "--name is required")
	}
	return nil
}

func (c *AdminCreateCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	password, err := readPassword(c.env, c.PasswordStdin)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, c.DB, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	p := platform.New(db, nil)
	// From the command line, whoever can open the database is trusted for
	// the first operator; later staff accounts need an operator's login
	// (the console or API) unless this is the bootstrap.
	need, err := p.NeedsBootstrap(ctx)
	if err != nil {
		return err
	}
	if !need {
		ctx = auth.WithActor(ctx, auth.Actor{Role: auth.RoleOperator, Name: "cli:" + currentUser()})
	}
	a, err := p.CreateStaff(ctx, auth.Role(c.Role), c.Login, c.Name, password, need)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "%s %s (%s)\n", i18n.T("已创建账户", "created account").In(c.env.Lang), a.Login, a.Role)
	return nil
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

func newAdminCmd(env *Env) *cobra.Command {
	admin := &cobra.Command{Use: "admin", Short: "manage platform staff accounts"}
	c := &AdminCreateCmd{env: env}
	create := &cobra.Command{
		Use:   "create",
		Short: "create an operator or regulator account",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.DB = dbURL(env, c.DB, "sqlite://./hulian-platform.db")
			return c.Run(cmd.Context())
		},
	}
	f := create.Flags()
	f.StringVar(&c.DB, "db", "", "database URL (env HULIAN_DB)")
	f.StringVar(&c.Role, "role", "", "operator or regulator")
	f.StringVar(&c.Login, "login", "", "login name")
	f.StringVar(&c.Name, "name", "", "display name")
	f.BoolVar(&c.PasswordStdin, "password-stdin", false, "read the password from standard input")
	admin.AddCommand(create)
	return admin
}

// MigrateCmd applies pending migrations to a database.
type MigrateCmd struct {
	env *Env
	DB  string
}

func (c *MigrateCmd) Run(ctx context.Context) error {
	if _, err := storage.EngineFor(c.DB); err != nil {
		return err
	}
	db, err := store.Open(ctx, c.DB, store.Options{NoMigrate: true})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(c.env.Stdout, i18n.T("数据库已是最新版本", "the database is up to date").In(c.env.Lang))
		return nil
	}
	fmt.Fprintf(c.env.Stdout, "%s %v\n", i18n.T("已应用迁移", "applied migrations").In(c.env.Lang), applied)
	return nil
}

func newMigrateCmd(env *Env) *cobra.Command {
	c := &MigrateCmd{env: env}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "apply database migrations (also done at start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.DB = dbURL(env, c.DB, "sqlite://./hulian-platform.db")
			return c.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&c.DB, "db", "", "database URL (env HULIAN_DB)")
	return cmd
}

// checkpointPolicy fills the checkpoint policy from the environment where
// the flags were not given.
func (c *PlatformCmd) checkpointPolicy(cmd *cobra.Command) error {
	if v := c.env.Getenv("HULIAN_LOG_CHECKPOINT_EVERY"); v != "" && !cmd.Flags().Changed("checkpoint-every") {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errs.Invalidf("HULIAN_LOG_CHECKPOINT_EVERY", "须为正整数", "must be a positive integer")
		}
		c.Checkpoints.Every = n
	}
	if v := c.env.Getenv("HULIAN_LOG_CHECKPOINT_INTERVAL"); v != "" && !cmd.Flags().Changed("checkpoint-interval") {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errs.Invalidf("HULIAN_LOG_CHECKPOINT_INTERVAL", "须为正的时长，如 10s", "must be a positive duration such as 10s")
		}
		c.Checkpoints.Interval = d
	}
	if c.Checkpoints.Every < 0 || c.Checkpoints.Interval < 0 {
		return errs.Invalidf("--checkpoint-every", "检查点策略不能为负", "the checkpoint policy cannot be negative")
	}
	return nil
}

// tlsFlags are the TLS flags of the platform and the node: the server's
// certificate and client CA, and what outbound calls to peer add.
func tlsFlags(f *pflag.FlagSet, srv *tlsfiles.Server, out *tlsfiles.Client, peer string) {
	f.StringVar(&srv.Cert, "tls-cert", "", "serve HTTPS with this certificate (PEM; reloaded when the file changes)")
	f.StringVar(&srv.Key, "tls-key", "", "the private key of --tls-cert (PEM)")
	f.StringVar(&srv.ClientCA, "client-ca", "", "mutual TLS: accept client certificates from this CA (PEM) and require them where the protocol says")
	f.StringVar(&out.CA, "tls-ca", "", "trust this CA (PEM) besides the system's when calling "+peer)
	f.StringVar(&out.Cert, "tls-client-cert", "", "present this client certificate (PEM) when calling "+peer)
	f.StringVar(&out.Key, "tls-client-key", "", "the private key of --tls-client-cert (PEM)")
}
