// Package tokenindex is a supplier node's index of one order's tokens: it
// maps each token of the consented dataset to a row reference and answers
// a batch of requested tokens with the rows that match (DESIGN.md, protocol
// step 4).
//
// Tokens are HMAC outputs, uniformly distributed, so the index needs no
// hashing: it is one flat array of (token, ref) entries sorted by token and
// a table of where each bucket of leading bits starts, about one bucket for
// four entries. Build sorts with a counting sort in two steps, first to
// partitions of about 8,192 entries by the leading bits, then each
// partition to its buckets while it sits in a core's cache. Probe looks up
// a real-time request's tokens one by one (a bucket start, then a scan of
// two or three entries); Join answers a batch by scattering it to the same
// partitions first, so that its lookups hit the caches too. Compared with
// a Go map this stores no empty slots or control bytes and uses every CPU;
// docs/benchmarks.md has the figures.
package tokenindex

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"unsafe"

	"hulian/internal/errs"
	"hulian/internal/protocol/ordertoken"
)

// entry is 20 bytes: a 4-byte reference keeps 10 million rows at 200 MB
// where an 8-byte one would take 240 MB (padding included), and no node
// dataset for one order comes near 4 billion rows.
type entry struct {
	token ordertoken.Token
	ref   uint32
}

// Index is immutable once built and safe for concurrent probes. When the
// dataset changes, the node builds a new index, swaps it in and releases
// the old one.
type Index struct {
	// mu is held for reading by every lookup and for writing by Release, so
	// that unmapping the entries cannot pull memory from under a probe.
	mu       sync.RWMutex
	mapping  *mapping
	released bool
	fbits    uint     // a token's leading fbits bits name its (fine) bucket
	pbits    uint     // and its leading pbits bits its partition
	starts   []uint32 // bucket b holds entries[starts[b]:starts[b+1]]
	entries  []entry  // sorted by token
}

// Hit is a probed token found in the index: its position in the probed
// batch and the row it refers to.
type Hit struct {
	Query uint32
	Ref   uint32
}

// perBucket is the most entries per bucket on average the index aims at:
// fewer makes the start table outgrow the caches, more lengthens the scan.
const perBucket = 4

// perPartition is the mean number of entries per partition the build and
// the batch probe aim at: 8,192 entries of 20 bytes fill 160 KiB, inside
// a core's L2 cache with room for the partition's bucket starts.
const perPartition = 1 << 13

// maxPartitionBits bounds the partitions to 4,096, so that the scatter's
// write streams stay within the TLB and write-combining capacity.
const maxPartitionBits = 12

// parallelFrom is the batch size from which Build, Probe and Join use
// every CPU.
const parallelFrom = 1 << 15

// MaxEntries is the most tokens one index holds.
const MaxEntries = math.MaxUint32

// hi is the token's first 8 bytes as a big-endian number, so that sorting
// by it sorts by the token's bytes and its top bits name the bucket.
func hi(t *ordertoken.Token) uint64 { return binary.BigEndian.Uint64(t[:8]) }

func lo(t *ordertoken.Token) uint64 { return binary.BigEndian.Uint64(t[8:]) }

