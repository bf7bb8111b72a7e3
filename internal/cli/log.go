package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/transparency-dev/merkle/proof"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
	"hulian/internal/storage"
)

// LogVerifyCmd verifies the business log: a platform database offline, a
// running platform against a witness file, or an export bundle.
type LogVerifyCmd struct {
	env      *Env
	DB       string
	Platform string
	Witness  string
	Bundle   string
	Key      string // pinned verifier key (optional with --db and --bundle)
	Client   *http.Client
}

func (c *LogVerifyCmd) Validate() error {
	n := 0
	for _, s := range []string{c.DB, c.Platform, c.Bundle} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return errs.Invalidf("--db", "须且只能指定 --db、--platform 或 --bundle 之一", "give exactly one of --db, --platform or --bundle")
	}
	if c.Platform != "" && c.Witness == "" {
		return errs.Invalidf("--witness", "--platform 须配合 --witness 文件使用", "--platform needs a --witness file")
	}
	if c.DB != "" {
		_, err := storage.EngineFor(c.DB)
		return err
	}
	return nil
}

func (c *LogVerifyCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	switch {
	case c.DB != "":
		return c.verifyDB(ctx)
	case c.Bundle != "":
		return c.verifyBundle()
	}
	return c.witness(ctx)
}

func (c *LogVerifyCmd) say(t i18n.Text) { fmt.Fprintln(c.env.Stdout, t.In(c.env.Lang)) }

// report prints a verification outcome; a broken log exits with status 1.
func (c *LogVerifyCmd) report(rep *bizlog.Report) error {
	if f := rep.Failure; f != nil {
		fmt.Fprintln(c.env.Stderr, i18n.T("日志验证失败：", "log verification failed: ").In(c.env.Lang)+f.Text(c.env.Lang))
		return ExitError{Code: 1}
	}
	latest := i18n.T("无", "none")
	if rep.Latest != nil {
		latest = i18n.T(fmt.Sprintf("大小 %d", rep.Latest.Size), fmt.Sprintf("size %d", rep.Latest.Size))
	}
	c.say(i18n.T(fmt.Sprintf("日志完整：已重新计算 %d 条记录，验证 %d 个检查点（最新：%s）", rep.Entries, rep.Checkpoints, latest.ZH),
		fmt.Sprintf("log intact: %d entries recomputed, %d checkpoints verified (latest: %s)", rep.Entries, rep.Checkpoints, latest.EN)))
	return nil
}

func (c *LogVerifyCmd) verifyDB(ctx context.Context) error {
	db, err := store.Open(ctx, c.DB, store.Options{NoMigrate: true})
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.VerifyLog(ctx, store.VerifyOptions{VerifierKey: c.Key})
	if err != nil {
		return err
	}
	return c.report(rep)
}

func (c *LogVerifyCmd) verifyBundle() error {
	f, err := os.Open(c.Bundle)
	if err != nil {
		return errs.Invalidf("--bundle", "无法打开导出包："+err.Error(), "cannot open the bundle: "+err.Error())
	}
	defer f.Close()
	rep, h, err := bizlog.VerifyBundle(f, c.Key)
	if err != nil {
		return errs.Invalidf("--bundle", "导出包格式错误："+err.Error(), "malformed bundle: "+err.Error())
	}
	if c.Key == "" {
		fmt.Fprintln(c.env.Stderr, i18n.T("注意：未用 --key 固定验证公钥，使用导出包自带的公钥 ", "note: no --key pinned; using the bundle's own verifier key ").In(c.env.Lang)+h.VerifierKey)
	}
	return c.report(rep)
}

// WitnessFile is what a witness keeps between runs: the verifier key,
// pinned on first use, and the latest checkpoint it verified.
type WitnessFile struct {
	VerifierKey string `json:"verifier_key"`
	Checkpoint  string `json:"checkpoint"`
}

func (c *LogVerifyCmd) get(ctx context.Context, path string, q url.Values) ([]byte, error) {
	u := strings.TrimRight(c.Platform, "/") + path
	if q != nil {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, errs.Invalidf("--platform", "平台地址无效", "invalid platform URL")
	}
	client := c.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, errs.New(errs.Unavailable, "--platform", "无法连接平台："+err.Error(), "cannot reach the platform: "+err.Error())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errs.New(errs.Unavailable, "--platform", fmt.Sprintf("平台返回 %s：%s", resp.Status, bytes.TrimSpace(b)), fmt.Sprintf("the platform answered %s: %s", resp.Status, bytes.TrimSpace(b)))
	}
	return b, nil
}

