package supply

import (
	"regexp"
	"testing"
)

func FuzzCheckDatasetName(f *testing.F) {
	for _, s := range []string{"spend", "a.b-c_1", "", "a b", "数据", "../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckDatasetName(s) == nil && (s == "" || len(s) > maxDatasetName || regexp.MustCompile(`[^A-Za-z0-9._-]`).MatchString(s)) {
			t.Errorf("%q accepted", s)
		}
	})
}