// Build indexes tokens. refs[i] is the reference stored for tokens[i]; with
// refs nil it is i itself, the position of the row in the caller's slice.
// A token given twice means one person twice in the dataset (or a 2^-128
// accident) and is an error that names both references.
//
// The counting sort runs in two steps so that every write stream stays in
// the caches: first the entries are scattered to at most 4,096 partitions
// by the token's leading bits, then each partition (about 8,192 entries,
// 160 KiB) is sorted into its fine buckets on its own, partitions spread
// over the CPUs.
func Build(tokens []ordertoken.Token, refs []uint32) (*Index, error) {
	n := len(tokens)
	if refs != nil && len(refs) != n {
		return nil, errs.Invalidf("refs", "行引用数与令牌数不一致", "the number of row references differs from the number of tokens")
	}
	if uint64(n) > MaxEntries {
		return nil, errs.Invalidf("tokens", "单个令牌索引最多容纳 4,294,967,295 个令牌", "one token index holds at most 4,294,967,295 tokens")
	}
	fbits := bucketBits(n)
	pbits := min(bits.Len(uint(n/perPartition)), maxPartitionBits, fbits)
	ix := &Index{
		fbits:  uint(fbits),
		pbits:  uint(pbits),
		starts: make([]uint32, 1<<fbits+1),
	}
	var free func()
	ix.entries, free = allocEntries(n)
	if free != nil {
		// The Go heap does not count a mapping of its own, so a node that
		// forgets Release would see collections too rarely to free old
		// indexes in time; the cleanup is only the backstop. Every method
		// uses ix until it returns (its deferred unlock), so the cleanup
		// cannot run under a probe.
		ix.mapping = &mapping{free: free}
		runtime.AddCleanup(ix, (*mapping).release, ix.mapping)
	}
	workers := 1
	if n >= parallelFrom {
		workers = runtime.GOMAXPROCS(0)
	}

	// Step 1: scatter the entries to their partitions, chunks of the input
	// in order so that the sort is stable.
	pstarts := partition(workers, pbits, tokens, refs, ix.entries)

	// Step 2: sort each partition into its fine buckets.
	np := 1 << pbits
	per := (np + workers - 1) / workers
	dups := make([]error, workers)
	each(workers, func(w int) {
		var scratch []entry
		var counts []uint32
		for p := w * per; p < min((w+1)*per, np); p++ {
			scratch, counts = ix.sortPartition(p, pstarts[p], pstarts[p+1], scratch, counts)
			if dups[w] == nil {
				dups[w] = ix.checkRepeats(pstarts[p], pstarts[p+1])
			}
		}
	})
	ix.starts[1<<fbits] = uint32(n)
	for _, err := range dups {
		if err != nil {
			ix.Release()
			return nil, err
		}
	}
	return ix, nil
}

// partition is a stable counting sort of tokens, with their references
// (refs[i], or i if refs is nil), into dst by the tokens' leading pbits
// bits. It returns where each of the 2^pbits partitions starts in dst, and
// len(tokens) last.
func partition(workers, pbits int, tokens []ordertoken.Token, refs []uint32, dst []entry) []uint32 {
	n := len(tokens)
	np := 1 << pbits
	shift := uint(64 - pbits) // a shift by 64 yields 0: one partition
	chunk := (n + workers - 1) / workers
	counts := make([][]uint32, workers)
	each(workers, func(w int) {
		c := make([]uint32, np)
		for i := w * chunk; i < min((w+1)*chunk, n); i++ {
			c[hi(&tokens[i])>>shift]++
		}
		counts[w] = c
	})
	starts := make([]uint32, np+1)
	var sum uint32
	for p := range np {
		starts[p] = sum
		for w := range counts {
			c := counts[w][p]
			counts[w][p] = sum
			sum += c
		}
	}
	starts[np] = sum
	each(workers, func(w int) {
		next := counts[w]
		for i := w * chunk; i < min((w+1)*chunk, n); i++ {
			p := hi(&tokens[i]) >> shift
			ref := uint32(i)
			if refs != nil {
				ref = refs[i]
			}
			dst[next[p]] = entry{token: tokens[i], ref: ref}
			next[p]++
		}
	})
	return starts
}

// sortPartition orders entries[lo:hi], the entries of partition p, by fine
// bucket and then by token, and records where each of its buckets starts.
func (ix *Index) sortPartition(p int, lo, hi uint32, scratch []entry, counts []uint32) ([]entry, []uint32) {
	sub := ix.fbits - ix.pbits // fine bits below the partition's
	nb := 1 << sub
	first := p << sub // the partition's first fine bucket
	counts = append(counts[:0], make([]uint32, nb)...)
	es := ix.entries[lo:hi]
	scratch = append(scratch[:0], es...)
	for i := range scratch {
		counts[ix.bucket(&scratch[i].token)-uint64(first)]++
	}
	sum := lo
	for b := range nb {
		ix.starts[first+b] = sum
		c := counts[b]
		counts[b] = sum - lo
		sum += c
	}
	for i := range scratch {
		b := ix.bucket(&scratch[i].token) - uint64(first)
		es[counts[b]] = scratch[i]
		counts[b]++
	}
	for b := range nb {
		sortBucket(ix.entries[ix.starts[first+b]:ix.endOf(first+b, hi)])
	}
	return scratch, counts
}

// endOf is where fine bucket b ends while its partition, which ends at
// hi, is being built: the next bucket's start may not be written yet.
func (ix *Index) endOf(b int, hi uint32) uint32 {
	if (b+1)>>(ix.fbits-ix.pbits) != b>>(ix.fbits-ix.pbits) {
		return hi
	}
	return ix.starts[b+1]
}

