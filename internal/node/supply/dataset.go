package supply

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/node/colstore"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// A supplier's datasets stay on its node (X-A1): rows keyed by exID, one
// version per import, the latest current. The platform sees only the signed
// gate report of each version.

// DefaultImportBatch is how many rows an import reads, translates and
// writes at a time.
const DefaultImportBatch = 1000

// maxListing bounds the listing document an import reads.
const maxListing = 4 << 20

// maxDatasetName bounds a dataset's name.
const maxDatasetName = 100

// DatasetImport describes one import of a dataset.
type DatasetImport struct {
	Name     string
	Listing  io.Reader // the listing as the platform returns it (catalog.Listing JSON)
	In       io.Reader // the CSV, with a header row
	Encoding scan.Encoding
	IDColumn string
	// Translate turns a batch of raw IDs into exIDs through the platform
	// (exid.Translator.Translate); nil when the ID column holds exIDs.
	// Raw IDs are replaced by their exIDs before a row goes further, so
	// none reaches the node's store.
	Translate func(ctx context.Context, raw []string) ([]exid.Result, error)
	Scanner   *scan.Scanner // the prohibited-content scanner; the default one if nil
	Batch     int           // rows per batch; DefaultImportBatch if 0
	// Status and Source are the supplier's declaration (P-6, O-7): the
	// data is de-identified or anonymised, and where it came from on what
	// lawful basis. The signed gate report carries them; the platform lists
	// only de-identified data of a stated source.
	Status string
	Source string
	// Progress, if set, is called after each batch is read, scanned and
	// gathered (nothing of the version is committed until the end).
	Progress func(ImportProgress)
}

// ImportProgress counts an import's work so far.
type ImportProgress struct {
	Rows    int64 // data rows read and gathered
	Resumed int64 // of them, rows whose raw IDs an interrupted import had translated
}

// DatasetImported is the outcome of an import.
type DatasetImported struct {
	Name     string
	Version  int
	Rows     int64
	Resumed  int64 // rows whose exIDs an interrupted import of the same input had translated
	Table    gate.Report
	Findings []scan.Finding
	Report   *gate.SignedReport // signed by the node
	Pass     bool               // the gate passed and nothing prohibited was found
}

// CheckDatasetName validates a dataset's name: letters, digits, '-', '_'
// and '.', as it appears in commands and the node's records.
func CheckDatasetName(name string) error {
	if name == "" || len(name) > maxDatasetName || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
		return errs.Invalidf("--name", "数据集名称须为 1 到 100 个字母、数字、-、_ 或 .", "a dataset name is 1 to 100 letters, digits, '-', '_' or '.'")
	}
	return nil
}

// importListing is what an import reads of the listing besides the gate's
// part.
type importListing struct {
	gate.Listing
	Subject catalog.SubjectKind
}

func readImportListing(r io.Reader) (importListing, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxListing+1))
	if err != nil {
		return importListing{}, err
	}
	if len(b) > maxListing {
		return importListing{}, errs.Invalidf("--listing", "挂牌文件过大", "the listing file is too large")
	}
	gl, err := gate.ParseListing(bytes.NewReader(b))
	if err != nil {
		return importListing{}, err
	}
	var extra struct {
		Subject catalog.SubjectKind `json:"subject"`
	}
	_ = json.Unmarshal(b, &extra) // ParseListing has already accepted the document
	if extra.Subject == "" {
		// Without a declared subject the rows are treated as personal
		// information, the stricter reading.
		extra.Subject = catalog.SubjectPerson
	}
	if !strings.HasPrefix(gl.ID, "lst_") || gl.Version < 1 {
		return importListing{}, errs.Invalidf("--listing", "导入需要平台上的挂牌（含 id 和 version），请用平台返回的挂牌 JSON", "an import needs the listing as the platform returns it, with its id and version")
	}
	return importListing{Listing: gl, Subject: extra.Subject}, nil
}

