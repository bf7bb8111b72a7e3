package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"hulian/internal/compliance/gate"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
)

// nodeDatasetFlags are the flags every dataset command shares: the node's
// database and its declared storage region.
type nodeDatasetFlags struct {
	nodeFlags
	Region string
}

func (f *nodeDatasetFlags) register(cmd *cobra.Command) {
	f.nodeFlags.register(cmd, false)
	cmd.Flags().StringVar(&f.Region, "region", "", "where the node stores its data, ISO 3166-2 such as CN-SH (remembered by the node; personal information must stay in mainland China, O-6) / 数据存储地")
}

func (f *nodeDatasetFlags) open(ctx context.Context, env *Env) (*node.Node, error) {
	logger, _ := newLogger(env.Stderr, "text")
	cfg, err := f.config(env, logger)
	if err != nil {
		return nil, err
	}
	cfg.Region = strings.TrimSpace(f.Region)
	return node.Open(ctx, cfg)
}

// NodeDatasetImportCmd imports a supplier's CSV as a new version of a
// dataset kept on the node (X-A1).
type NodeDatasetImportCmd struct {
	env *Env
	nodeDatasetFlags
	Name        string
	Listing     string
	In          string
	IDColumn    string
	IDType      string // empty: the column holds exIDs
	Platform    string
	Credentials string
	Encoding    string
	Batch       int
	// Status and Source are the dataset's declaration (P-6, O-7).
	Status string
	Source string
}

func (c *NodeDatasetImportCmd) Validate() error {
	if err := supply.CheckDatasetName(c.Name); err != nil {
		return err
	}
	if err := (gate.Declaration{Status: c.Status, Source: c.Source}).Check(); err != nil {
		return err
	}
	switch {
	case c.Listing == "":
		return errs.Invalidf("--listing", "请用 --listing 指定挂牌文件（平台返回的 JSON）", "name the listing file (JSON as the platform returns it) with --listing")
	case c.In == "":
		return errs.Invalidf("--in", "请用 --in 指定数据集 CSV 文件", "name the dataset CSV file with --in")
	case c.IDColumn == "":
		return errs.Invalidf("--id-column", "请用 --id-column 指定主体 ID 列", "name the subject ID column with --id-column")
	case c.IDType == "" && (c.Platform != "" || c.Credentials != ""):
		return errs.Invalidf("--id-type", "--platform 和 --credentials 用于转换原始标识，请同时用 --id-type 指明标识类型", "--platform and --credentials translate raw IDs; give their type with --id-type")
	case c.IDType != "" && c.Credentials == "":
		return errs.Invalidf("--credentials", "转换原始标识须用 --credentials 指定凭据文件（含 API 令牌）", "translating raw IDs needs --credentials (a file with the API token)")
	case c.Batch < 0:
		return errs.Invalidf("--batch", "批大小不能为负数", "the batch size cannot be negative")
	}
	if c.IDType != "" {
		if _, err := ident.ParseType(c.IDType); err != nil {
			return errs.Invalidf("--id-type", "不支持的标识类型："+c.IDType, "unsupported ID type: "+c.IDType)
		}
	}
	_, err := scan.ParseEncoding(c.Encoding)
	return err
}