// checkRepeats looks for a token given twice among the sorted
// entries[lo:hi].
func (ix *Index) checkRepeats(lo, hi uint32) error {
	es := ix.entries[lo:hi]
	for i := 1; i < len(es); i++ {
		if es[i].token == es[i-1].token {
			return errs.Invalidf("tokens",
				fmt.Sprintf("行 %d 与行 %d 的令牌相同：同一 exID 在数据集中出现了两次", es[i-1].ref, es[i].ref),
				fmt.Sprintf("rows %d and %d have the same token: one exID appears twice in the dataset", es[i-1].ref, es[i].ref))
		}
	}
	return nil
}

func (ix *Index) bucket(t *ordertoken.Token) uint64 {
	if ix.fbits == 0 {
		return 0
	}
	return hi(t) >> (64 - ix.fbits)
}

func cmpEntry(x, y entry) int { return bytes.Compare(x.token[:], y.token[:]) }

// sortBucket sorts a bucket by token. Buckets of random tokens hold a few
// entries, for which insertion sort is the fastest; a large one can only
// come from tokens that are not HMAC outputs, and gets a real sort.
func sortBucket(es []entry) {
	if len(es) > 16 {
		slices.SortStableFunc(es, cmpEntry)
		return
	}
	for i := 1; i < len(es); i++ {
		e := es[i]
		h, l := hi(&e.token), lo(&e.token)
		j := i
		for ; j > 0; j-- {
			ph := hi(&es[j-1].token)
			if ph < h || ph == h && lo(&es[j-1].token) <= l {
				break
			}
			es[j] = es[j-1]
		}
		es[j] = e
	}
}

// each runs f(0) … f(workers−1) at once and waits for them.
func each(workers int, f func(w int)) {
	if workers == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { f(w) })
	}
	wg.Wait()
}

// mapping is memory of the index's own, unmapped exactly once.
type mapping struct {
	once sync.Once
	free func()
}

func (m *mapping) release() { m.once.Do(m.free) }

// Release returns the index's memory at once, after waiting for probes in
// flight. Using the index afterwards panics.
func (ix *Index) Release() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.mapping != nil {
		ix.mapping.release()
	}
	ix.entries, ix.starts, ix.released = nil, nil, true
}

// use locks ix for a lookup; the caller defers ix.mu.RUnlock.
func (ix *Index) use() {
	ix.mu.RLock()
	if ix.released {
		ix.mu.RUnlock()
		panic("tokenindex: index used after Release")
	}
}

// Len is the number of tokens indexed.
func (ix *Index) Len() int { return len(ix.entries) }

// Bytes is the memory the index holds: 20 bytes per entry and 4 per bucket,
// with one to two buckets per 4 entries, so 21 to 22 bytes per token:
// 217 MB for 10 million.
func (ix *Index) Bytes() int { return len(ix.entries)*20 + len(ix.starts)*4 }

// SizeFor is what Bytes will be for an index of n tokens, before it is
// built.
func SizeFor(n int) int { return n*20 + (1<<bucketBits(n)+1)*4 }

// bucketBits is how many leading bits of a token name its bucket in an
// index of n tokens: 2^bits ≥ n/perBucket.
func bucketBits(n int) int {
	if n <= perBucket {
		return 0
	}
	return bits.Len(uint(n/perBucket - 1))
}

// Lookup returns the reference stored for t.
func (ix *Index) Lookup(t ordertoken.Token) (ref uint32, ok bool) {
	ix.use()
	defer ix.mu.RUnlock()
	return ix.find(&t)
}

func (ix *Index) find(t *ordertoken.Token) (uint32, bool) {
	b := ix.bucket(t)
	es := ix.entries[ix.starts[b]:ix.starts[b+1]]
	h, l := hi(t), lo(t)
	if len(es) > 16 {
		i, found := slices.BinarySearchFunc(es, *t, func(e entry, t ordertoken.Token) int { return bytes.Compare(e.token[:], t[:]) })
		if found {
			return es[i].ref, true
		}
		return 0, false
	}
	for i := range es {
		eh := hi(&es[i].token)
		if eh < h {
			continue
		}
		if eh == h && lo(&es[i].token) == l {
			return es[i].ref, true
		}
		if eh > h {
			break
		}
	}
	return 0, false
}

