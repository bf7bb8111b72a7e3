// Package demo runs a whole exchange in one process for a new user
// (`hulian demo`): a platform and two member nodes, a supplier and a
// demander, each with its own SQLite file, a synthetic population of
// mainland mobile numbers, and a walkthrough from onboarding to delivery,
// destruction and log verification, narrated step by step. Nothing in the
// walkthrough is simulated: every step goes through the same API, node
// code and stores as production, and every number printed is measured.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	nodeserver "hulian/internal/node/server"
	pserver "hulian/internal/platform/server"
)

// Default ports of the three servers; a port that is taken falls back to
// a free one.
const (
	DefaultPlatformPort = 8080
	DefaultSupplierPort = 8081
	DefaultDemanderPort = 8082
)

// DefaultPeople is the synthetic population's default size.
const DefaultPeople = 200_000

// Options configure a demo.
type Options struct {
	// Dir keeps the stores (platform.db, supplier.db, demander.db, their
	// .kek key files), the logs and the members' files; empty for a
	// temporary directory removed by Close.
	Dir string
	// People is the synthetic population's size; Seed makes it
	// reproducible.
	People int
	Seed   uint64
	// Population, when set, is a file of mobile numbers (one per line)
	// used instead of synthetic ones.
	Population string
	// Ports of the platform and the two nodes on 127.0.0.1; 0 is any free
	// port.
	PlatformPort, SupplierPort, DemanderPort int
	// PlatformDB, when set, is a PostgreSQL database URL for the platform
	// (the production store) instead of a SQLite file in Dir. It must be
	// empty: the walkthrough starts from the first member. The platform's
	// key-encryption key is then generated as platform.kek in Dir.
	PlatformDB string
	// Crypto is the cryptography profile of the platform and both nodes:
	// "" or "default", or "gm" (the 国密 profile: SM2 with SM3 signatures,
	// SM4-GCM at rest).
	Crypto string
	// Out receives the narration, in Lang.
	Out  io.Writer
	Lang i18n.Lang
}

// Account is a console login the demo created.
type Account struct {
	Role     i18n.Text
	Login    string
	Password string
}

// TokenFile is a member's API token file the demo left in its directory.
type TokenFile struct {
	Login string
	Path  string
}

// Demo is a running demo exchange.
type Demo struct {
	opts Options
	n    *narrator
	dir  string
	tmp  bool

	Platform   *pserver.Main
	Supplier   *nodeserver.Main
	Demander   *nodeserver.Main
	Accounts   []Account
	TokenFiles []TokenFile

	pop *Population
	ds  *Dataset

	logs    []*os.File
	stops   []func()
	runErrs chan error
	closeMu sync.Mutex
	closed  bool

	w walk // the walkthrough's state
}

// Files of a demo directory: the three stores (each with its key file,
// name + ".kek", and its log, name without ".db" + ".log"), and the
// members' own files, which never leave them.
const (
	PlatformDB  = "platform.db"
	SupplierDB  = "supplier.db"
	DemanderDB  = "demander.db"
	PlatformKEK = "platform.kek" // with a PostgreSQL platform database
	// PrivacyOutbox keeps the one-time codes the supplier's privacy centre
	// sends: the demo sends no text messages.
	PrivacyOutbox = "supplier-files/privacy-outbox.txt"

	SupplierBase   = "supplier-files/base.csv"      // raw numbers and tags
	SupplierExIDs  = "supplier-files/base.exid.csv" // the same rows keyed by exID
	Customers      = "demander-files/customers.csv"
	CustomersExIDs = "demander-files/customers.exid.csv" // numbers with their exIDs
	Results        = "demander-files/results.csv"        // the batch delivery, until destroyed
)

// Start prepares the directory and the population and starts the
// platform; the nodes start during the walkthrough, when their members
// exist. Close releases everything.
func Start(ctx context.Context, opts Options) (_ *Demo, err error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Lang == "" {
		opts.Lang = i18n.ZH
	}
	if opts.People == 0 && opts.Population == "" {
		opts.People = DefaultPeople
	}
	d := &Demo{opts: opts, n: &narrator{w: opts.Out, lang: opts.Lang, total: len(steps)}, runErrs: make(chan error, 3)}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if err := d.prepareDir(); err != nil {
		return nil, err
	}
	return d, nil
}

// prepareDir settles the directory and refuses one holding an earlier
// demo's stores: the walkthrough onboards new members from the start,
// which the members and node keys already there would contradict.
func (d *Demo) prepareDir() error {
	if d.opts.Dir == "" {
		dir, err := os.MkdirTemp("", "hulian-demo-")
		if err != nil {
			return fmt.Errorf("make a temporary directory: %w", err)
		}
		d.dir, d.tmp = dir, true
		return nil
	}
	dir, err := filepath.Abs(d.opts.Dir)
	if err != nil {
		return errs.Invalidf("--dir", "目录路径无效："+err.Error(), "invalid directory: "+err.Error())
	}
	var found []string
	for _, f := range []string{PlatformDB, SupplierDB, DemanderDB} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			found = append(found, f)
		}
	}
	if len(found) > 0 {
		return errs.New(errs.FailedPrecondition, "--dir",
			fmt.Sprintf("目录 %s 已有上次演示的数据库（%v）。演示从开户开始完整走一遍，不能接着旧数据库进行：请换一个空目录，或删除这些文件；要查看旧数据，可运行 hulian platform --db sqlite://%s（节点同理：hulian node --db sqlite://%s）",
				dir, found, filepath.Join(dir, PlatformDB), filepath.Join(dir, SupplierDB)),
			fmt.Sprintf("%s already holds an earlier demo's stores (%v). The demo walks through onboarding from the start and cannot continue on old stores: choose an empty directory or remove them; to look at the old data run hulian platform --db sqlite://%s (nodes likewise: hulian node --db sqlite://%s)",
				dir, found, filepath.Join(dir, PlatformDB), filepath.Join(dir, SupplierDB)))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return errs.Invalidf("--dir", "无法创建目录："+err.Error(), "cannot create the directory: "+err.Error())
	}
	d.dir = dir
	return nil
}

