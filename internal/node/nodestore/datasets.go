package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/storage"
)

// Setting and event names of the dataset side of the node.
const (
	// SettingStorageRegion is where the node stores its data, an ISO
	// 3166-2 code such as "CN-SH" (O-6).
	SettingStorageRegion = "storage_region"

	EventDatasetImported = "dataset.imported"
	EventDatasetExcluded = "dataset.excluded"
)

// DatasetVersion is one import of a dataset.
type DatasetVersion struct {
	ID             int64
	Dataset        string
	Version        int
	ListingID      string
	ListingVersion int
	Subject        string   // catalog.SubjectKind of the listing
	Columns        []string // the tag columns, the order of each row's values
	TagKeys        []string // the listing's tag key of each column; empty for versions imported before they were kept
	Rows           int64
	Store          string // StoreColumns, or StoreRows for versions imported before the column store
	GatePass       bool
	GateReport     []byte // the signed gate.SignedReport as JSON
	Imported       time.Time
}

// NextDatasetVersion returns the version number the next import of name
// gets: one more than the highest so far, 1 for a new dataset.
func (tx *Tx) NextDatasetVersion(ctx context.Context, name string) (int, error) {
	var v sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT MAX(version) FROM node_dataset_versions WHERE dataset = $1`, name).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64) + 1, nil
}

// InsertDatasetVersion stores a version's header before its rows and sets
// v.ID. The gate fields may be filled in later with FinishDatasetVersion.
func (tx *Tx) InsertDatasetVersion(ctx context.Context, v *DatasetVersion) error {
	cols, err := json.Marshal(v.Columns)
	if err != nil {
		return err
	}
	keys, err := json.Marshal(v.TagKeys)
	if err != nil {
		return err
	}
	if v.TagKeys == nil {
		keys = []byte("[]")
	}
	if v.Imported.IsZero() {
		v.Imported = tx.Now()
	}
	if v.Store == "" {
		v.Store = StoreColumns
	}
	err = tx.QueryRow(ctx, `INSERT INTO node_dataset_versions (dataset, version, listing_id, listing_version, subject, tag_columns, tag_keys, row_count, store, gate_pass, gate_report, imported_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		v.Dataset, v.Version, v.ListingID, v.ListingVersion, v.Subject, string(cols), string(keys), v.Rows, v.Store, v.GatePass, string(v.GateReport), v.Imported.UTC()).Scan(&v.ID)
	if tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "--name", "该数据集版本已被另一次导入写入，请重试", "another import wrote this dataset version; run the import again")
	}
	return err
}

