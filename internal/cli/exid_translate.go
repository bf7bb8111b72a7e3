package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
	"hulian/internal/retry"
	"hulian/internal/rpc"
)

// ExidTranslateCmd turns raw IDs into exIDs through the platform, on the
// member's own machine: a whole CSV file (--in, --out) for a supplier's base,
// or the values on the command line for a demander's real-time lookups.
type ExidTranslateCmd struct {
	env         *Env
	Platform    string
	Credentials string
	Type        string
	In, Out     string
	Rejects     string
	Column      string
	KeepRaw     bool
	Batch       int
	Workers     int
	Epoch       int
	PublicKey   string // hex; pins the key the proofs must verify against
	Values      []string
	RetryFor    time.Duration // how long to keep sending a batch again while the platform is unavailable

	typ    ident.Type
	report *progress
	mu     sync.Mutex // batches waiting for the platform report from their workers
}

func (c *ExidTranslateCmd) Validate() error {
	t, err := ident.ParseType(c.Type)
	if err != nil {
		return errs.Invalidf("--type", "不支持的标识类型："+c.Type, "unsupported ID type: "+c.Type)
	}
	c.typ = t
	switch {
	case c.Platform == "":
		return errs.Invalidf("--platform", "须指定平台地址", "--platform is required")
	case c.Credentials == "":
		return errs.Invalidf("--credentials", "须指定凭据文件（含 API 令牌）", "--credentials (a file with the API token) is required")
	case c.In == "" && len(c.Values) == 0:
		return errs.Invalidf("--in", "须指定输入文件 --in，或在命令行给出要转换的标识", "give an input file with --in, or IDs on the command line")
	case c.In != "" && len(c.Values) > 0:
		return errs.Invalidf("--in", "--in 与命令行标识不能同时使用", "--in and IDs on the command line cannot be combined")
	case c.In != "" && (c.Out == "" || c.Column == ""):
		return errs.Invalidf("--out", "转换文件时须指定 --out 和 --column", "--out and --column are required with --in")
	case c.In != "" && c.In == c.Out:
		return errs.Invalidf("--out", "输出文件不能与输入文件相同", "the output cannot be the input file")
	case c.RetryFor < 0:
		return errs.Invalidf("--retry-for", "重试时长不能为负数", "the retry time cannot be negative")
	case c.Epoch < 0 || c.Epoch > 255:
		return errs.Invalidf("--epoch", "纪元须在 0 到 255 之间", "epoch ranges from 0 to 255")
	}
	return nil
}

// readToken reads the API token of the credentials file that flag names
// (JSON from hulian token create, or the token alone), warning when other
// users may read the file. Tokens never travel as flag values, which would
// leave them in shell history and process lists.
func readToken(env *Env, flag, path string) (string, error) {
	c, loose, err := rpc.ReadCredentials(path)
	if err != nil {
		return "", withFlag(err, flag)
	}
	if loose {
		fmt.Fprintln(env.Stderr, i18n.T("警告：令牌文件可被其他用户读取，请 chmod 600 ", "warning: the token file is readable by other users; chmod 600 ").In(env.Lang)+path)
	}
	return c.Token, nil
}

// rawIDTranslator is how a node's commands turn raw IDs into exIDs: through
// the platform given by --platform, or the one the node is configured
// with, authenticated with the member's credentials.
func rawIDTranslator(ctx context.Context, env *Env, n *node.Node, platform, credentials string, typ ident.Type) (*exid.Translator, error) {
	if platform == "" {
		platform = n.PlatformURL()
	}
	if platform == "" {
		return nil, errs.Invalidf("--platform", "转换原始标识须用 --platform 指定平台地址", "translating raw IDs needs the platform's URL (--platform)")
	}
	tc := &ExidTranslateCmd{env: env, Platform: platform, Credentials: credentials, typ: typ, RetryFor: 2 * time.Minute}
	return tc.translator(ctx)
}

// translator fetches the platform's public key for the epoch and returns
// a translator that verifies every answer against it.
func (c *ExidTranslateCmd) translator(ctx context.Context) (*exid.Translator, error) {
	token, err := readToken(c.env, "--credentials", c.Credentials)
	if err != nil {
		return nil, err
	}
	client := rpc.NewClient(c.Platform, rpc.WithToken(token), rpc.WithLanguage(c.env.Lang), rpc.WithTimeout(2*time.Minute))
	policy := retry.Policy{For: c.RetryFor, Wait: c.wait}
	var res *connect.Response[hulianv1.PublicKeysResponse]
	err = policy.Do(ctx, func(ctx context.Context) (err error) {
		res, err = client.ExID.PublicKeys(ctx, connect.NewRequest(&hulianv1.PublicKeysRequest{}))
		return rpc.FromConnect(err)
	})
	if err != nil {
		return nil, err
	}
	var chosen *hulianv1.OPRFPublicKey
	for _, k := range res.Msg.Keys {
		if (c.Epoch == 0 && k.Current) || int(k.Epoch) == c.Epoch {
			chosen = k
		}
	}
	if chosen == nil {
		return nil, errs.Invalidf("--epoch", "平台没有该纪元的公钥", "the platform has no public key for this epoch")
	}
	if c.PublicKey != "" {
		want, err := hex.DecodeString(c.PublicKey)
		if err != nil || string(want) != string(chosen.Key) {
			return nil, errs.New(errs.FailedPrecondition, "--public-key", "平台公布的公钥与指定的公钥不一致，已中止", "the platform's published key differs from the pinned key; aborted")
		}
	}
	var pk oprf.PublicKey
	if err := pk.UnmarshalBinary(chosen.Key); err != nil {
		return nil, errs.New(errs.Unavailable, "--platform", "平台公布的公钥无效", "the platform published an invalid key")
	}
	eval := rpc.Evaluator{Client: client.ExID, Retry: policy}
	return &exid.Translator{Eval: eval, Epoch: int(chosen.Epoch), Key: pk, Type: c.typ}, nil
}

