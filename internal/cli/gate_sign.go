package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"hulian/internal/compliance/gate"
	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/nodekey"
	"hulian/internal/node/supply"
	"hulian/internal/storage/sqlite"
)

// openSigner opens the supplier's node whose key signs the report. It
// refuses a SQLite database that does not exist yet: opening it would
// generate fresh keys, and a report signed with them is refused by the
// platform, which knows only the registered key.
func (c *GateCmd) openSigner(ctx context.Context, l gate.Listing) (*node.Node, error) {
	if !strings.HasPrefix(l.ID, "lst_") || l.Version < 1 {
		return nil, errs.Invalidf("--listing", "签名报告需要平台上的挂牌（含 id 和 version），请用平台返回的挂牌 JSON", "a signed report needs the listing as the platform returns it, with its id and version")
	}
	db := dbURL(c.env, c.NodeDB, "")
	if db == "" {
		return nil, errs.Invalidf("--node-db", "请用 --node-db 指定节点数据库", "name the node's database with --node-db")
	}
	if strings.HasPrefix(db, "sqlite:") {
		path, err := sqlite.Path(db)
		if err != nil {
			return nil, errs.Invalidf("--node-db", "SQLite 数据库地址缺少文件路径", "the SQLite database URL has no file path")
		}
		if _, err := os.Stat(path); err != nil {
			return nil, errs.Invalidf("--node-db", "找不到节点数据库 "+path+"，请先启动节点并完成开户", "no node database at "+path+"; start the node and open the account first")
		}
	}
	logger, _ := newLogger(c.env.Stderr, "text")
	return node.Open(ctx, node.Config{DB: db, KEKEnv: c.env.Getenv(nodekey.EnvKEK), KEKFile: c.KEKFile, Logger: logger})
}

// signed prints the table on stderr and, when the data passes, the signed
// report on stdout. A failing report is not signed: the node vouches only
// for data fit to list.
func (c *GateCmd) signed(n *node.Node, l gate.Listing, out gateOutput, pass bool) error {
	saved := c.env.Stdout
	c.env.Stdout = c.env.Stderr
	err := c.print(out)
	c.env.Stdout = saved
	if err != nil {
		return err
	}
	if !pass {
		return ExitError{Code: 1}
	}
	r := gate.NewSignedReport(l, out.Report, out.Findings, gate.Declaration{Status: c.Status, Source: c.Source}, time.Now())
	supply.New(n).SignGateReport(r)
	e := json.NewEncoder(c.env.Stdout)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(r); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}