// FinishDatasetVersion records the row count and gate verdict of version
// v.ID and makes it the dataset's current version.
func (tx *Tx) FinishDatasetVersion(ctx context.Context, v *DatasetVersion) error {
	if _, err := tx.Exec(ctx, `UPDATE node_dataset_versions SET row_count = $1, gate_pass = $2, gate_report = $3 WHERE id = $4`,
		v.Rows, v.GatePass, string(v.GateReport), v.ID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO node_datasets (name, current_version, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET current_version = excluded.current_version, updated_at = excluded.updated_at`,
		v.Dataset, v.Version, tx.Now())
	return err
}

const versionColumns = `id, dataset, version, listing_id, listing_version, subject, tag_columns, tag_keys, row_count, store, gate_pass, gate_report, imported_at`

func scanVersion(sc interface{ Scan(...any) error }) (*DatasetVersion, error) {
	var v DatasetVersion
	var cols, keys, report string
	if err := sc.Scan(&v.ID, &v.Dataset, &v.Version, &v.ListingID, &v.ListingVersion, &v.Subject, &cols, &keys, &v.Rows, &v.Store, &v.GatePass, &report, &v.Imported); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cols), &v.Columns); err != nil {
		return nil, fmt.Errorf("dataset %s version %d: columns: %w", v.Dataset, v.Version, err)
	}
	if err := json.Unmarshal([]byte(keys), &v.TagKeys); err != nil {
		return nil, fmt.Errorf("dataset %s version %d: tag keys: %w", v.Dataset, v.Version, err)
	}
	if len(v.TagKeys) == 0 {
		v.TagKeys = nil
	}
	v.GateReport = []byte(report)
	v.Imported = v.Imported.UTC()
	return &v, nil
}

// CurrentDatasetVersion returns the current version of dataset name,
// NotFound if the node has no such dataset.
func (tx *Tx) CurrentDatasetVersion(ctx context.Context, name string) (*DatasetVersion, error) {
	v, err := scanVersion(tx.QueryRow(ctx, `SELECT `+prefixed("v.", versionColumns)+` FROM node_datasets d
		JOIN node_dataset_versions v ON v.dataset = d.name AND v.version = d.current_version WHERE d.name = $1`, name))
	if err != nil {
		return nil, storage.NotFound(err, "--name", "节点上没有这个数据集："+name, "the node has no dataset named "+name)
	}
	return v, nil
}

// DatasetVersions lists every version of dataset name, oldest first.
func (tx *Tx) DatasetVersions(ctx context.Context, name string) ([]*DatasetVersion, error) {
	rows, err := tx.Query(ctx, `SELECT `+versionColumns+` FROM node_dataset_versions WHERE dataset = $1 ORDER BY version`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []*DatasetVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// HasDatasets reports whether the node holds any dataset of the given
// subject kinds (any kind when none is given).
func (tx *Tx) HasDatasets(ctx context.Context, subjects ...string) (bool, error) {
	q := `SELECT 1 FROM node_datasets d JOIN node_dataset_versions v ON v.dataset = d.name AND v.version = d.current_version`
	args := []any{}
	if len(subjects) > 0 {
		ph := make([]string, len(subjects))
		for i, s := range subjects {
			ph[i] = fmt.Sprintf("$%d", i+1)
			args = append(args, s)
		}
		q += ` WHERE v.subject IN (` + strings.Join(ph, ",") + `)`
	}
	var one int
	err := tx.QueryRow(ctx, q+` LIMIT 1`, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Exclude records that exid must be left out of every answer of dataset,
// or of all datasets when dataset is "". It reports whether the exclusion
// is new.
func (tx *Tx) Exclude(ctx context.Context, dataset string, exid []byte, reason string) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO node_dataset_exclusions (exid, dataset, reason, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (exid, dataset) DO NOTHING`, exid, dataset, reason, tx.Now())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ExcludeSubjects excludes ids from dataset ("" for all), advances the
// exclusions' generation — a serving node compares it on every answer, so
// the exclusion reaches answers from memory at once, even when made by
// another process — and records the event, naming the count, not the
// exIDs: the trail is read by staff who need not see who withdrew. It
// returns how many exclusions are new.
func (tx *Tx) ExcludeSubjects(ctx context.Context, dataset string, ids [][]byte, reason string) (int, error) {
	added := 0
	for _, id := range ids {
		isNew, err := tx.Exclude(ctx, dataset, id, reason)
		if err != nil {
			return 0, err
		}
		if isNew {
			added++
		}
	}
	if err := tx.BumpExclusionsGen(ctx); err != nil {
		return 0, err
	}
	scope := dataset
	if scope == "" {
		scope = "*"
	}
	return added, tx.Record(ctx, EventDatasetExcluded, fmt.Sprintf("dataset=%s exids=%d new=%d reason=%s", scope, len(ids), added, reason))
}

// Excluded reports whether exid is excluded from dataset.
func (tx *Tx) Excluded(ctx context.Context, dataset string, exid []byte) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM node_dataset_exclusions WHERE exid = $1 AND dataset IN ('', $2) LIMIT 1`, exid, dataset).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

// Datasets lists the current version of every dataset, by name.
func (tx *Tx) Datasets(ctx context.Context) ([]*DatasetVersion, error) {
	rows, err := tx.Query(ctx, `SELECT `+prefixed("v.", versionColumns)+` FROM node_datasets d
		JOIN node_dataset_versions v ON v.dataset = d.name AND v.version = d.current_version ORDER BY d.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vs []*DatasetVersion
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}
