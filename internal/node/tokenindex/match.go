package tokenindex

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// Match is a token, as two big-endian halves, with what it refers to: a
// row of the supplier's dataset, or a position in the demander's query.
type Match struct {
	Hi, Lo uint64
	Ref    uint32
}

// Halves splits a 16-byte token into its big-endian halves.
func Halves(t []byte) (hi, lo uint64) {
	return binary.BigEndian.Uint64(t[:8]), binary.BigEndian.Uint64(t[8:16])
}

// CompareMatches orders matches by token.
func CompareMatches(a, b Match) int {
	switch {
	case a.Hi != b.Hi:
		if a.Hi < b.Hi {
			return -1
		}
		return 1
	case a.Lo != b.Lo:
		if a.Lo < b.Lo {
			return -1
		}
		return 1
	}
	return 0
}

// SortMatches orders matches by token. Matched tokens are HMAC outputs,
// uniform in their leading bits, so a counting sort on those bits leaves
// buckets of a few entries; small batches use the library sort.
func SortMatches(ms []Match) []Match {
	if len(ms) < 1<<12 {
		slices.SortFunc(ms, CompareMatches)
		return ms
	}
	b := min(max(bits.Len(uint(len(ms)/4)), 8), 20)
	shift := 64 - b
	starts := make([]int, 1<<b+1)
	for i := range ms {
		starts[ms[i].Hi>>shift+1]++
	}
	for i := 1; i < len(starts); i++ {
		starts[i] += starts[i-1]
	}
	out := make([]Match, len(ms))
	next := slices.Clone(starts[:len(starts)-1])
	for _, m := range ms {
		p := m.Hi >> shift
		out[next[p]] = m
		next[p]++
	}
	for i := 0; i < 1<<b; i++ {
		bucket := out[starts[i]:starts[i+1]]
		if len(bucket) > 16 {
			slices.SortFunc(bucket, CompareMatches)
			continue
		}
		for j := 1; j < len(bucket); j++ {
			m := bucket[j]
			k := j
			for ; k > 0 && CompareMatches(bucket[k-1], m) > 0; k-- {
				bucket[k] = bucket[k-1]
			}
			bucket[k] = m
		}
	}
	return out
}
