package demo

import (
	"testing"

	"hulian/internal/node/demand"
)

// TestBatchChunk: a list smaller than the node's default chunk is cut into
// batchChunks, so the batch step always shows more than one metered chunk;
// a larger list keeps the node's default, which already makes several.
func TestBatchChunk(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{1, 1}, {2, 1}, {4, 1}, {5, 2}, {1469, 368}, {60_000, 15_000},
		{demand.DefaultQueryChunk, demand.DefaultQueryChunk / batchChunks},
		{demand.DefaultQueryChunk + 1, 0},
	} {
		if got := batchChunk(c.n); got != c.want {
			t.Errorf("batchChunk(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}
