package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/node"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/platformclient"
	"hulian/internal/node/server"
	"hulian/internal/node/supply"
	"hulian/internal/sig"
	"hulian/internal/storage"
	"hulian/internal/storage/sqlite"
	"hulian/internal/tlsfiles"
)

const defaultNodeDB = "sqlite://./hulian-node.db"

// nodeFlags are the flags every node command shares.
type nodeFlags struct {
	DB           string
	KEKFile      string
	Platform     string
	Member       string
	InsecureHTTP bool
	Crypto       string
	PlatformTLS  tlsfiles.Client // what calls to the platform add: CAs, a client certificate
}

func (f *nodeFlags) register(cmd *cobra.Command, withPlatform bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.DB, "db", "", "node database URL: sqlite:///path/file.db or postgres://… (env HULIAN_DB; default "+defaultNodeDB+")")
	fl.StringVar(&f.KEKFile, "kek-file", "", "file holding the key-encryption key in base64 (env "+nodekey.EnvKEK+" takes precedence; default: a generated file beside the SQLite database)")
	if withPlatform {
		fl.StringVar(&f.Platform, "platform", "", "the platform's base URL, e.g. https://platform.example.cn (remembered by the node)")
		fl.StringVar(&f.Member, "member", "", "this member's ID on the platform, mem_… (remembered by the node)")
		fl.BoolVar(&f.InsecureHTTP, "insecure-http", false, "accept an http:// platform URL on the internet (not advised: requests and answers travel readable)")
	}
	fl.StringVar(&f.Crypto, "crypto", "", "cryptography profile: default (AES-256-GCM at rest) or gm (SM4-GCM, 国密); remembered by the node (env HULIAN_CRYPTO)")
	fl.StringVar(&f.PlatformTLS.CA, "tls-ca", "", "trust this CA (PEM) besides the system's when calling the platform")
	fl.StringVar(&f.PlatformTLS.Cert, "tls-client-cert", "", "present this client certificate (PEM) when calling the platform (mutual TLS)")
	fl.StringVar(&f.PlatformTLS.Key, "tls-client-key", "", "the private key of --tls-client-cert (PEM)")
}

func (f *nodeFlags) config(env *Env, logger *slog.Logger) (node.Config, error) {
	tlsCfg, err := f.PlatformTLS.Config(logger)
	if err != nil {
		return node.Config{}, err
	}
	return node.Config{
		DB: f.DB, KEKEnv: env.Getenv(nodekey.EnvKEK), KEKFile: f.KEKFile,
		MemberID: strings.TrimSpace(f.Member), PlatformURL: strings.TrimSpace(f.Platform), InsecureHTTP: f.InsecureHTTP,
		Crypto: cmp.Or(f.Crypto, env.Getenv("HULIAN_CRYPTO")),
		Logger: logger, NewPlatform: platformclient.WithTLS(tlsCfg),
	}, nil
}

func (f *nodeFlags) resolveDB(env *Env) { f.DB = dbURL(env, f.DB, defaultNodeDB) }

// requireExisting refuses, before anything is created, to run a command
// that works on an existing node when its SQLite file is not there: such a
// command in the wrong folder would otherwise make a new node, with keys,
// and then fail for want of its configuration.
func (f *nodeFlags) requireExisting() error {
	if !strings.HasPrefix(f.DB, "sqlite:") {
		return nil
	}
	if _, err := sqlite.Path(f.DB); err != nil {
		return errs.Invalidf("--db", err.Error(), err.Error())
	}
	if p, missing := missingSQLite(f.DB); missing {
		return errs.Invalidf("--db", fmt.Sprintf("这里没有节点数据库 %s；请用 --db（或环境变量 HULIAN_DB）指定成员节点的数据库，或先运行 hulian node 初始化节点", p),
			fmt.Sprintf("there is no node database at %s; name the member's node database with --db (or HULIAN_DB), or set up a node first with hulian node", p))
	}
	return nil
}

// missingSQLite reports whether dsn names a SQLite file that is not there,
// with its path: opening it would make a new, empty database.
func missingSQLite(dsn string) (string, bool) {
	p, err := sqlite.Path(dsn)
	if err != nil {
		return "", false
	}
	_, err = os.Stat(p)
	return p, errors.Is(err, fs.ErrNotExist)
}

// checkReadable opens path, given by flag, and says why it cannot be read:
// inputs are checked before anything is created.
func checkReadable(flag, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fileError(flag, path, err)
	}
	return f.Close()
}

