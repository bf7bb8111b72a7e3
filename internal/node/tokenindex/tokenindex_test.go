package tokenindex

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"hulian/internal/errs"
	"hulian/internal/protocol/ordertoken"
)

func randomTokens(r *rand.Rand, n int) []ordertoken.Token {
	ts := make([]ordertoken.Token, n)
	for i := range ts {
		for j := 0; j < len(ts[i]); j += 8 {
			v := r.Uint64()
			for k := range 8 {
				ts[i][j+k] = byte(v >> (8 * k))
			}
		}
	}
	return ts
}

// queriesFor returns a batch that asks for every other indexed token,
// interleaved with as many tokens that are not there.
func queriesFor(r *rand.Rand, indexed []ordertoken.Token) []ordertoken.Token {
	absent := randomTokens(r, (len(indexed)+1)/2)
	var q []ordertoken.Token
	for i := 0; i < len(indexed); i += 2 {
		q = append(q, indexed[i], absent[i/2])
	}
	return q
}

// oracle answers a probe with a map.
func oracle(tokens []ordertoken.Token, refs []uint32, queries []ordertoken.Token) []Hit {
	m := make(map[ordertoken.Token]uint32, len(tokens))
	for i, t := range tokens {
		ref := uint32(i)
		if refs != nil {
			ref = refs[i]
		}
		m[t] = ref
	}
	var hits []Hit
	for i, q := range queries {
		if ref, ok := m[q]; ok {
			hits = append(hits, Hit{Query: uint32(i), Ref: ref})
		}
	}
	return hits
}

func TestProbe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
		refs bool
		same int // tokens share their first bytes, all in one bucket
	}{
		{"empty", 0, false, 0},
		{"one", 1, false, 0},
		{"few", 5, true, 0},
		{"small", 1000, false, 0},
		{"parallel", parallelFrom*2 + 17, true, 0},
		{"one bucket, short", 12, false, 8},
		{"one bucket, long", 5000, true, 8},
		{"shared prefix", 5000, false, 6},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			tokens := randomTokens(r, tt.n)
			for k := range tokens {
				clear(tokens[k][:tt.same])
			}
			var refs []uint32
			if tt.refs {
				refs = make([]uint32, tt.n)
				for k := range refs {
					refs[k] = r.Uint32()
				}
			}
			ix, err := Build(tokens, refs)
			if err != nil {
				t.Fatal(err)
			}
			if ix.Len() != tt.n {
				t.Fatalf("Len = %d, want %d", ix.Len(), tt.n)
			}
			queries := queriesFor(r, tokens)
			want := oracle(tokens, refs, queries)
			got := ix.Probe(queries, nil)
			if d := gocmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("Probe (-want +got):\n%s", d)
			}
			// Probe appends.
			prefix := []Hit{{Query: 99, Ref: 99}}
			if again := ix.Probe(queries, prefix); len(again) != len(want)+1 || again[0] != prefix[0] {
				t.Fatal("Probe does not append to the given slice")
			}
			for k, tok := range tokens {
				ref, ok := ix.Lookup(tok)
				want := uint32(k)
				if refs != nil {
					want = refs[k]
				}
				if !ok || ref != want {
					t.Fatalf("Lookup(token %d) = %d, %v; want %d", k, ref, ok, want)
				}
			}
		})
	}
}

func TestSorted(t *testing.T) {
	t.Parallel()
	tokens := randomTokens(rand.New(rand.NewPCG(7, 7)), parallelFrom+5)
	ix, err := Build(tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(ix.entries); i++ {
		if cmpEntry(ix.entries[i-1], ix.entries[i]) >= 0 {
			t.Fatalf("entries %d and %d out of order", i-1, i)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 3))
	tokens := randomTokens(r, parallelFrom+10)
	dup := append(tokens[:len(tokens):len(tokens)], tokens[42])
	tests := []struct {
		name   string
		tokens []ordertoken.Token
		refs   []uint32
		field  string
	}{
		{"repeated token", dup, nil, "tokens"},
		{"repeated among few", []ordertoken.Token{{1}, {2}, {1}}, nil, "tokens"},
		{"refs too short", tokens, make([]uint32, 3), "refs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Build(tt.tokens, tt.refs)
			if e, ok := err.(*errs.Error); !ok || e.Kind != errs.Invalid || e.Field != tt.field {
				t.Fatalf("Build = %v, want invalid %s", err, tt.field)
			}
		})
	}
}

func TestConcurrentProbes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	tokens := randomTokens(r, 20_000)
	ix, err := Build(tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	queries := queriesFor(r, tokens)
	want := oracle(tokens, nil, queries)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := ix.Probe(queries, nil); !gocmp.Equal(want, got) {
				t.Error("concurrent probe differs")
			}
		})
	}
	wg.Wait()
}

func TestJoin(t *testing.T) {
	t.Parallel()
	for i, n := range []int{0, 100, parallelFrom*2 + 17, 300_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(uint64(i), 9))
			tokens := randomTokens(r, n)
			ix, err := Build(tokens, nil)
			if err != nil {
				t.Fatal(err)
			}
			queries := queriesFor(r, tokens)
			want := oracle(tokens, nil, queries)
			got := ix.Join(queries)
			// The documented order: by partition, then by query.
			for k := 1; k < len(got); k++ {
				pp, p := ix.partitionOf(&queries[got[k-1].Query]), ix.partitionOf(&queries[got[k].Query])
				if pp > p || pp == p && got[k-1].Query >= got[k].Query {
					t.Fatalf("hits %d and %d out of the documented order", k-1, k)
				}
			}
			slices.SortFunc(got, func(a, b Hit) int { return cmp.Compare(a.Query, b.Query) })
			if d := gocmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Fatalf("Join (-want +got):\n%s", d)
			}
		})
	}
}

func (ix *Index) partitionOf(t *ordertoken.Token) uint64 { return hi(t) >> (64 - ix.pbits) }

func TestBytes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 4, 5, 1000, 1 << 16} {
		ix, err := Build(randomTokens(rand.New(rand.NewPCG(1, uint64(n))), n), nil)
		if err != nil {
			t.Fatal(err)
		}
		if b := ix.Bytes(); b < 20*n || b > 22*n+8 {
			t.Errorf("%d tokens take %d bytes, want 20 to 22 per token", n, b)
		}
		if SizeFor(n) != ix.Bytes() {
			t.Errorf("%d tokens: SizeFor says %d bytes, the index takes %d", n, SizeFor(n), ix.Bytes())
		}
	}
}

func TestRelease(t *testing.T) {
	t.Parallel()
	// Large enough for a mapping of its own on Linux.
	tokens := randomTokens(rand.New(rand.NewPCG(4, 4)), 300_000)
	ix, err := Build(tokens, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ix.Lookup(tokens[7]); !ok {
		t.Fatal("token not found before Release")
	}
	ix.Release()
	ix.Release() // harmless
	runtime.GC() // the cleanup must not unmap a second time
	defer func() {
		if recover() == nil {
			t.Fatal("Probe after Release did not panic")
		}
	}()
	ix.Probe(tokens[:1], nil)
}