// Probe appends to hits one Hit for each of tokens found in the index, in
// the order of tokens, and returns the extended slice. Batches of 32,768
// tokens or more are split over every CPU.
func (ix *Index) Probe(tokens []ordertoken.Token, hits []Hit) []Hit {
	ix.use()
	defer ix.mu.RUnlock()
	workers := runtime.GOMAXPROCS(0)
	if len(tokens) < parallelFrom || workers == 1 {
		return ix.probe(tokens, 0, hits)
	}
	parts := make([][]Hit, workers)
	chunk := (len(tokens) + workers - 1) / workers
	each(workers, func(w int) {
		lo, hi := min(w*chunk, len(tokens)), min((w+1)*chunk, len(tokens))
		parts[w] = ix.probe(tokens[lo:hi], uint32(lo), nil)
	})
	for _, p := range parts {
		hits = append(hits, p...)
	}
	return hits
}

func (ix *Index) probe(tokens []ordertoken.Token, base uint32, hits []Hit) []Hit {
	for i := range tokens {
		if ref, ok := ix.find(&tokens[i]); ok {
			hits = append(hits, Hit{Query: base + uint32(i), Ref: ref})
		}
	}
	return hits
}

// Join is Probe for large batches, such as a batch delivery's chunks: it
// returns one Hit per token found, grouped by the index's partitions
// (ascending leading bits of the token) and in ascending Query order within
// each group, rather than in Query order overall; batches under 32,768
// tokens go to Probe and come back in Query order. Scattering the batch to
// the index's partitions first, and reading each partition in address
// order before its lookups, makes the lookups hit the caches, where
// Probe's, at random over the whole index, each wait for memory twice.
// The batch is copied once (20 bytes per token) while Join runs, and the
// result's array has room for a hit per token (8 bytes each).
func (ix *Index) Join(tokens []ordertoken.Token) []Hit {
	if ix.pbits == 0 || len(tokens) < parallelFrom {
		return ix.Probe(tokens, nil)
	}
	ix.use()
	defer ix.mu.RUnlock()
	if uint64(len(tokens)) > MaxEntries {
		panic("tokenindex: Join of more than 2^32-1 tokens")
	}
	workers := runtime.GOMAXPROCS(0)
	queries, free := allocEntries(len(tokens))
	if free != nil {
		defer free()
	}
	pstarts := partition(workers, int(ix.pbits), tokens, nil, queries)
	np := 1 << ix.pbits
	per := (np + workers - 1) / workers
	// A query matches at most once, so each worker's hits fit in the span
	// of its queries: one allocation, then the spans are closed up.
	hits := make([]Hit, len(tokens))
	found := make([]uint32, workers)
	sub := ix.fbits - ix.pbits
	touched := make([]byte, workers) // keeps the warming reads
	each(workers, func(w int) {
		out := hits[pstarts[min(w*per, np)]:pstarts[min(w*per, np)]]
		for p := w * per; p < min((w+1)*per, np); p++ {
			// Read the partition's entries in address order first, when
			// its lookups are many enough to use what that brings: the
			// prefetchers stream them into the cache, where the lookups
			// in random order then find them. Against an index far
			// larger than the batch (a chunk of 262,144 tokens against
			// 100 million rows) most lines would be read for nothing, and
			// the lookups go to memory directly.
			es := ix.entries[ix.starts[p<<sub]:ix.starts[(p+1)<<sub]]
			if lines := len(es) * int(unsafe.Sizeof(entry{})) / 64; lines <= warmDensity*int(pstarts[p+1]-pstarts[p]) {
				touched[w] ^= warm(es)
			}
			for i := pstarts[p]; i < pstarts[p+1]; i++ {
				if ref, ok := ix.find(&queries[i].token); ok {
					out = append(out, Hit{Query: queries[i].ref, Ref: ref})
				}
			}
		}
		found[w] = uint32(len(out))
	})
	end := 0
	for w := range workers {
		lo := int(pstarts[min(w*per, np)])
		end += copy(hits[end:], hits[lo:lo+int(found[w])])
	}
	return hits[:end:end]
}

// warmDensity is the most cache lines of a partition Join reads ahead per
// lookup in it: a line streamed in address order costs a small fraction of
// a random read from memory, and each lookup that misses the cache costs
// about two (its bucket's start and its entries).
var warmDensity = 16

// warm reads one byte of every cache line of es and returns their sum.
func warm(es []entry) byte {
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(es))), len(es)*int(unsafe.Sizeof(entry{})))
	var x byte
	for i := 0; i < len(b); i += 64 {
		x += b[i]
	}
	return x
}
