package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/storage"
	"hulian/internal/witness"
)

// LogWitnessCmd is the regulator's own copy of the business log (X-G1):
// it follows a platform's checkpoints, copies every entry into its own
// database, cosigns what it verified, and alarms — exit status 1 — when
// the platform's log forks, rolls back or is rewritten.
type LogWitnessCmd struct {
	env         *Env
	Platform    string
	Dir         string
	DB          string // default sqlite://DIR/witness.db
	Credentials string // a regulator's token file (scope log), to read entries and publish cosignatures
	Key         string // the platform's log verifier key, pinned on first use
	Name        string // the witness's name in its cosignatures
	Once        bool
	Interval    time.Duration
	Audit       int64 // entries audited again each round when following
	Client      *http.Client
}

func (c *LogWitnessCmd) Validate() error {
	switch {
	case c.Platform == "":
		return errs.Invalidf("--platform", "须指定平台地址", "--platform is required")
	case c.Dir == "":
		return errs.Invalidf("--dir", "须指定见证者目录（存放其密钥与日志副本）", "--dir is required: the witness's folder for its key and its copy of the log")
	case c.Credentials == "":
		return errs.Invalidf("--credentials", "须指定监管方的 API 令牌文件（范围 log）：读取日志记录并发布联署", "--credentials is required: a regulator's API token file (scope log), to read entries and publish cosignatures")
	case c.Interval < time.Second:
		return errs.Invalidf("--interval", "间隔至少 1 秒", "the interval is at least 1s")
	case c.Audit < 0:
		return errs.Invalidf("--audit", "须为非负整数", "must be a non-negative integer")
	}
	if c.DB != "" {
		_, err := storage.EngineFor(c.DB)
		return err
	}
	return nil
}

func (c *LogWitnessCmd) say(t i18n.Text) { fmt.Fprintln(c.env.Stdout, t.In(c.env.Lang)) }

func (c *LogWitnessCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return errs.Invalidf("--dir", "无法创建目录："+errs.OSReason(err), "cannot make the folder: "+errs.OSReason(err))
	}
	token, err := readToken(c.env, "--credentials", c.Credentials)
	if err != nil {
		return err
	}
	key, made, err := witness.LoadKey(filepath.Join(c.Dir, "witness.key"), c.Name)
	if err != nil {
		return errs.Invalidf("--dir", err.Error(), err.Error())
	}
	if made {
		fmt.Fprintln(c.env.Stderr, i18n.T("已生成见证者签名密钥；其联署公钥：", "made the witness's signing key; its cosignature verifier key: ").In(c.env.Lang)+key.Verifier)
	}
	dsn := c.DB
	if dsn == "" {
		dsn = "sqlite://" + filepath.Join(c.Dir, "witness.db")
	}
	st, err := witness.OpenStore(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	w := &witness.Witness{Platform: c.Platform, Token: token, Client: c.Client, Store: st, LogKey: c.Key, Signer: key.Signer, Verifier: key.Verifier}

	// The first round audits the whole copy; following rounds a window of
	// it, so that over time every entry is compared again.
	audit := int64(-1)
	for {
		res, err := w.Round(ctx, audit)
		var a *witness.Alarm
		switch {
		case errors.As(err, &a):
			return c.alarm(a)
		case err != nil && (c.Once || ctx.Err() != nil):
			return errs.New(errs.Unavailable, "--platform", "本轮见证未完成："+err.Error(), "the witness's round did not finish: "+err.Error())
		case err != nil:
			fmt.Fprintln(c.env.Stderr, i18n.T("本轮见证未完成，稍后重试：", "the round did not finish; retrying: ").In(c.env.Lang)+err.Error())
		default:
			c.report(res)
		}
		if c.Once {
			return nil
		}
		audit = c.Audit
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(c.Interval):
		}
	}
}

func (c *LogWitnessCmd) report(res *witness.Result) {
	c.say(i18n.T(fmt.Sprintf("已见证并联署大小 %d 的检查点：新复制 %d 条记录，复核 %d 条", res.Size, res.Copied, res.Audited),
		fmt.Sprintf("witnessed and cosigned the checkpoint of size %d: %d entries copied, %d audited again", res.Size, res.Copied, res.Audited)))
	if res.PublishErr != nil {
		fmt.Fprintln(c.env.Stderr, i18n.T("联署未能发布到平台，下一轮重试：", "the cosignature could not be published to the platform; retrying next round: ").In(c.env.Lang)+res.PublishErr.Error())
	}
}

// alarm reports a finding: on standard error, in the ALARM file of the
// witness's folder for whoever watches it, and as exit status 1.
func (c *LogWitnessCmd) alarm(a *witness.Alarm) error {
	msg := a.Reason.In(c.env.Lang)
	fmt.Fprintln(c.env.Stderr, i18n.T("见证告警：", "witness alarm: ").In(c.env.Lang)+msg)
	line := fmt.Sprintf("%s\tfirst index %d\t%s\n", time.Now().UTC().Format(time.RFC3339), a.Index, a.Reason.EN)
	if f, err := os.OpenFile(filepath.Join(c.Dir, "ALARM"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600); err == nil {
		f.WriteString(line)
		f.Close()
	}
	return ExitError{Code: 1}
}

func newLogWitnessCmd(env *Env) *cobra.Command {
	c := &LogWitnessCmd{env: env}
	cmd := &cobra.Command{
		Use:   "witness",
		Short: "keep the regulator's own copy of the log: follow, verify, copy and cosign checkpoints; alarm on forks and rewrites (X-G1)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return c.Run(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringVar(&c.Platform, "platform", "", "platform base URL")
	f.StringVar(&c.Dir, "dir", "", "the witness's folder: its signing key, its database (unless --db) and the ALARM file")
	f.StringVar(&c.DB, "db", "", "the witness's database URL (default sqlite://DIR/witness.db)")
	f.StringVar(&c.Credentials, "credentials", "", "a regulator's API token file of scope log")
	f.StringVar(&c.Key, "key", "", "the platform's log verifier key, pinned on first use (otherwise the one the platform serves then)")
	f.StringVar(&c.Name, "name", "hulian.witness/regulator", "the witness's name in its cosignatures (used when its key is made)")
	f.BoolVar(&c.Once, "once", false, "run one round, auditing the whole copy, and exit")
	f.DurationVar(&c.Interval, "interval", 30*time.Second, "time between rounds when following")
	f.Int64Var(&c.Audit, "audit", 10000, "entries of the copy compared again with the platform each round when following")
	return cmd
}
