package node

import (
	"regexp"
	"testing"
)

// regionRe is the rule member applications use for storage regions.
var regionRe = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

func FuzzCheckRegionCode(f *testing.F) {
	for _, s := range []string{"CN", "CN-SH", "CN-HK", "SG", "cn-sh", "CN-", "CN-ABCD", "C", "中国"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := checkRegionCode(s) == nil, regionRe.MatchString(s); got != want {
			t.Errorf("%q: accepted %v, member rule %v", s, got, want)
		}
	})
}
