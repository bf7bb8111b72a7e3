package bizlog

import (
	"bytes"
	"fmt"
	"math/bits"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// HashSize is the size of every hash in the tree (SHA-256).
const HashSize = 32

// Hasher is the tree's RFC 6962 hasher.
var Hasher = rfc6962.DefaultHasher

// Ranges makes compact ranges over the tree's hashes. Ranges are only
// compatible when made by the same factory, so there is one.
var Ranges = &compact.RangeFactory{Hash: Hasher.HashChildren}

// NodeRow is where the hash of a complete node of level >= 1 is kept: in the
// row of the leaf whose append completed it, at offset Offset in its nodes
// column. Level-0 nodes are the rows' leaf hashes.
func NodeRow(id compact.NodeID) (seq int64, offset int) {
	return int64((id.Index+1)<<id.Level) - 1, (int(id.Level) - 1) * HashSize
}

// NodesCompleted is how many nodes above the leaf appending leaf seq
// completes: the number of trailing one bits of seq.
func NodesCompleted(seq int64) int { return bits.TrailingZeros64(uint64(seq) + 1) }

// Tree is a compact range [0, size) being extended leaf by leaf, and what
// each append completes. It holds O(log size) hashes whatever the size.
type Tree struct {
	r     *compact.Range
	nodes []byte
}

// NewTree returns the tree of size leaves whose compact range is edge (the
// hashes of the complete subtrees size decomposes into, largest first).
func NewTree(size int64, edge [][]byte) (*Tree, error) {
	r, err := Ranges.NewRange(0, uint64(size), edge)
	if err != nil {
		return nil, err
	}
	return &Tree{r: r, nodes: make([]byte, 0, 4*HashSize)}, nil
}

// EdgeIDs are the nodes whose hashes form the compact range of [0, size).
func EdgeIDs(size int64) []compact.NodeID { return compact.RangeNodes(0, uint64(size), nil) }

// Size is the number of leaves appended.
func (t *Tree) Size() int64 { return int64(t.r.End()) }

// Append adds a leaf hash and returns the hashes of the nodes it completes,
// levels 1, 2, … concatenated: what the leaf's row keeps. The returned slice
// is reused by the next Append.
func (t *Tree) Append(leafHash []byte) ([]byte, error) {
	t.nodes = t.nodes[:0]
	err := t.r.Append(leafHash, func(id compact.NodeID, h []byte) {
		if id.Level > 0 {
			t.nodes = append(t.nodes, h...)
		}
	})
	return t.nodes, err
}

// Root is the tree's RFC 6962 root hash.
func (t *Tree) Root() []byte {
	if t.r.End() == 0 {
		return Hasher.EmptyRoot()
	}
	h, _ := t.r.GetRootHash(nil) // cannot fail: the range begins at 0
	return h
}

// Edge is the compact range's hashes concatenated, as log_head keeps them.
func (t *Tree) Edge() []byte { return bytes.Join(t.r.Hashes(), nil) }

// SplitEdge splits a concatenated edge into hashes, checking it has the
// count a tree of size leaves needs.
func SplitEdge(size int64, edge []byte) ([][]byte, error) {
	want := bits.OnesCount64(uint64(size))
	if len(edge) != want*HashSize {
		return nil, fmt.Errorf("edge of %d bytes for size %d, want %d hashes", len(edge), size, want)
	}
	out := make([][]byte, want)
	for i := range out {
		out[i] = edge[i*HashSize : (i+1)*HashSize]
	}
	return out, nil
}

// RootWith is the root of the tree of end leaves whose leaves past this
// tree's size have the compact range right. It consumes the tree.
func (t *Tree) RootWith(end int64, right [][]byte) ([]byte, error) {
	r, err := Ranges.NewRange(t.r.End(), uint64(end), right)
	if err != nil {
		return nil, err
	}
	if err := t.r.AppendRange(r, nil); err != nil {
		return nil, err
	}
	return t.Root(), nil
}
