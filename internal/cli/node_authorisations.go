package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node/demand"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// NodeAuthorisationsCmd keeps the demander node's record of its customers'
// signed query authorisations (X-E10): orders under listings associated
// with individuals query only the subjects it holds a valid one for.
type NodeAuthorisationsCmd struct {
	env *Env
	nodeFlags
	In     string
	Column string
	rawIDFlags
	Encoding string
	IDs      []string // revoke: the exIDs
}

// Import reads a file of records; a bad row is named and nothing is
// stored.
func (c *NodeAuthorisationsCmd) Import(ctx context.Context) error {
	if c.In == "" {
		return errs.Invalidf("--in", "请用 --in 指定授权记录文件（CSV）", "name the authorisations CSV with --in")
	}
	if err := c.pair(); err != nil {
		return err
	}
	if _, err := c.idType(); err != nil {
		return err
	}
	enc, err := scan.ParseEncoding(c.Encoding)
	if err != nil {
		return err
	}
	if err := checkReadable("--in", c.In); err != nil {
		return err
	}
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	job := demand.AuthorisationImport{In: c.In, Column: c.Column, Encoding: enc}
	if job.Translate, job.Normalize, err = c.translator(ctx, c.env, n, c.Platform); err != nil {
		return err
	}
	res, err := demand.New(n).ImportAuthorisations(ctx, job)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, i18n.T("已导入 %d 条数据查询授权记录（一次验证 %d 条，含身份验证 %d 条）\n",
		"imported %d query authorisation records (%d one-step, %d with identity verification)\n").In(c.env.Lang), res.Rows, res.OneStep, res.TwoStep)
	return nil
}

// Revoke withdraws the authorisations of the exIDs given.
func (c *NodeAuthorisationsCmd) Revoke(ctx context.Context) error {
	if len(c.IDs) == 0 {
		return errs.Invalidf("exid", "请给出要撤回授权的 exID", "give the exIDs whose authorisation is withdrawn")
	}
	ids := make([]exid.ExID, len(c.IDs))
	for i, s := range c.IDs {
		id, err := exid.Parse(strings.TrimSpace(s))
		if err != nil {
			return errs.Invalidf("exid", fmt.Sprintf("第 %d 个 exID 无效：%s", i+1, s), fmt.Sprintf("exID %d is invalid: %s", i+1, s))
		}
		ids[i] = id
	}
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	k, err := demand.New(n).RevokeAuthorisations(ctx, ids)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, i18n.T("已撤回 %d 条授权记录；这些主体此后不再被查询\n", "withdrew %d authorisation records; these subjects are not queried from now on\n").In(c.env.Lang), k)
	return nil
}

// Count prints how many subjects have a live record.
func (c *NodeAuthorisationsCmd) Count(ctx context.Context) error {
	if err := c.requireExisting(); err != nil {
		return err
	}
	n, err := openNode(ctx, c.env, &c.nodeFlags)
	if err != nil {
		return err
	}
	defer n.Close()
	var k int64
	if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { k, err = tx.CountAuthorisations(ctx); return err }); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, i18n.T("%d 个主体有未撤回的数据查询授权记录\n", "%d subjects have an unwithdrawn query authorisation record\n").In(c.env.Lang), k)
	return nil
}

func newNodeAuthorisationsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "authorisations", Short: "the customers' signed query authorisations (X-E10): import, revoke, count"}
	imp := &NodeAuthorisationsCmd{env: env}
	importCmd := &cobra.Command{Use: "import", Short: "import authorisation records from a CSV (exid or raw ID, agreement_sha256, signed_on, expires_on[, verified_on, verification])", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { imp.resolveDB(env); return imp.Import(cmd.Context()) }}
	imp.register(importCmd, true)
	f := importCmd.Flags()
	f.StringVar(&imp.In, "in", "", "the records, CSV with a header row / 授权记录文件")
	f.StringVar(&imp.Column, "column", "exid", "the key column / 键列")
	f.StringVar(&imp.IDType, "id-type", "", "the key column holds raw IDs of this type, translated through the platform / 原始标识类型")
	f.StringVar(&imp.Credentials, "credentials", "", "with --id-type: a file holding the member's API token")
	f.StringVar(&imp.Encoding, "encoding", "auto", "auto, utf-8 or gb18030 / 文件编码")
	rev := &NodeAuthorisationsCmd{env: env}
	revokeCmd := &cobra.Command{Use: "revoke EXID...", Short: "withdraw subjects' authorisations", Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rev.resolveDB(env)
			rev.IDs = args
			return rev.Revoke(cmd.Context())
		}}
	rev.register(revokeCmd, false)
	cnt := &NodeAuthorisationsCmd{env: env}
	countCmd := &cobra.Command{Use: "count", Short: "count the subjects with a live record", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { cnt.resolveDB(env); return cnt.Count(cmd.Context()) }}
	cnt.register(countCmd, false)
	cmd.AddCommand(importCmd, revokeCmd, countCmd)
	return cmd
}
