package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ImportStage is the exIDs of one batch of an import that translates raw
// IDs, kept until the import commits so that an interrupted import
// resumes without translating them again.
type ImportStage struct {
	Dataset  string
	FirstRow int    // the batch's first data row (line) in the input
	Digest   []byte // keyed digest of the batch's raw IDs: the stage is taken only for the same IDs
	IDs      []byte // the batch's exIDs, exid.Size bytes each, in the batch's order
	StagedAt time.Time
}

// StageImport keeps a batch's exIDs, replacing what an earlier import of
// another input staged at the same place.
func (tx *Tx) StageImport(ctx context.Context, s *ImportStage) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_import_stages (dataset, first_row, digest, ids, staged_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (dataset, first_row) DO UPDATE SET digest = excluded.digest, ids = excluded.ids, staged_at = excluded.staged_at`,
		s.Dataset, s.FirstRow, s.Digest, s.IDs, tx.Now())
	return err
}

// ImportStage returns what an import of dataset staged for the batch
// starting at firstRow, or nil.
func (tx *Tx) ImportStage(ctx context.Context, dataset string, firstRow int) (*ImportStage, error) {
	s := &ImportStage{Dataset: dataset, FirstRow: firstRow}
	err := tx.QueryRow(ctx, `SELECT digest, ids, staged_at FROM node_import_stages WHERE dataset = $1 AND first_row = $2`, dataset, firstRow).
		Scan(&s.Digest, &s.IDs, &s.StagedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

// HasImportStages says whether imports of dataset left any stage.
func (tx *Tx) HasImportStages(ctx context.Context, dataset string) (bool, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM node_import_stages WHERE dataset = $1 LIMIT 1) s`, dataset).Scan(&n)
	return n > 0, err
}

// DropImportStages removes what imports of dataset staged: the import
// that commits its version no longer needs them.
func (tx *Tx) DropImportStages(ctx context.Context, dataset string) error {
	_, err := tx.Exec(ctx, `DELETE FROM node_import_stages WHERE dataset = $1`, dataset)
	return err
}

// DropImportStagesBefore removes stages kept since before t, of imports
// that were not taken up again, and returns how many batches went.
func (tx *Tx) DropImportStagesBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := tx.Exec(ctx, `DELETE FROM node_import_stages WHERE staged_at < $1`, t.UTC())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