func (c *NodeDatasetImportCmd) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	// The inputs are opened first: a missing file is reported before the
	// node's database and keys are touched.
	lf, err := scanOpenFile(c.Listing)
	if err != nil {
		return err
	}
	defer lf.Close()
	// The CSV streams, decompressed as it is read when it is gzip.
	f, err := openDataFile("--in", c.In)
	if err != nil {
		return err
	}
	defer f.Close()
	if c.Credentials != "" {
		if err := checkReadable("--credentials", c.Credentials); err != nil {
			return err
		}
	}
	n, err := c.open(ctx, c.env)
	if err != nil {
		return err
	}
	defer n.Close()
	im := supply.DatasetImport{Name: c.Name, IDColumn: c.IDColumn, Batch: c.Batch, Status: c.Status, Source: c.Source}
	im.Encoding, _ = scan.ParseEncoding(c.Encoding)
	if c.IDType != "" {
		typ, _ := ident.ParseType(c.IDType)
		tr, err := rawIDTranslator(ctx, c.env, n, c.Platform, c.Credentials, typ)
		if err != nil {
			return err
		}
		im.Translate = tr.Translate
	}
	im.Listing, im.In = lf, f
	progress := newProgress(c.env, i18n.T("导入中", "importing"), f.size)
	im.Progress = func(p supply.ImportProgress) { progress.update(p.Rows, p.Rows, f.read.Load()) }
	res, err := supply.New(n).ImportDataset(ctx, im)
	progress.done(true)
	if err != nil {
		return err
	}
	t := func(zh, en string) string { return i18n.T(zh, en).In(c.env.Lang) }
	fmt.Fprintf(c.env.Stdout, t("数据集 %s 第 %d 版：%d 行，已设为当前版本\n", "dataset %s version %d: %d rows, now current\n"), res.Name, res.Version, res.Rows)
	if res.Resumed > 0 {
		fmt.Fprintf(c.env.Stdout, t("续接中断的导入：%d 行的 exID 沿用上次的转换结果，未再次转换\n", "resumed an interrupted import: %d rows kept the exIDs translated before, not translated again\n"), res.Resumed)
	}
	if res.Pass {
		fmt.Fprintln(c.env.Stdout, t("合规检查：通过；用 hulian node dataset report 取得签名报告提交挂牌", "gate: PASS; hulian node dataset report prints the signed report for submitting the listing"))
		return nil
	}
	fmt.Fprintf(c.env.Stdout, t("合规检查：不通过（%d 个标签值少于 %d 个主体，%d 项禁止内容），该版本不能挂牌\n", "gate: FAIL (%d tag values below %d subjects, %d prohibited findings); this version cannot be listed\n"),
		res.Table.Failures, res.Table.K, len(res.Findings))
	for _, v := range res.Table.Values {
		if !v.Pass {
			fmt.Fprintf(c.env.Stdout, "  %s=%q: %d\n", v.Key, v.Value, v.Subjects)
		}
	}
	return ExitError{Code: 1}
}

func newNodeDatasetImportCmd(env *Env) *cobra.Command {
	c := &NodeDatasetImportCmd{env: env}
	cmd := &cobra.Command{
		Use:   "import --name NAME --listing LISTING.json --in FILE.csv --id-column COL",
		Short: "import a CSV as a new version of a dataset kept on the node / 导入数据集新版本",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&c.Name, "name", "", "the dataset's name on the node / 数据集名称")
	fl.StringVar(&c.Listing, "listing", "", "the listing as the platform returns it (JSON); only its tag columns are kept / 挂牌文件")
	fl.StringVar(&c.In, "in", "", "the dataset CSV with a header row, gzip-compressed or not / 数据集 CSV（可为 gzip 压缩）")
	fl.StringVar(&c.IDColumn, "id-column", "", "the subject ID column: exIDs, or raw IDs with --id-type / 主体 ID 列")
	fl.StringVar(&c.Status, "status", "deidentified", "the data is deidentified (linkable to a person only with the exID, as every dataset keyed by exIDs) or anonymised; only de-identified data can be listed / 去标识化或匿名化")
	fl.StringVar(&c.Source, "source", "", "the data's source and the lawful basis it was collected on, e.g. \"our membership system, under clause 5 of the membership agreement\" (required) / 数据来源及其合法依据（必填）")
	fl.StringVar(&c.IDType, "id-type", "", "the column holds raw IDs of this type (e.g. mobile), translated through the platform and never stored / 原始标识类型")
	fl.StringVar(&c.Platform, "platform", "", "with --id-type: the platform's base URL (default: the node's)")
	fl.StringVar(&c.Credentials, "credentials", "", "with --id-type: a file holding the member's API token")
	fl.StringVar(&c.Encoding, "encoding", "auto", "auto, utf-8 or gb18030 / 文件编码")
	fl.IntVar(&c.Batch, "batch", supply.DefaultImportBatch, "rows read, translated and written at a time")
	return cmd
}

// NodeDatasetReportCmd prints the signed gate report of a dataset's
// current version, ready for the platform's SubmitListing.
type NodeDatasetReportCmd struct {
	env *Env
	nodeDatasetFlags
	Name string
}