// NodeCmd runs a member's node: its store, keys and console.
type NodeCmd struct {
	env *Env
	nodeFlags
	Listen        string
	LogFormat     string
	PublicURL     string
	TLS           tlsfiles.Server
	AnswerListen  string
	MetricsListen string
	// IndexMemory and DatasetMemory are in MiB (--index-memory,
	// --dataset-memory); 0 keeps the node's defaults.
	IndexMemory, DatasetMemory int64
}

func (c *NodeCmd) Validate() error {
	if c.Listen == "" {
		return errs.Invalidf("--listen", "监听地址不能为空", "listen address is required")
	}
	if c.PublicURL != "" {
		u, err := node.CheckPublicURL("--public-url", c.PublicURL)
		if err != nil {
			return err
		}
		c.PublicURL = u
	}
	if c.IndexMemory < 0 {
		return errs.Invalidf("--index-memory", "内存上限不能为负数", "a memory limit cannot be negative")
	}
	if c.DatasetMemory < 0 {
		return errs.Invalidf("--dataset-memory", "内存上限不能为负数", "a memory limit cannot be negative")
	}
	// Member ID and platform URL are checked by node.Open; either may be
	// left out when the node remembers it from an earlier start.
	return c.TLS.Check()
}

func (c *NodeCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	logger, err := newLogger(c.env.Stderr, c.LogFormat)
	if err != nil {
		return err
	}
	cfg, err := c.config(c.env, logger)
	if err != nil {
		return err
	}
	m, err := server.Open(ctx, server.Config{Listen: c.Listen, PublicURL: c.PublicURL, Node: cfg, TLS: c.TLS, AnswerListen: c.AnswerListen, MetricsListen: c.MetricsListen,
		IndexMemory: c.IndexMemory << 20, DatasetMemory: c.DatasetMemory << 20})
	if err != nil {
		return err
	}
	defer m.Close()
	if m.Node.MemberID() == "" || m.Node.PlatformURL() == "" {
		fmt.Fprintln(c.env.Stderr, i18n.T(
			"节点尚未关联成员和平台。开户第三、四步：\n  hulian node keys                 # 查看节点公钥\n  hulian node register-keys --platform URL --member mem_… --token-file 令牌文件\n  hulian node integrate",
			"The node is not linked to a member and platform yet. Onboarding steps 3 and 4:\n  hulian node keys                 # show the node's public keys\n  hulian node register-keys --platform URL --member mem_… --token-file FILE\n  hulian node integrate",
		).In(c.env.Lang))
	}
	fmt.Fprintln(c.env.Stderr, i18n.T("节点控制台：", "Node console: ").In(c.env.Lang)+m.URL()+"/")
	if none, err := m.Staff.NeedsBootstrap(ctx); err == nil && none {
		fmt.Fprintln(c.env.Stderr, i18n.T(
			"节点控制台还没有账户。创建第一个（密码从标准输入读取）：\n  hulian node staff add --db "+storage.Redact(c.DB)+" --login admin --name 管理员 --password-stdin",
			"The node console has no account yet. Create the first one (the password is read from standard input):\n  hulian node staff add --db "+storage.Redact(c.DB)+" --login admin --name Admin --password-stdin").In(c.env.Lang))
	}
	return m.Run(ctx)
}

