package jsonstrict_test

import (
	"strings"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/jsonstrict"
)

type doc struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestRead(t *testing.T) {
	var d doc
	if err := jsonstrict.Read(strings.NewReader(`{"name":"a","count":2}`), "--file", 1<<10, &d); err != nil || d.Name != "a" || d.Count != 2 {
		t.Fatalf("%+v %v", d, err)
	}
	for text, want := range map[string]string{
		`{"name":"a","colour":1}`:                      "unknown field",
		`{"name":"a"} {"name":"b"}`:                    "trailing",
		"{\n\"name\": \"a\",\n\"count\": \"x\"}":       "line 3",
		"{\n\"name\": \"a\",\n,}":                      "line 3",
		`{"name":"` + strings.Repeat("x", 2000) + `"}`: "over 1024 bytes",
	} {
		err := jsonstrict.Read(strings.NewReader(text), "--file", 1<<10, &doc{})
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err, "en"), want) {
			t.Errorf("%.40q: %v, want %q", text, err, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"name":"a","count":2}`))
	f.Add([]byte("{\n,"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d doc
		if err := jsonstrict.Decode(b, "x", &d); err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("an error of another kind: %v", err)
		}
	})
}