func (c *NodeDatasetReportCmd) Run(ctx context.Context) error {
	if err := supply.CheckDatasetName(c.Name); err != nil {
		return err
	}
	n, err := c.open(ctx, c.env)
	if err != nil {
		return err
	}
	defer n.Close()
	d, err := supply.New(n).Dataset(ctx, c.Name)
	if err != nil {
		return err
	}
	e := json.NewEncoder(c.env.Stdout)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(d.Report); err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if !d.GatePass {
		fmt.Fprintf(c.env.Stderr, "hulian: %s\n", i18n.T(
			fmt.Sprintf("数据集 %s 第 %d 版未通过合规检查，平台将拒绝该报告", c.Name, d.Version),
			fmt.Sprintf("dataset %s version %d did not pass the gate; the platform will refuse this report", c.Name, d.Version)).In(c.env.Lang))
		return ExitError{Code: 1}
	}
	return nil
}

func newNodeDatasetReportCmd(env *Env) *cobra.Command {
	c := &NodeDatasetReportCmd{env: env}
	cmd := &cobra.Command{
		Use:   "report --name NAME",
		Short: "print the signed gate report of a dataset's current version / 输出签名的合规检查报告",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&c.Name, "name", "", "the dataset's name / 数据集名称")
	return cmd
}

// NodeDatasetExcludeCmd removes exIDs from every answer of a dataset, or of
// all datasets with --all.
type NodeDatasetExcludeCmd struct {
	env *Env
	nodeDatasetFlags
	Name   string
	All    bool
	Reason string
	IDs    []string
}

func (c *NodeDatasetExcludeCmd) Validate() ([]exid.ExID, error) {
	if c.All == (c.Name != "") {
		return nil, errs.Invalidf("--name", "请用 --name 指定数据集，或用 --all 从所有数据集排除", "name the dataset with --name, or exclude from every dataset with --all")
	}
	if c.Name != "" {
		if err := supply.CheckDatasetName(c.Name); err != nil {
			return nil, err
		}
	}
	if len(c.IDs) == 0 {
		return nil, errs.Invalidf("EXID", "请给出要排除的 exID", "give the exIDs to exclude")
	}
	ids := make([]exid.ExID, len(c.IDs))
	for i, s := range c.IDs {
		id, err := exid.Parse(strings.TrimSpace(s))
		if err != nil {
			return nil, errs.Invalidf("EXID", fmt.Sprintf("第 %d 个 exID 无效：%s", i+1, errs.Message(err, i18n.ZH)), fmt.Sprintf("exID %d is invalid: %s", i+1, errs.Message(err, i18n.EN)))
		}
		ids[i] = id
	}
	return ids, nil
}

func (c *NodeDatasetExcludeCmd) Run(ctx context.Context) error {
	ids, err := c.Validate()
	if err != nil {
		return err
	}
	n, err := c.open(ctx, c.env)
	if err != nil {
		return err
	}
	defer n.Close()
	added, err := supply.New(n).Exclude(ctx, c.Name, ids, c.Reason)
	if err != nil {
		return err
	}
	scope := i18n.T("数据集 "+c.Name, "dataset "+c.Name)
	if c.All {
		scope = i18n.T("所有数据集", "every dataset")
	}
	fmt.Fprintf(c.env.Stdout, i18n.T("已从%s的所有应答中排除 %d 个 exID（新增 %d 个）\n", "excluded %[2]d exIDs from every answer of %[1]s (%[3]d new)\n").In(c.env.Lang), scope.In(c.env.Lang), len(ids), added)
	return nil
}

func newNodeDatasetExcludeCmd(env *Env) *cobra.Command {
	c := &NodeDatasetExcludeCmd{env: env}
	cmd := &cobra.Command{
		Use:   "exclude (--name NAME | --all) EXID...",
		Short: "remove exIDs from every answer at once / 从应答中排除 exID",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c.IDs = args
			c.resolveDB(env)
			return c.Run(cmd.Context())
		},
	}
	c.register(cmd)
	cmd.Flags().StringVar(&c.Name, "name", "", "the dataset's name / 数据集名称")
	cmd.Flags().BoolVar(&c.All, "all", false, "exclude from every dataset on the node (a withdrawn consent) / 从所有数据集排除")
	cmd.Flags().StringVar(&c.Reason, "reason", "", "why, for the node's event record / 原因")
	return cmd
}

func newNodeDatasetCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dataset",
		Short: "a supplier's datasets kept on the node (X-A1) / 节点数据集",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newNodeDatasetImportCmd(env), newNodeDatasetReportCmd(env), newNodeDatasetExcludeCmd(env))
	return cmd
}
