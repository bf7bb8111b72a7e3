// Package colstore keeps a supplier's dataset versions in the form that
// answering reads them (issue: suppliers of a hundred million rows): the
// version's exIDs in ascending order, and each tag column dictionary-coded
// — tags have few distinct values, so a row's value is a 1, 2 or 4-byte
// code into a dictionary whose entries are already encoded for answers.
//
// A version is stored in the node's own database, as chunks of at most 16
// MiB (node_dataset_segments): one part for the exIDs, one per column. A
// row database would write an index entry and a row per subject; the
// column store writes a few hundred bytes of SQL per sixteen megabytes, so
// an import costs about what reading its CSV costs, and loading a version
// to answer costs about what copying it costs. Keeping the chunks inside
// the database rather than in files beside it keeps one transaction over a
// version and its metadata (nothing half-written, nothing orphaned), one
// backup, and the same code on SQLite and PostgreSQL.
//
// A sensitive column (package grading) is stored as one block sealed under
// the field's data key (fieldcrypt.SealBlock): neither its values nor
// which rows share one can be read from the database. Exclusions and
// consent are applied over a version as sets of rows (package supply), so
// a stored version never changes except when its grading does.
package colstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"

	"hulian/internal/protocol/exid"
)

// Column is one tag column, dictionary-coded.
type Column struct {
	// Dict holds the distinct values, each encoded for answers: uvarint
	// length, then the text.
	Dict  [][]byte
	Width int // bytes per code: 1, 2 or 4
	Codes []byte
	// Widest is the longest entry of Dict: an answer's size is bounded
	// with it, without reading each match's value twice.
	Widest int
}

// Code is row's code.
func (c *Column) Code(row int) uint32 {
	switch c.Width {
	case 1:
		return uint32(c.Codes[row])
	case 2:
		return uint32(binary.LittleEndian.Uint16(c.Codes[2*row:]))
	}
	return binary.LittleEndian.Uint32(c.Codes[4*row:])
}

// Value is row's value as answers carry it: uvarint length, then the text.
func (c *Column) Value(row int) []byte { return c.Dict[c.Code(row)] }

// Text is row's value.
func (c *Column) Text(row int) string { return entryText(c.Value(row)) }

func entryText(e []byte) string {
	n, k := binary.Uvarint(e)
	return string(e[k : k+int(n)])
}

// Data is one version: its exIDs in ascending order, and its columns in
// the version's column order, row i of each being the subject IDs[i]'s.
type Data struct {
	IDs  []exid.ExID
	Cols []Column
}

// Len is the number of rows.
func (d *Data) Len() int { return len(d.IDs) }

// Find returns the row of id.
func (d *Data) Find(id exid.ExID) (int, bool) {
	return slices.BinarySearchFunc(d.IDs, id, func(a, b exid.ExID) int { return bytes.Compare(a[:], b[:]) })
}

// Values returns row's values, appended to dst[:0].
func (d *Data) Values(row int, dst []string) []string {
	dst = dst[:0]
	for i := range d.Cols {
		dst = append(dst, d.Cols[i].Text(row))
	}
	return dst
}

// Bytes estimates the memory d holds.
func (d *Data) Bytes() int {
	n := len(d.IDs) * exid.Size
	for _, c := range d.Cols {
		n += len(c.Codes)
		for _, v := range c.Dict {
			n += len(v) + 24
		}
	}
	return n
}

// DuplicateError is a subject on two rows of one version.
type DuplicateError struct {
	Line int // the later of the two rows' lines in the input: the one to remove
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("the subject of line %d appears on an earlier line too", e.Line)
}

// Builder gathers a version's rows in any order.
type Builder struct {
	gathered rowBlocks[exid.ExID] // the rows' exIDs as they come
	ids      []exid.ExID          // the same in one array, from Build on
	lines    rowBlocks[uint32]
	codes    []rowBlocks[uint32]
	dicts    []map[string]uint32
	cols     []Column
}

// NewBuilder starts a version of ncol columns.
func NewBuilder(ncol int) *Builder {
	b := &Builder{codes: make([]rowBlocks[uint32], ncol), dicts: make([]map[string]uint32, ncol), cols: make([]Column, ncol)}
	for i := range ncol {
		b.dicts[i] = map[string]uint32{}
	}
	return b
}

