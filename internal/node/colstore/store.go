package colstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"hulian/internal/node/fieldcrypt"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// chunkSize bounds a stored chunk: far below either engine's limit on a
// value (1 GB), large enough that a version of ten million rows is a few
// dozen statements. Tests make it small.
var chunkSize = 16 << 20

// idsPerChunk is how many exIDs an ids chunk holds: chunks of the ids part
// hold whole exIDs, so that one chunk answers where a subject is.
func idsPerChunk() int { return chunkSize / exid.Size }

const idsPart = "ids"

func columnPart(i int) string { return "c" + strconv.Itoa(i) }

// idBytes views ids as the bytes they are. An exID is an array of bytes,
// so a slice of them is one run of 17-byte records: a version's exIDs are
// stored and loaded by copying runs of chunks whole rather than an exID at
// a time (ten million exIDs: one copy of 170 MB).
func idBytes(ids []exid.ExID) []byte {
	if len(ids) == 0 {
		return nil
	}
	return unsafe.Slice(&ids[0][0], len(ids)*exid.Size)
}

// field is the column's Field, nil when it is kept in clear.
func field(fields fieldcrypt.Row, i int) *fieldcrypt.Field {
	if i < len(fields) {
		return fields[i]
	}
	return nil
}

// Write stores d as version v's data, in place of whatever v held before
// (rows of the former store are deleted), sealing the columns whose Field
// is set. It runs in the caller's transaction.
func Write(ctx context.Context, tx *nodestore.Tx, v *nodestore.DatasetVersion, d *Data, fields fieldcrypt.Row) error {
	if len(d.Cols) != len(v.Columns) {
		return fmt.Errorf("dataset %s version %d: %d columns to store for %d", v.Dataset, v.Version, len(d.Cols), len(v.Columns))
	}
	if err := tx.DeleteSegments(ctx, v.ID, ""); err != nil {
		return err
	}
	per, raw := idsPerChunk(), idBytes(d.IDs)
	for n, start := 0, 0; start < len(d.IDs); n, start = n+1, start+per {
		chunk := raw[start*exid.Size : min(len(d.IDs), start+per)*exid.Size]
		if err := tx.InsertSegment(ctx, v.ID, nodestore.Segment{Part: idsPart, N: n, FirstKey: d.IDs[start][:], Data: chunk}); err != nil {
			return err
		}
	}
	for i := range d.Cols {
		if err := WriteColumn(ctx, tx, v.ID, i, &d.Cols[i], field(fields, i)); err != nil {
			return err
		}
	}
	if v.Store == nodestore.StoreRows {
		if err := tx.DeleteDatasetRows(ctx, v.ID); err != nil {
			return err
		}
	}
	v.Store = nodestore.StoreColumns
	return tx.SetDatasetStore(ctx, v.ID, v.Store)
}

// WriteColumn stores column i of version versionID in place of what it
// held, sealed under f unless f is nil.
func WriteColumn(ctx context.Context, tx *nodestore.Tx, versionID int64, i int, c *Column, f *fieldcrypt.Field) error {
	part := columnPart(i)
	if err := tx.DeleteSegments(ctx, versionID, part); err != nil {
		return err
	}
	block := c.encode()
	if f != nil {
		sealed, err := f.SealBlock(block)
		if err != nil {
			return err
		}
		clear(block) // the values in clear do not outlive the call
		block = sealed
	}
	for n, start := 0, 0; start < len(block); n, start = n+1, start+chunkSize {
		if err := tx.InsertSegment(ctx, versionID, nodestore.Segment{Part: part, N: n, Data: block[start:min(len(block), start+chunkSize)]}); err != nil {
			return err
		}
	}
	return nil
}

// PartSizes returns the chunks and bytes version v keeps of its exIDs and
// of each of its columns, in the version's order of columns (zero for a
// version of the former row store).
func PartSizes(ctx context.Context, tx *nodestore.Tx, v *nodestore.DatasetVersion) (ids nodestore.PartSize, cols []nodestore.PartSize, err error) {
	sizes, err := tx.SegmentSizes(ctx, v.ID)
	if err != nil {
		return ids, nil, err
	}
	cols = make([]nodestore.PartSize, len(v.Columns))
	for _, p := range sizes {
		if p.Part == idsPart {
			ids = p
			continue
		}
		for i := range cols {
			if p.Part == columnPart(i) {
				cols[i] = p
			}
		}
	}
	return ids, cols, nil
}