// Numbers returns the population's mobile numbers (11 digits), once the
// walkthrough has made them.
func (d *Demo) Numbers() []string {
	if d.pop == nil {
		return nil
	}
	return d.pop.Numbers
}

// Secrets returns the API token secrets and console passwords the demo
// handed out: what no store or log of the platform may hold in clear.
func (d *Demo) Secrets() []string {
	var out []string
	for _, p := range []*party{&d.w.op, &d.w.reg, &d.w.sup, &d.w.dem} {
		for _, s := range []string{p.token, p.password} {
			if s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// Dir is the demo's directory.
func (d *Demo) Dir() string { return d.dir }

// Path is a file in the demo's directory.
func (d *Demo) Path(name string) string { return filepath.Join(d.dir, name) }

// logger opens name.log in the directory for one server's logs.
func (d *Demo) logger(name string) (*slog.Logger, error) {
	f, err := os.OpenFile(d.Path(name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	d.logs = append(d.logs, f)
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), nil
}

// listenAddr returns the address to listen on for port and whether it
// fell back to a free port because port was taken.
func listenAddr(port int) (addr string, fellBack bool) {
	addr = "127.0.0.1:" + strconv.Itoa(port)
	if port == 0 {
		return addr, false
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "127.0.0.1:0", true
	}
	ln.Close()
	return addr, false
}

// run serves a server until Close.
func (d *Demo) run(serve func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := serve(ctx); err != nil && !errors.Is(err, context.Canceled) {
			d.runErrs <- err
		}
	}()
	d.stops = append(d.stops, func() { cancel(); <-done })
}

// Wait serves until ctx ends or a server fails.
func (d *Demo) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-d.runErrs:
		return err
	}
}

// Close stops the servers, closes the stores and removes a temporary
// directory.
func (d *Demo) Close() error {
	d.closeMu.Lock()
	defer d.closeMu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	for i := len(d.stops) - 1; i >= 0; i-- {
		d.stops[i]()
	}
	var errList []error
	for _, m := range []*nodeserver.Main{d.Demander, d.Supplier} {
		if m != nil {
			errList = append(errList, m.Close())
		}
	}
	if d.Platform != nil {
		errList = append(errList, d.Platform.Close())
	}
	for _, f := range d.logs {
		errList = append(errList, f.Close())
	}
	if d.tmp && d.dir != "" {
		errList = append(errList, os.RemoveAll(d.dir))
	}
	return errors.Join(errList...)
}

// PrintConsoles prints where to look: the three consoles and the accounts
// to log in with.
func (d *Demo) PrintConsoles() {
	n := d.n
	n.plain("")
	n.plain(n.t("控制台：", "consoles:"))
	if d.Platform != nil {
		n.plain(fmt.Sprintf("  %s  %s", n.t("平台（运营方、监管方、成员员工登录）", "platform (operator, regulator and member staff log in)"), d.Platform.URL()+"/"))
	}
	if d.Supplier != nil {
		n.plain(fmt.Sprintf("  %s  %s", n.t("供应方节点（账户见下表，供应方员工）", "supplier node (the supplier's staff account below)"), d.Supplier.URL()+"/"))
	}
	if d.Demander != nil {
		n.plain(fmt.Sprintf("  %s  %s", n.t("需求方节点（账户见下表，需求方员工）", "demander node (the demander's staff account below)"), d.Demander.URL()+"/"))
	}
	n.plain(n.t("控制台账户（登录名 / 密码；成员员工在本方节点控制台另有同名账户）：", "console accounts (login / password; member staff have an account of the same name on their own node's console):"))
	for _, a := range d.Accounts {
		n.plain(fmt.Sprintf("  %-10s %-30s %s", a.Login, a.Password, a.Role.In(n.lang)))
	}
	if len(d.TokenFiles) > 0 && d.Platform != nil {
		n.plain(n.t("成员的 API 令牌文件（范围：全部；仅本用户可读）：", "the members' API token files (scope: all; readable by you only):"))
		for _, tf := range d.TokenFiles {
			n.plain(fmt.Sprintf("  %-10s %s", tf.Login, tf.Path))
		}
		n.plain(n.t("试一试（平台运行期间）：", "try, while the platform runs:"))
		n.plain(fmt.Sprintf("  hulian exid translate --platform %s --credentials %s --type mobile 13800138000", d.Platform.URL(), d.TokenFiles[0].Path))
		n.plain(n.t("另建一个只能转换 exID 的令牌（密码见上表）：", "make another token that may only translate exIDs (the password is above):"))
		n.plain(fmt.Sprintf("  hulian token create --platform %s --login %s --name exid --scope exid --out exid.token.json", d.Platform.URL(), d.TokenFiles[0].Login))
		n.plain(n.t("  或在平台控制台右上角的“API 令牌”页创建、查看与撤销。", "  or create, list and revoke them on the platform console's \"API tokens\" page (top right)."))
	}
	if d.tmp {
		n.plain(fmt.Sprintf(n.t("数据目录：%s（退出时删除；用 --dir 保留）", "data directory: %s (removed at exit; keep it with --dir)"), d.dir))
	} else {
		n.plain(fmt.Sprintf(n.t("数据目录：%s（保留）", "data directory: %s (kept)"), d.dir))
	}
	n.plain(n.t("按 Ctrl-C 退出。", "press Ctrl-C to stop."))
}
