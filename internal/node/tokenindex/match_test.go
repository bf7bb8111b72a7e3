package tokenindex

import (
	mrand "math/rand/v2"
	"slices"
	"testing"
)

func TestSortMatches(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 100, 5000, 70000} {
		ms := make([]Match, n)
		for i := range ms {
			ms[i] = Match{Hi: r.Uint64(), Lo: r.Uint64(), Ref: uint32(i)}
			if i > 0 && i%10 == 0 {
				ms[i] = ms[i-1] // duplicates
			}
		}
		want := slices.Clone(ms)
		slices.SortStableFunc(want, CompareMatches)
		got := SortMatches(slices.Clone(ms))
		if !slices.EqualFunc(got, want, func(a, b Match) bool { return CompareMatches(a, b) == 0 }) {
			t.Errorf("n=%d: not sorted like the library", n)
		}
	}
}