// blockShift sets the rows of a block: 65,536, 1.1 MB of exIDs.
const blockShift = 16

// rowBlocks is a sequence kept in blocks of a fixed size, so that growing it
// neither copies what it holds nor leaves the array it outgrew to the
// collector: a slice grown by appending to a hundred million rows had its
// old and new arrays, and the collector's room for both, at the import's
// peak.
type rowBlocks[T any] struct {
	bs [][]T
	n  int
}

func (b *rowBlocks[T]) add(v T) {
	if b.n&(1<<blockShift-1) == 0 {
		b.bs = append(b.bs, make([]T, 0, 1<<blockShift))
	}
	last := &b.bs[len(b.bs)-1]
	*last = append(*last, v)
	b.n++
}

func (b *rowBlocks[T]) at(i int) T { return b.bs[i>>blockShift][i&(1<<blockShift-1)] }

// flatten moves the blocks into one array of exactly their length,
// letting each go once copied.
func (b *rowBlocks[T]) flatten() []T {
	out := make([]T, 0, b.n)
	for i, blk := range b.bs {
		out = append(out, blk...)
		b.bs[i] = nil
	}
	*b = rowBlocks[T]{}
	return out
}

// Add adds the row of id, read at line of the input; vals has one value
// per column.
func (b *Builder) Add(id exid.ExID, vals []string, line int) {
	b.gathered.add(id)
	b.lines.add(uint32(line))
	for j, s := range vals {
		c, ok := b.dicts[j][s]
		if !ok {
			c = uint32(len(b.cols[j].Dict))
			b.dicts[j][s] = c
			e := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(s)), uint64(len(s)))
			b.cols[j].Dict = append(b.cols[j].Dict, append(e, s...))
		}
		b.codes[j].add(c)
	}
}

// Len is the rows added so far.
func (b *Builder) Len() int { return b.gathered.n }

// key is a row's exID's first eight bytes as an integer, with the row:
// comparing integers held side by side sorts far faster than comparing
// 17-byte arrays reached through a permutation, and 16 bytes a row is what
// a hundred million rows can afford. Rows whose first eight bytes tie are
// compared in full.
type key struct {
	hi  uint64
	row uint32
}

// cmp orders keys by the whole exID of their rows.
func (b *Builder) cmp(x, y key) int {
	switch {
	case x.hi < y.hi:
		return -1
	case x.hi > y.hi:
		return 1
	}
	return bytes.Compare(b.ids[x.row][8:], b.ids[y.row][8:])
}

// Build sorts the rows by exID and packs the columns. A subject on two
// rows is a *DuplicateError naming the earliest line that repeats one.
// The builder is spent.
func (b *Builder) Build() (*Data, error) {
	b.ids = b.gathered.flatten()
	n := len(b.ids)
	keys := b.sortedKeys()
	dup := -1
	for j := 1; j < n; j++ {
		if b.cmp(keys[j-1], keys[j]) == 0 {
			line := int(max(b.lines.at(int(keys[j-1].row)), b.lines.at(int(keys[j].row))))
			if dup < 0 || line < dup {
				dup = line
			}
		}
	}
	if dup >= 0 {
		return nil, &DuplicateError{Line: dup}
	}
	b.lines = rowBlocks[uint32]{}
	d := &Data{Cols: b.cols}
	for c := range d.Cols {
		d.Cols[c].pack(&b.codes[c], keys)
		b.codes[c] = rowBlocks[uint32]{}
	}
	// The exIDs are put in order where they are, not copied: at a hundred
	// million rows a second array would be 1.7 GB more at the import's
	// peak.
	permute(b.ids, keys)
	d.IDs, b.ids = b.ids, nil
	return d, nil
}

// permute puts ids in the order of keys (ids[j] becomes the old
// ids[keys[j].row]) in place, following each cycle of the permutation
// once; keys is spent (its rows are marked as they are placed).
func permute(ids []exid.ExID, keys []key) {
	const done = math.MaxUint32 // keys' row once its place is filled; n < 2^32
	for j := range keys {
		if keys[j].row == done || int(keys[j].row) == j {
			continue
		}
		tmp := ids[j]
		k := j
		for {
			src := int(keys[k].row)
			keys[k].row = done
			if src == j {
				ids[k] = tmp
				break
			}
			ids[k] = ids[src]
			k = src
		}
	}
}

