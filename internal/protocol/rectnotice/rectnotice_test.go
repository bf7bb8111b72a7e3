package rectnotice

import (
	"errors"
	"strings"
	"testing"

	"hulian/internal/errs"
)

func TestParse(t *testing.T) {
	tok := strings.Repeat("ab", 16)
	good := `{"version":1,"notice":"rn_1","order":"ord_1","action":"correct","reason":"corrected","columns":["k"],"rows":[{"token":"` + tok + `","values":["v"]}]}`
	b, toks, err := Parse([]byte(good), "rn_1", "ord_1")
	if err != nil || len(toks) != 1 || toks[0][0] != 0xab || b.Rows[0].Values[0] != "v" {
		t.Fatalf("good notice: %v %v", b, err)
	}
	for name, bad := range map[string]struct{ body, field string }{
		"other order":   {strings.Replace(good, "ord_1", "ord_2", 1), "notice"},
		"short token":   {strings.Replace(good, tok, "abcd", 1), "rows[0].token"},
		"missing value": {strings.Replace(good, `"values":["v"]`, `"values":[]`, 1), "rows[0].values"},
		"no rows":       {`{"version":1,"notice":"rn_1","order":"ord_1","action":"delete","reason":"removed","rows":[]}`, "rows"},
		"bad action":    {strings.Replace(good, `"correct"`, `"merge"`, 1), "action"},
		"unknown field": {strings.Replace(good, `"version":1`, `"version":1,"x":1`, 1), "notice"},
		"version 2":     {strings.Replace(good, `"version":1`, `"version":2`, 1), "version"},
	} {
		_, _, err := Parse([]byte(bad.body), "rn_1", "ord_1")
		var e *errs.Error
		if !errors.As(err, &e) || e.Field != bad.field {
			t.Errorf("%s: got %v, want an error on %s", name, err, bad.field)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":1,"notice":"rn_1","order":"ord_1","action":"delete","reason":"removed","rows":[{"token":"` + strings.Repeat("00", 16) + `"}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		body, toks, err := Parse(b, "rn_1", "ord_1")
		if err == nil && (len(toks) != len(body.Rows) || len(toks) == 0) {
			t.Fatalf("parsed %d rows into %d tokens", len(body.Rows), len(toks))
		}
	})
}