func (c *LogVerifyCmd) witness(ctx context.Context) error {
	var w WitnessFile
	old, err := os.ReadFile(c.Witness)
	switch {
	case err == nil:
		if err := json.Unmarshal(old, &w); err != nil || w.VerifierKey == "" {
			return errs.Invalidf("--witness", "见证文件格式错误", "the witness file is malformed")
		}
	case errors.Is(err, fs.ErrNotExist):
		key, err := c.get(ctx, "/log/v1/key", nil)
		if err != nil {
			return err
		}
		w.VerifierKey = strings.TrimSpace(string(key))
		fmt.Fprintln(c.env.Stderr, i18n.T("首次使用：固定平台日志验证公钥 ", "first use: pinning the platform's log verifier key ").In(c.env.Lang)+w.VerifierKey)
	default:
		return err
	}
	if c.Key != "" && c.Key != w.VerifierKey {
		return errs.Invalidf("--key", "指定的公钥与见证文件中的不同", "the key given differs from the witness file's")
	}
	msg, err := c.get(ctx, "/log/v1/checkpoint", nil)
	if err != nil {
		return err
	}
	bad := func(zh, en string) error {
		fmt.Fprintln(c.env.Stderr, i18n.T("日志验证失败：", "log verification failed: ").In(c.env.Lang)+i18n.T(zh, en).In(c.env.Lang))
		return ExitError{Code: 1}
	}
	latest, err := bizlog.OpenCheckpoint(msg, w.VerifierKey)
	if err != nil {
		return bad("平台最新检查点的签名无效："+err.Error(), "the platform's latest checkpoint has an invalid signature: "+err.Error())
	}
	if w.Checkpoint != "" {
		prev, err := bizlog.OpenCheckpoint([]byte(w.Checkpoint), w.VerifierKey)
		if err != nil {
			return errs.Invalidf("--witness", "见证文件中的检查点无效："+err.Error(), "the witness file's checkpoint is invalid: "+err.Error())
		}
		if latest.Size < prev.Size {
			return bad(fmt.Sprintf("平台最新检查点（大小 %d）小于已见证的（大小 %d）：日志被回滚", latest.Size, prev.Size),
				fmt.Sprintf("the platform's latest checkpoint (size %d) is smaller than the witnessed one (size %d): the log was rolled back", latest.Size, prev.Size))
		}
		body, err := c.get(ctx, "/log/v1/proof/consistency", url.Values{"from": {fmt.Sprint(prev.Size)}, "to": {fmt.Sprint(latest.Size)}})
		if err != nil {
			return err
		}
		var p struct{ Proof [][]byte }
		if err := json.Unmarshal(body, &p); err != nil {
			return bad("一致性证明格式错误", "malformed consistency proof")
		}
		if err := proof.VerifyConsistency(bizlog.Hasher, uint64(prev.Size), uint64(latest.Size), p.Proof, prev.Root, latest.Root); err != nil {
			return bad(fmt.Sprintf("大小 %d 与 %d 的检查点不一致：%v", prev.Size, latest.Size, err),
				fmt.Sprintf("the checkpoints of sizes %d and %d are not consistent: %v", prev.Size, latest.Size, err))
		}
	}
	w.Checkpoint = string(msg)
	if err := writeFileAtomic(c.Witness, w); err != nil {
		return err
	}
	c.say(i18n.T(fmt.Sprintf("检查点一致：大小 %d，已更新见证文件", latest.Size), fmt.Sprintf("checkpoint consistent: size %d; witness file updated", latest.Size)))
	return nil
}

func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".witness-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(b, '\n'))
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LogExportCmd writes a bundle of log entries for independent custody.
type LogExportCmd struct {
	env  *Env
	DB   string
	From int64
	To   int64
	Out  string
}

func (c *LogExportCmd) Validate() error {
	if c.Out == "" {
		return errs.Invalidf("--out", "须指定输出文件", "--out is required")
	}
	if c.From < 0 || (c.To > 0 && c.To < c.From) {
		return errs.Invalidf("--from", "记录范围无效", "invalid entry range")
	}
	_, err := storage.EngineFor(c.DB)
	return err
}

func (c *LogExportCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	db, err := store.Open(ctx, c.DB, store.Options{NoMigrate: true})
	if err != nil {
		return err
	}
	defer db.Close()
	tmp := c.Out + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	h, err := db.ExportLog(ctx, f, c.From, c.To)
	if err = errors.Join(err, f.Close()); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, c.Out); err != nil {
		return err
	}
	c.env.Stdout.Write([]byte(i18n.T(fmt.Sprintf("已导出第 %d 至 %d 条记录到 %s", h.From, h.To-1, c.Out),
		fmt.Sprintf("exported entries %d to %d to %s", h.From, h.To-1, c.Out)).In(c.env.Lang) + "\n"))
	return nil
}

func newLogCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "log", Short: "verify and export the business log (业务日志)"}
	v := &LogVerifyCmd{env: env}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "verify the business log: a database, a platform against a witness file, or a bundle",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return v.Run(cmd.Context()) },
	}
	f := verify.Flags()
	f.StringVar(&v.DB, "db", "", "platform database URL to verify offline")
	f.StringVar(&v.Platform, "platform", "", "platform base URL to witness")
	f.StringVar(&v.Witness, "witness", "", "witness file: pinned verifier key and last checkpoint (made on first use)")
	f.StringVar(&v.Bundle, "bundle", "", "export bundle to verify")
	f.StringVar(&v.Key, "key", "", "the log's verifier key, pinned (otherwise the one stored with the log)")
	e := &LogExportCmd{env: env}
	export := &cobra.Command{
		Use:   "export",
		Short: "export entries with checkpoints and proofs for independent custody (X-G1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e.DB = dbURL(env, e.DB, "sqlite://./hulian-platform.db")
			return e.Run(cmd.Context())
		},
	}
	f = export.Flags()
	f.StringVar(&e.DB, "db", "", "database URL (env HULIAN_DB)")
	f.Int64Var(&e.From, "from", 0, "first entry index")
	f.Int64Var(&e.To, "to", 0, "entry index to stop before (default: the latest checkpoint's size)")
	f.StringVar(&e.Out, "out", "", "bundle file to write (gzip'd JSON lines)")
	cmd.AddCommand(verify, export, newLogWitnessCmd(env))
	return cmd
}