// Read loads version v, opening its sealed columns with fields. A version
// of the former row store is read from its rows.
func Read(ctx context.Context, tx *nodestore.Tx, v *nodestore.DatasetVersion, fields fieldcrypt.Row) (*Data, error) {
	if v.Store != nodestore.StoreColumns {
		return readRows(ctx, tx, v, fields)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("dataset %s version %d: "+format, append([]any{v.Dataset, v.Version}, a...)...)
	}
	d := &Data{IDs: make([]exid.ExID, v.Rows), Cols: make([]Column, len(v.Columns))}
	raw, filled := idBytes(d.IDs), 0
	// Each column's block is allocated once, at its stored size.
	_, sizes, err := PartSizes(ctx, tx, v)
	if err != nil {
		return nil, err
	}
	blocks := make([][]byte, len(v.Columns))
	for i, p := range sizes {
		blocks[i] = make([]byte, 0, p.Bytes)
	}
	next := map[string]int{}
	err = tx.EachSegment(ctx, v.ID, "", func(s nodestore.Segment) error {
		if s.N != next[s.Part] {
			return bad("chunk %d of part %s is missing", next[s.Part], s.Part)
		}
		next[s.Part]++
		if s.Part == idsPart {
			if len(s.Data)%exid.Size != 0 || filled+len(s.Data) > len(raw) {
				return bad("an ids chunk of %d bytes", len(s.Data))
			}
			filled += copy(raw[filled:], s.Data)
			return nil
		}
		i, err := strconv.Atoi(strings.TrimPrefix(s.Part, "c"))
		if err != nil || !strings.HasPrefix(s.Part, "c") || i < 0 || i >= len(blocks) {
			return bad("an unknown part %q", s.Part)
		}
		blocks[i] = append(blocks[i], s.Data...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if filled != len(raw) {
		return nil, bad("%d exIDs stored for %d rows", filled/exid.Size, v.Rows)
	}
	// Lookups search the exIDs: they must ascend. Their first eight bytes
	// decide all but a few comparisons.
	for i := 1; i < len(d.IDs); i++ {
		a, b := binary.BigEndian.Uint64(d.IDs[i-1][:8]), binary.BigEndian.Uint64(d.IDs[i][:8])
		if a > b || a == b && bytes.Compare(d.IDs[i-1][8:], d.IDs[i][8:]) >= 0 {
			return nil, bad("the exIDs are out of order at row %d", i)
		}
	}
	for i, block := range blocks {
		if d.Cols[i], err = openColumn(v, i, block, field(fields, i)); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// openColumn decodes column i of version v from its block, opened with f
// when it is sealed.
func openColumn(v *nodestore.DatasetVersion, i int, block []byte, f *fieldcrypt.Field) (Column, error) {
	var err error
	if f != nil {
		if block, err = f.OpenBlock(block); err != nil {
			return Column{}, fmt.Errorf("dataset %s version %d: column %s: %w", v.Dataset, v.Version, v.Columns[i], err)
		}
	}
	c, err := decodeColumn(block, int(v.Rows))
	if err != nil {
		return Column{}, fmt.Errorf("dataset %s version %d: column %s: %w", v.Dataset, v.Version, v.Columns[i], err)
	}
	return c, nil
}

// ReadColumn reads column i of version v, kept in the column store, opened
// with f when it is sealed: what rewriting one column needs, without the
// version's exIDs or other columns.
func ReadColumn(ctx context.Context, tx *nodestore.Tx, v *nodestore.DatasetVersion, i int, f *fieldcrypt.Field) (*Column, error) {
	if v.Store != nodestore.StoreColumns || i < 0 || i >= len(v.Columns) {
		return nil, fmt.Errorf("dataset %s version %d: no column %d in the column store", v.Dataset, v.Version, i)
	}
	var block []byte
	next := 0
	err := tx.EachSegment(ctx, v.ID, columnPart(i), func(s nodestore.Segment) error {
		if s.N != next {
			return fmt.Errorf("dataset %s version %d: chunk %d of part %s is missing", v.Dataset, v.Version, next, s.Part)
		}
		next++
		block = append(block, s.Data...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	c, err := openColumn(v, i, block, f)
	return &c, err
}

// readRows reads a version kept in the former row store.
func readRows(ctx context.Context, tx *nodestore.Tx, v *nodestore.DatasetVersion, fields fieldcrypt.Row) (*Data, error) {
	b := NewBuilder(len(v.Columns))
	var vals []string
	row := 0
	err := tx.EachDatasetRow(ctx, v.ID, func(id, raw []byte) error {
		row++
		if len(id) != exid.Size {
			return fmt.Errorf("dataset %s version %d: an exID of %d bytes", v.Dataset, v.Version, len(id))
		}
		vals = vals[:0]
		if err := json.Unmarshal(raw, &vals); err != nil {
			return fmt.Errorf("dataset %s version %d: values: %w", v.Dataset, v.Version, err)
		}
		if len(vals) != len(v.Columns) {
			return fmt.Errorf("dataset %s version %d: a row has %d values for %d columns", v.Dataset, v.Version, len(vals), len(v.Columns))
		}
		if err := fields.Open(vals, id); err != nil {
			return fmt.Errorf("dataset %s version %d: %w", v.Dataset, v.Version, err)
		}
		b.Add(exid.ExID(id), vals, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b.Build()
}

// Position returns the place of id among version v's rows in exID order,
// and whether v holds it, reading one chunk.
func Position(ctx context.Context, tx *nodestore.Tx, v *nodestore.DatasetVersion, id exid.ExID) (int64, bool, error) {
	if v.Store != nodestore.StoreColumns {
		return tx.RowPosition(ctx, v.ID, id[:])
	}
	s, ok, err := tx.SegmentAt(ctx, v.ID, id[:])
	if err != nil || !ok {
		return 0, false, err
	}
	if len(s.Data)%exid.Size != 0 {
		return 0, false, fmt.Errorf("dataset %s version %d: an ids chunk of %d bytes", v.Dataset, v.Version, len(s.Data))
	}
	n := len(s.Data) / exid.Size
	at := func(m int) []byte { return s.Data[m*exid.Size : (m+1)*exid.Size] }
	lo := sort.Search(n, func(m int) bool { return bytes.Compare(at(m), id[:]) >= 0 })
	if lo < n && bytes.Equal(at(lo), id[:]) {
		return int64(s.N)*int64(idsPerChunk()) + int64(lo), true, nil
	}
	return 0, false, nil
}
