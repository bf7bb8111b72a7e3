package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
)

// The stores of a dataset version's data (DatasetVersion.Store).
const (
	StoreRows    = "rows"    // node_dataset_rows, one row per subject: versions imported before the column store
	StoreColumns = "columns" // node_dataset_segments (package colstore)
)

// Segment is one chunk of a part of a version's column store.
type Segment struct {
	Part     string // "ids", or "c<column>"
	N        int    // its place in the part, from 0
	FirstKey []byte // of an ids chunk: its first exID; nil otherwise
	Data     []byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// InsertSegment stores one chunk of version versionID with its checksum.
func (tx *Tx) InsertSegment(ctx context.Context, versionID int64, s Segment) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_dataset_segments (version_id, part, n, first_key, crc, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		versionID, s.Part, s.N, s.FirstKey, int64(crc32.Checksum(s.Data, castagnoli)), s.Data)
	return err
}

// DeleteSegments removes the chunks of version versionID's part, or of
// every part when part is "".
func (tx *Tx) DeleteSegments(ctx context.Context, versionID int64, part string) error {
	if part == "" {
		_, err := tx.Exec(ctx, `DELETE FROM node_dataset_segments WHERE version_id = $1`, versionID)
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM node_dataset_segments WHERE version_id = $1 AND part = $2`, versionID, part)
	return err
}

// SetDatasetStore records where version versionID keeps its data.
func (tx *Tx) SetDatasetStore(ctx context.Context, versionID int64, store string) error {
	_, err := tx.Exec(ctx, `UPDATE node_dataset_versions SET store = $1 WHERE id = $2`, store, versionID)
	return err
}

// DeleteDatasetRows removes the rows version versionID kept before its
// data moved to the column store.
func (tx *Tx) DeleteDatasetRows(ctx context.Context, versionID int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM node_dataset_rows WHERE version_id = $1`, versionID)
	return err
}

// EachSegment calls fn with every chunk of version versionID, or of its
// part only when part is not "", by part then place, each checked against
// its checksum. The data is the driver's own: fn must not keep it past its
// return.
func (tx *Tx) EachSegment(ctx context.Context, versionID int64, part string, fn func(s Segment) error) error {
	q, args := `SELECT part, n, crc, data FROM node_dataset_segments WHERE version_id = $1 ORDER BY part, n`, []any{versionID}
	if part != "" {
		q, args = `SELECT part, n, crc, data FROM node_dataset_segments WHERE version_id = $1 AND part = $2 ORDER BY n`, append(args, part)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var data sql.RawBytes
	for rows.Next() {
		var s Segment
		var crc int64
		if err := rows.Scan(&s.Part, &s.N, &crc, &data); err != nil {
			return err
		}
		s.Data = data
		if err := checkSegment(versionID, s, crc); err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SegmentAt returns the ids chunk of version versionID that would hold
// key: the last whose first exID is not above it; ok is false when key
// sorts before every chunk.
func (tx *Tx) SegmentAt(ctx context.Context, versionID int64, key []byte) (s Segment, ok bool, err error) {
	var crc int64
	err = tx.QueryRow(ctx, `SELECT part, n, crc, data FROM node_dataset_segments WHERE version_id = $1 AND part = 'ids' AND first_key <= $2
		ORDER BY first_key DESC LIMIT 1`, versionID, key).Scan(&s.Part, &s.N, &crc, &s.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return Segment{}, false, nil
	}
	if err != nil {
		return Segment{}, false, err
	}
	return s, true, checkSegment(versionID, s, crc)
}

func checkSegment(versionID int64, s Segment, crc int64) error {
	if int64(crc32.Checksum(s.Data, castagnoli)) != crc {
		return fmt.Errorf("dataset version %d: chunk %d of part %s is damaged (checksum mismatch); restore the node's database from a backup", versionID, s.N, s.Part)
	}
	return nil
}

// PartSize is what one part of a version's column store takes.
type PartSize struct {
	Part   string // "ids", or "c<column>"
	Chunks int
	Bytes  int64
}

// SegmentSizes returns, by part, the chunks version versionID keeps and
// their bytes.
func (tx *Tx) SegmentSizes(ctx context.Context, versionID int64) ([]PartSize, error) {
	rows, err := tx.Query(ctx, `SELECT part, COUNT(*), SUM(LENGTH(data)) FROM node_dataset_segments WHERE version_id = $1 GROUP BY part ORDER BY part`, versionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PartSize
	for rows.Next() {
		var p PartSize
		if err := rows.Scan(&p.Part, &p.Chunks, &p.Bytes); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