func newNodeCmd(env *Env) *cobra.Command {
	c := &NodeCmd{env: env}
	cmd := &cobra.Command{
		Use:   "node",
		Short: "run a member's node (成员节点)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd, true)
	cmd.Flags().StringVar(&c.Listen, "listen", "127.0.0.1:8081", "address to listen on")
	cmd.Flags().StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	cmd.Flags().StringVar(&c.TLS.Cert, "tls-cert", "", "serve HTTPS with this certificate (PEM; reloaded when the file changes)")
	cmd.Flags().StringVar(&c.TLS.Key, "tls-key", "", "the private key of --tls-cert (PEM)")
	cmd.Flags().StringVar(&c.TLS.ClientCA, "client-ca", "", "mutual TLS: the answer endpoint requires a client certificate from this CA (PEM), the platform's")
	cmd.Flags().StringVar(&c.AnswerListen, "answer-listen", "", "serve the answer endpoint for the platform on this address of its own, e.g. :8443, so that --listen (the console) can stay on loopback")
	cmd.Flags().StringVar(&c.MetricsListen, "metrics-listen", "", "serve /metrics on this address of its own, e.g. 127.0.0.1:9091 (default: not served)")
	cmd.Flags().Int64Var(&c.IndexMemory, "index-memory", supply.DefaultIndexBudget>>20, "MiB of memory for orders' token indexes; beyond it the least recently used is dropped and built again on its next request / 订单令牌索引内存上限（MiB）")
	cmd.Flags().Int64Var(&c.DatasetMemory, "dataset-memory", supply.DefaultDatasetBudget>>20, "MiB of memory for dataset versions kept loaded ahead of requests, newest first; the others load on their first request / 预载数据集内存上限（MiB）")
	cmd.Flags().StringVar(&c.PublicURL, "public-url", "", "the base URL the platform reaches this node's answer service at (default: this node's URL when listening on a loopback address) / 节点对外地址")
	cmd.AddCommand(newNodeKeysCmd(env), newNodeRegisterKeysCmd(env), newNodeIntegrateCmd(env), newNodeDatasetCmd(env), newNodeDeliveriesCmd(env), newNodeStaffCmd(env), newNodeAuthorisationsCmd(env), newNodeConsentCmd(env), newNodePrivacyCmd(env), newNodeTokenCmd(env), newNodeDecisionsCmd(env), newNodeRectifyCmd(env), newNodeCollectionCmd(env), newNodeDataUseCmd(env), newNodeThirdPartyCmd(env), newNodeInspectCmd(env), newNodeGradingCmd(env), newNodeBackupCmd(env), newNodeIncidentCmd(env))
	return cmd
}

// openNode opens the node for a one-shot command, logging warnings (such
// as a generated key-encryption key) to stderr.
func openNode(ctx context.Context, env *Env, f *nodeFlags) (*node.Node, error) {
	logger, _ := newLogger(env.Stderr, "text")
	cfg, err := f.config(env, logger)
	if err != nil {
		return nil, err
	}
	return node.Open(ctx, cfg)
}

// NodeKeysCmd prints the node's public keys, generating the keys first if
// the node has none yet.
type NodeKeysCmd struct {
	env *Env
	nodeFlags
}

func (c *NodeKeysCmd) Run(ctx context.Context) error {
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	pub := n.Public()
	// The signing key's line is led by its algorithm: ed25519, or sm2
	// under the 国密 profile.
	fmt.Fprintf(c.env.Stdout, "x25519  %s\n%-7s %s\n", nodekey.Encode(pub.X25519), sig.AlgOfKey(n.Keys.Signer), nodekey.Encode(pub.Signing))
	return nil
}

func newNodeKeysCmd(env *Env) *cobra.Command {
	c := &NodeKeysCmd{env: env}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "print the node's public keys in base64 (X25519 and Ed25519)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd, false)
	return cmd
}

// NodeRegisterKeysCmd registers the node's public keys with the platform
// (onboarding step 3) using a member staff API token read from a file, so
// that the token never appears in the process list or shell history.
type NodeRegisterKeysCmd struct {
	env *Env
	nodeFlags
	TokenFile string
}

func (c *NodeRegisterKeysCmd) Validate() error {
	if c.TokenFile == "" {
		return errs.Invalidf("--token-file", "须用 --token-file 指定存放成员 API 令牌的文件", "give the file holding a member API token with --token-file")
	}
	return nil
}

func (c *NodeRegisterKeysCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	token, err := readToken(c.env, "--token-file", c.TokenFile)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	stage, err := n.RegisterKeys(ctx, token)
	if err != nil {
		return err
	}
	printStage(c.env, i18n.T("已向平台登记节点公钥", "registered the node's public keys with the platform"), stage)
	return nil
}

func newNodeRegisterKeysCmd(env *Env) *cobra.Command {
	c := &NodeRegisterKeysCmd{env: env}
	cmd := &cobra.Command{
		Use:   "register-keys",
		Short: "register the node's public keys with the platform (onboarding step 3)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd, true)
	cmd.Flags().StringVar(&c.TokenFile, "token-file", "", "file holding an API token of the member's staff (never pass a token as a flag)")
	return cmd
}

// NodeIntegrateCmd sends the node-signed integration request (onboarding
// step 4) and prints the resulting stage.
type NodeIntegrateCmd struct {
	env *Env
	nodeFlags
}

func (c *NodeIntegrateCmd) Run(ctx context.Context) error {
	if c.Member == "" && c.Platform == "" {
		// Nothing to configure a new node with: it must exist already.
		if err := c.requireExisting(); err != nil {
			return err
		}
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	stage, err := n.Integrate(ctx)
	if err != nil {
		return err
	}
	printStage(c.env, i18n.T("接入联调通过", "integration test passed"), stage)
	return nil
}

func newNodeIntegrateCmd(env *Env) *cobra.Command {
	c := &NodeIntegrateCmd{env: env}
	cmd := &cobra.Command{
		Use:   "integrate",
		Short: "run the integration test with the platform (onboarding step 4)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd, true)
	return cmd
}

func printStage(env *Env, what i18n.Text, stage member.Stage) {
	fmt.Fprintf(env.Stdout, "%s%s%s\n", what.In(env.Lang), i18n.T("；开户阶段：", "; onboarding stage: ").In(env.Lang), stage)
}