// ImportDataset imports a CSV as a new version of a dataset, in one
// transaction: a bad row leaves nothing of the version behind. Raw IDs it
// translated are kept batch by batch until then, so that the same import
// run again after an interruption or a bad row does not translate them
// again (stager). The CSV streams; memory holds the version in the column
// store's form, not the file (at most about 60 bytes a row while it
// sorts). It keeps only the listing's tag columns, runs the
// prohibited-content scan and the gate on the rows, and stores the gate
// report signed by the node's key, whatever its verdict, so that the
// member sees why a version cannot be listed.
func (n *Side) ImportDataset(ctx context.Context, im DatasetImport) (*DatasetImported, error) {
	if err := CheckDatasetName(im.Name); err != nil {
		return nil, err
	}
	if im.IDColumn == "" {
		return nil, errs.Invalidf("--id-column", "请用 --id-column 指定主体 ID 列", "name the subject ID column with --id-column")
	}
	decl := gate.Declaration{Status: im.Status, Source: im.Source}
	if err := decl.Check(); err != nil {
		return nil, err
	}
	l, err := readImportListing(im.Listing)
	if err != nil {
		return nil, err
	}
	if err := n.CheckRegion(l.Subject); err != nil {
		return nil, err
	}
	if im.Batch <= 0 {
		im.Batch = DefaultImportBatch
	}
	if im.Scanner == nil {
		im.Scanner = scan.New(scan.Options{})
	}
	if im.Encoding == "" {
		im.Encoding = scan.Encoding("auto")
	}
	rd, err := scan.NewReader(im.In, im.Encoding)
	if err != nil {
		return nil, err
	}
	idx, err := rd.Column(im.IDColumn)
	if err != nil {
		return nil, err
	}
	table, err := gate.NewTable(rd.Header, im.IDColumn, l.Listing)
	if err != nil {
		return nil, err
	}
	cols := make([]int, len(l.Tags))
	names := make([]string, len(l.Tags))
	keys := make([]string, len(l.Tags))
	for i, t := range l.Tags {
		names[i], keys[i] = t.Column, t.Key
		for j, h := range rd.Header {
			if h == t.Column {
				cols[i] = j
			}
		}
	}
	out := &DatasetImported{Name: im.Name, Findings: []scan.Finding{}}
	rs, err := im.Scanner.Rows(rd.Header, idx, func(f scan.Finding) error {
		out.Findings = append(out.Findings, f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The rows are read, scanned, gated and gathered in memory first, in
	// the column store's form; the version is then written in one short
	// transaction, which a conflict may retry without reading the input
	// (or spending translations) again.
	b := importBatch{im: &im, idx: idx, cols: cols, header: rd.Header}
	if im.Translate != nil {
		if b.stage, err = n.newStager(ctx, im.Name); err != nil {
			return nil, err
		}
	}
	build := colstore.NewBuilder(len(cols))
	for {
		more, err := b.read(ctx, rd)
		if err != nil {
			return nil, err
		}
		if len(b.recs) == 0 {
			break
		}
		if err := b.identify(ctx); err != nil {
			return nil, err
		}
		for i, rec := range b.recs {
			if err := rs.Row(b.rows[i], rec); err != nil {
				return nil, err
			}
			if err := table.Add(b.rows[i], rec); err != nil {
				return nil, err
			}
			build.Add(b.ids[i], b.vals[i], b.rows[i])
		}
		if im.Progress != nil {
			im.Progress(ImportProgress{Rows: int64(build.Len()), Resumed: b.resumed()})
		}
		if !more {
			break
		}
	}
	data, err := build.Build()
	if dup, ok := errors.AsType[*colstore.DuplicateError](err); ok {
		return nil, errs.Invalidf(im.IDColumn, "同一主体出现在多行；每个主体只能有一行", "the subject appears in more than one row; a dataset has one row per subject").AtRow(dup.Line)
	}
	if err != nil {
		return nil, err
	}
	out.Table = table.Report()
	out.Pass = out.Table.Pass && len(out.Findings) == 0
	var stored *nodestore.DatasetVersion
	err = n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		version, err := tx.NextDatasetVersion(ctx, im.Name)
		if err != nil {
			return err
		}
		v := &nodestore.DatasetVersion{Dataset: im.Name, Version: version, ListingID: l.ID, ListingVersion: l.Version,
			Subject: string(l.Subject), Columns: names, TagKeys: keys, Rows: int64(data.Len()), Store: nodestore.StoreColumns, GateReport: []byte("{}")}
		if err := tx.InsertDatasetVersion(ctx, v); err != nil {
			return err
		}
		// Every column is graded from its name and the scanner's
		// findings; a sensitive one is stored sealed under its own key.
		fields, err := grading.Prepare(ctx, n.Node, tx, v, out.Findings)
		if err != nil {
			return err
		}
		if err := colstore.Write(ctx, tx, v, data, fields); err != nil {
			return err
		}
		out.Report = gate.NewSignedReport(l.Listing, out.Table, out.Findings, decl, tx.Now())
		n.SignGateReport(out.Report)
		if v.GateReport, err = json.Marshal(out.Report); err != nil {
			return err
		}
		v.GatePass = out.Pass
		if err := tx.FinishDatasetVersion(ctx, v); err != nil {
			return err
		}
		out.Version, out.Rows, out.Resumed, stored = v.Version, v.Rows, b.resumed(), v
		// What was staged to resume this import is no longer needed.
		if err := tx.DropImportStages(ctx, im.Name); err != nil {
			return err
		}
		verdict := "fail"
		if out.Pass {
			verdict = "pass"
		}
		return tx.Record(ctx, nodestore.EventDatasetImported, fmt.Sprintf("dataset=%s version=%d rows=%d listing=%s@%d subject=%s gate=%s findings=%d",
			im.Name, v.Version, v.Rows, l.ID, l.Version, l.Subject, verdict, len(out.Findings)))
	})
	if err != nil {
		return nil, err
	}
	n.Logger().Info("imported a dataset version", "dataset", im.Name, "version", out.Version, "rows", out.Rows, "gate_pass", out.Pass)
	if out.Pass && n.CheckRegion(l.Subject) == nil {
		if err := n.keep(ctx, stored, data); err != nil {
			n.Logger().Warn("the version just imported is loaded on its first request instead", "dataset", im.Name, "version", out.Version, "err", err)
		}
	}
	return out, nil
}

// importBatch is the rows of one batch: read, their IDs turned into exIDs,
// and their tag values picked out.
type importBatch struct {
	im     *DatasetImport
	idx    int
	cols   []int
	header []string
	recs   [][]string
	rows   []int
	ids    []exid.ExID // each record's subject
	vals   [][]string  // each record's tag values, in the listing's order
	raw    []string
	stage  *stager // keeps translated batches for a resumed import; nil without translation
}

func (b *importBatch) resumed() int64 {
	if b.stage == nil {
		return 0
	}
	return b.stage.resumed
}

// read fills the batch with up to im.Batch rows, copying each record (the
// reader reuses its slice); more is false at the end of the input.
func (b *importBatch) read(ctx context.Context, rd *scan.Reader) (more bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	b.recs, b.rows = b.recs[:0], b.rows[:0]
	for len(b.recs) < b.im.Batch {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		b.recs = append(b.recs, append([]string(nil), rec...))
		b.rows = append(b.rows, rd.Row())
	}
	return true, nil
}

// identify sets each record's ID cell to its exID, translating raw IDs
// through the platform when the import has a translator, and builds the
// rows to store.
func (b *importBatch) identify(ctx context.Context) error {
	col := b.header[b.idx]
	ids := make([]exid.ExID, len(b.recs))
	if b.im.Translate != nil {
		b.raw = b.raw[:0]
		for _, rec := range b.recs {
			b.raw = append(b.raw, strings.TrimSpace(rec[b.idx]))
		}
		var err error
		ids, err = b.stage.translate(ctx, col, b.rows[0], b.raw, func() ([]exid.ExID, error) {
			res, err := b.im.Translate(ctx, b.raw)
			if err != nil {
				return nil, err
			}
			for i, r := range res {
				if r.Err != nil {
					return nil, errs.InCell(r.Err, col, b.rows[i], "原始标识无效", "invalid raw ID")
				}
				ids[i] = r.ExID
			}
			return ids, nil
		})
		clear(b.raw) // raw IDs are dropped as soon as they are translated
		if err != nil {
			return err
		}
	} else {
		for i, rec := range b.recs {
			id, err := exid.Parse(strings.TrimSpace(rec[b.idx]))
			if err != nil {
				return errs.InCell(err, col, b.rows[i], "exID 无效", "invalid exID")
			}
			ids[i] = id
		}
	}
	b.ids, b.vals = ids, b.vals[:0]
	for i, rec := range b.recs {
		rec[b.idx] = ids[i].String()
		vals := make([]string, len(b.cols))
		for j, c := range b.cols {
			vals[j] = strings.TrimSpace(rec[c])
		}
		b.vals = append(b.vals, vals)
	}
	return nil
}

// Dataset is what the node holds of a dataset: its current version.
type Dataset struct {
	Name           string
	Version        int
	ListingID      string
	ListingVersion int
	Subject        catalog.SubjectKind
	Columns        []string // the tag columns, the order of DatasetValues' values
	Rows           int64
	GatePass       bool
	Report         *gate.SignedReport // signed by the node
	Imported       time.Time
}

// Dataset returns the current version of a dataset, NotFound if the node
// has none by that name.
func (n *Side) Dataset(ctx context.Context, name string) (*Dataset, error) {
	if err := CheckDatasetName(name); err != nil {
		return nil, err
	}
	var v *nodestore.DatasetVersion
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		v, err = tx.CurrentDatasetVersion(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return datasetOf(v)
}

// datasetOf is a stored version with its signed gate report decoded.
func datasetOf(v *nodestore.DatasetVersion) (*Dataset, error) {
	d := &Dataset{Name: v.Dataset, Version: v.Version, ListingID: v.ListingID, ListingVersion: v.ListingVersion,
		Subject: catalog.SubjectKind(v.Subject), Columns: v.Columns, Rows: v.Rows, GatePass: v.GatePass, Imported: v.Imported}
	d.Report = new(gate.SignedReport)
	if err := json.Unmarshal(v.GateReport, d.Report); err != nil {
		return nil, fmt.Errorf("dataset %s version %d: gate report: %w", v.Dataset, v.Version, err)
	}
	return d, nil
}

// Datasets lists the current version of each of the node's datasets.
func (n *Side) Datasets(ctx context.Context) ([]*Dataset, error) {
	return n.versions(ctx, func(tx *nodestore.Tx) ([]*nodestore.DatasetVersion, error) { return tx.Datasets(ctx) })
}

// DatasetHistory lists every version of dataset name, newest first;
// NotFound if the node has no such dataset.
func (n *Side) DatasetHistory(ctx context.Context, name string) ([]*Dataset, error) {
	if err := CheckDatasetName(name); err != nil {
		return nil, err
	}
	ds, err := n.versions(ctx, func(tx *nodestore.Tx) ([]*nodestore.DatasetVersion, error) { return tx.DatasetVersions(ctx, name) })
	if err == nil && len(ds) == 0 {
		err = errs.New(errs.NotFound, "name", "节点上没有这个数据集："+name, "the node has no dataset named "+name)
	}
	slices.Reverse(ds)
	return ds, err
}

func (n *Side) versions(ctx context.Context, read func(*nodestore.Tx) ([]*nodestore.DatasetVersion, error)) ([]*Dataset, error) {
	var vs []*nodestore.DatasetVersion
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		vs, err = read(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Dataset, 0, len(vs))
	for _, v := range vs {
		d, err := datasetOf(v)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DatasetValues returns the current version's values of the exIDs given
// that the dataset holds and that are not excluded, in the order of the
// dataset's Columns. It reads the version as answers do, from memory
// (loading it on first use); an exclusion takes effect from the moment it
// is committed.
func (n *Side) DatasetValues(ctx context.Context, name string, ids []exid.ExID) (map[exid.ExID][]string, error) {
	if err := CheckDatasetName(name); err != nil {
		return nil, err
	}
	var v *nodestore.DatasetVersion
	var gen int64
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		if v, err = tx.CurrentDatasetVersion(ctx, name); err != nil {
			return err
		}
		gen, err = tx.ExclusionsGen(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := n.CheckRegion(catalog.SubjectKind(v.Subject)); err != nil {
		return nil, err
	}
	// A version that failed the gate (a value under k, prohibited
	// content) is kept for inspection but never answers (X-E8).
	if !v.GatePass {
		return nil, errs.New(errs.FailedPrecondition, "dataset", "数据集当前版本未通过合规检查（k 值或禁止内容），不能用于应答", "the dataset's current version failed the gate (k or prohibited content) and cannot answer")
	}
	d, err := n.datasetFor(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := n.refreshExclusions(ctx, d, gen); err != nil {
		return nil, err
	}
	out := make(map[exid.ExID][]string, len(ids))
	for _, id := range ids {
		if row, ok := d.Find(id); ok && !d.isExcluded(uint32(row)) {
			out[id] = d.Values(row, nil)
		}
	}
	return out, nil
}

// Exclude removes exIDs from every answer of dataset name, or of every
// dataset when name is "" (a withdrawn consent, O-4), and records it in
// the node's event record. It returns how many exclusions are new.
func (n *Side) Exclude(ctx context.Context, name string, ids []exid.ExID, reason string) (int, error) {
	if name != "" {
		if err := CheckDatasetName(name); err != nil {
			return 0, err
		}
	}
	if len(ids) == 0 {
		return 0, errs.Invalidf("EXID", "请给出要排除的 exID", "give the exIDs to exclude")
	}
	raw := make([][]byte, len(ids))
	for i := range ids {
		raw[i] = ids[i][:]
	}
	added := 0
	err := n.DB.Transact(ctx, func(tx *nodestore.Tx) (err error) {
		added, err = tx.ExcludeSubjects(ctx, name, raw, reason)
		return err
	})
	return added, err
}