// pack stores codes, in the order of keys, at the narrowest width that
// holds the dictionary.
func (c *Column) pack(codes *rowBlocks[uint32], keys []key) {
	c.Widest = 0
	for _, v := range c.Dict {
		c.Widest = max(c.Widest, len(v))
	}
	c.Width = widthFor(len(c.Dict))
	c.Codes = make([]byte, len(keys)*c.Width)
	for j, k := range keys {
		v := codes.at(int(k.row))
		switch c.Width {
		case 1:
			c.Codes[j] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(c.Codes[2*j:], uint16(v))
		default:
			binary.LittleEndian.PutUint32(c.Codes[4*j:], v)
		}
	}
}

func widthFor(entries int) int {
	switch {
	case entries <= 1<<8:
		return 1
	case entries <= 1<<16:
		return 2
	}
	return 4
}

// sortedKeys returns the rows' keys in exID order, sorted on every core
// without a second array: the keys are first placed by their top sixteen
// bits (a counting sort: exIDs are uniform past their epoch byte, so the
// buckets are even), then each bucket is sorted in place.
func (b *Builder) sortedKeys() []key {
	const buckets = 1 << 16
	bucket := func(id *exid.ExID) int { return int(binary.BigEndian.Uint16(id[:2])) }
	starts := make([]int, buckets+1)
	for i := range b.ids {
		starts[bucket(&b.ids[i])+1]++
	}
	for i := 1; i <= buckets; i++ {
		starts[i] += starts[i-1]
	}
	next := slices.Clone(starts[:buckets])
	keys := make([]key, len(b.ids))
	for i := range b.ids {
		k := bucket(&b.ids[i])
		keys[next[k]] = key{hi: binary.BigEndian.Uint64(b.ids[i][:8]), row: uint32(i)}
		next[k]++
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for k := w; k < buckets; k += workers {
				if starts[k+1]-starts[k] > 1 {
					slices.SortFunc(keys[starts[k]:starts[k+1]], b.cmp)
				}
			}
		})
	}
	wg.Wait()
	return keys
}

// encode is a column's block: the number of entries, the entries (each
// self-delimiting), the width, then the codes.
func (c *Column) encode() []byte {
	size := binary.MaxVarintLen64 + 1 + len(c.Codes)
	for _, e := range c.Dict {
		size += len(e)
	}
	out := binary.AppendUvarint(make([]byte, 0, size), uint64(len(c.Dict)))
	for _, e := range c.Dict {
		out = append(out, e...)
	}
	out = append(out, byte(c.Width))
	return append(out, c.Codes...)
}

var errBlock = errors.New("a column's block is malformed")

// decodeColumn reads a block made by encode for rows rows. The column
// keeps slices of block.
func decodeColumn(block []byte, rows int) (Column, error) {
	var c Column
	count, k := binary.Uvarint(block)
	if k <= 0 || count > uint64(len(block)) {
		return c, errBlock
	}
	pos := k
	c.Dict = make([][]byte, 0, count)
	for range count {
		n, k := binary.Uvarint(block[pos:])
		if k <= 0 || n > uint64(len(block)-pos-k) {
			return c, errBlock
		}
		e := block[pos : pos+k+int(n)]
		c.Dict = append(c.Dict, e[:len(e):len(e)])
		c.Widest = max(c.Widest, len(e))
		pos += k + int(n)
	}
	if pos >= len(block) {
		return c, errBlock
	}
	c.Width = int(block[pos])
	c.Codes = block[pos+1:]
	if c.Width != widthFor(len(c.Dict)) || len(c.Codes) != rows*c.Width {
		return c, errBlock
	}
	// Every code must name an entry: a code out of range would otherwise
	// surface as a panic in an answer.
	if rows > 0 && len(c.Dict) == 0 {
		return c, errBlock
	}
	for r := range rows {
		if c.Code(r) >= uint32(len(c.Dict)) {
			return c, errBlock
		}
	}
	return c, nil
}