func (c *ExidTranslateCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	tr, err := c.translator(ctx)
	if err != nil {
		return err
	}
	if len(c.Values) > 0 {
		return c.runValues(ctx, tr)
	}
	report := newProgress(c.env, i18n.T("转换中", "translating"), fileSize(c.In))
	c.mu.Lock()
	c.report = report
	c.mu.Unlock()
	p, err := tr.TranslateCSV(ctx, exid.Job{In: c.In, Out: c.Out, Rejects: c.Rejects, Column: c.Column, KeepRaw: c.KeepRaw,
		Batch: c.Batch, Workers: c.Workers, Progress: func(p exid.Progress) {
			report.update(p.Rows, p.Rows-p.Resumed, p.InBytes, fmt.Sprintf("%s %d", i18n.T("拒绝", "rejected").In(c.env.Lang), p.Rejected))
		}})
	report.done(false)
	if err != nil {
		if ctx.Err() != nil || errs.Is(err, errs.Unavailable) {
			fmt.Fprintln(c.env.Stderr, i18n.T("已中断；再次运行同一命令将从中断处继续。", "interrupted; run the same command again to continue where it stopped.").In(c.env.Lang))
		}
		return err
	}
	fmt.Fprintf(c.env.Stderr, "%s %d, %s %d, %s %d\n", i18n.T("完成：已转换", "done: translated").In(c.env.Lang), p.Translated,
		i18n.T("拒绝", "rejected").In(c.env.Lang), p.Rejected, i18n.T("续传跳过", "resumed past").In(c.env.Lang), p.Resumed)
	return nil
}

// wait tells the user that a batch waits for the platform to come back,
// on the progress bar when there is one.
func (c *ExidTranslateCmd) wait(err error, next time.Duration) {
	msg := waitMessage(c.env.Lang, err, next)
	c.mu.Lock()
	report := c.report
	c.mu.Unlock()
	if report != nil {
		report.say(msg)
		return
	}
	fmt.Fprintln(c.env.Stderr, msg)
}

// runValues is the real-time path (X-E3, demanders): one request for the
// values given, one exID per line in their order.
func (c *ExidTranslateCmd) runValues(ctx context.Context, tr *exid.Translator) error {
	res, err := tr.Translate(ctx, c.Values)
	if err != nil {
		return err
	}
	bad := 0
	for i, r := range res {
		if r.Err != nil {
			bad++
			fmt.Fprintf(c.env.Stderr, "%s: %s\n", c.Values[i], errs.Message(r.Err, c.env.Lang))
			fmt.Fprintln(c.env.Stdout)
			continue
		}
		fmt.Fprintln(c.env.Stdout, r.ExID)
	}
	if bad > 0 {
		return ExitError{Code: 2}
	}
	return nil
}

func newExidTranslateCmd(env *Env) *cobra.Command {
	c := &ExidTranslateCmd{env: env}
	cmd := &cobra.Command{
		Use:   "translate --platform URL --credentials FILE --type TYPE (--in FILE --column NAME --out FILE | [--] ID...)",
		Short: "turn raw IDs into exIDs through the platform / 经平台把原始标识转换为 exID",
		Long: "Translates a CSV file (or .csv.gz) column by column, or the IDs given on the command line.\n" +
			"Raw IDs never leave this machine: only blinded values are sent, and every answer is verified\n" +
			"against the platform's published key. Interrupted file translations resume where they stopped.\n" +
			"转换 CSV 文件（或 .csv.gz）中的一列，或命令行上给出的标识。原始标识不离开本机：只发送盲化值，\n" +
			"每个结果都用平台公布的公钥验证。文件转换中断后再次运行同一命令即从中断处继续。",
		RunE: func(cmd *cobra.Command, args []string) error {
			c.Values = args
			return c.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Platform, "platform", "", "platform URL")
	f.StringVar(&c.Credentials, "credentials", "", "file holding the member's API token")
	f.StringVar(&c.Type, "type", "", "ID type: "+typeList())
	f.StringVar(&c.In, "in", "", "input CSV file (.csv or .csv.gz) with a header row")
	f.StringVar(&c.Out, "out", "", "output CSV file (.csv or .csv.gz)")
	f.StringVar(&c.Rejects, "rejects", "", "reject file (default: next to --out)")
	f.StringVar(&c.Column, "column", "", "the raw ID column of --in")
	f.BoolVar(&c.KeepRaw, "keep-raw", false, "keep the raw ID column in the output")
	f.IntVar(&c.Batch, "batch", 2000, "IDs per platform request (at most 10000)")
	f.IntVar(&c.Workers, "workers", 4, "requests in flight")
	f.IntVar(&c.Epoch, "epoch", 0, "key epoch (default: the platform's current one)")
	f.StringVar(&c.PublicKey, "public-key", "", "pin the platform's public key (hex); abort if the platform publishes another")
	f.DurationVar(&c.RetryFor, "retry-for", 2*time.Minute, "while the platform is unavailable, keep sending the same batch for this long before stopping (0: do not retry); a batch sent again is charged once / 平台不可用时的重试时长")
	return cmd
}
