package demand

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/protocol/exid"
)

// FuzzQueryInput: the file query's reader never panics, and any input it
// refuses is an invalid-input error that names the file.
func FuzzQueryInput(f *testing.F) {
	good := exid.FromOutput(1, make([]byte, 32)).String()
	for _, s := range []string{"exid\n" + good + "\n", "exid,x\n" + good + ",1\n\n", "exid\nex1bad\n", "a,b\n1\n", "exid\n\"unclosed\n", "", "\xef\xbb\xbfexid\n" + good + "\n", "exid\n" + good + "\n" + good + "\n"} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		n := &Side{}
		rd, err := scan.NewReader(bytes.NewReader(data), scan.EncodingAuto)
		if err != nil {
			return
		}
		col, err := rd.Column("exid")
		if err != nil {
			return
		}
		work := make(chan *queryChunk, 1<<16)
		err = n.readChunks(context.Background(), rd, QueryJob{In: "in.csv", Column: "exid"}, col, int(size%8)+1, 0, 0, work)
		close(work)
		rows := 0
		for c := range work {
			if len(c.keys) != len(c.ids) || len(c.keys) == 0 || len(c.keys) > int(size%8)+1 || c.first != rows+1 {
				t.Fatalf("chunk %+v", c)
			}
			rows += len(c.keys)
		}
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || !strings.HasPrefix(e.Field, "in.csv") {
				t.Fatalf("error %#v", err)
			}
		}
	})
}

// FuzzAppendField: the results are quoted exactly as encoding/csv quotes.
func FuzzAppendField(f *testing.F) {
	for _, s := range []string{"", "a", "a,b", `say "hi"`, " lead", "\u3000全角", "line\nbreak", `\.`, "cr\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want strings.Builder
		w := csv.NewWriter(&want)
		w.Write([]string{s, "x"})
		w.Flush()
		got := string(appendField(nil, s)) + ",x\n"
		if got != want.String() {
			t.Fatalf("%q: got %q, encoding/csv %q", s, got, want.String())
		}
	})
}
