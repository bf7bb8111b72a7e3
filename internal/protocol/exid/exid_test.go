package exid

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

func TestFromOutput(t *testing.T) {
	t.Parallel()
	out := bytes.Repeat([]byte{0xab}, 64)
	out[15], out[16] = 0x01, 0x02
	id := FromOutput(7, out)
	want := ExID{7, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0x01}
	if diff := cmp.Diff(want, id); diff != "" {
		t.Errorf("FromOutput (-want +got):\n%s", diff)
	}
	if id.Epoch() != 7 {
		t.Errorf("Epoch = %d", id.Epoch())
	}
}

// TestDocumentedExample pins the worked example of the protocol document:
// the Output of RFC 9497 Appendix A.1.2 test vector 1 under epoch 1.
func TestDocumentedExample(t *testing.T) {
	t.Parallel()
	out, _ := hex.DecodeString("b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d" +
		"a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c")
	if got, want := FromOutput(1, out).String(), "ex1ag2yz67bddqmxfgxtnp5njw27oma"; got != want {
		t.Errorf("exID = %s, want %s", got, want)
	}
}

func TestFromOutputShort(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("no panic on a 15-byte output")
		}
	}()
	FromOutput(1, make([]byte, 15))
}

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   ExID
		want string
	}{
		{ExID{}, "ex1aaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{ExID{1, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10},
			"ex1aeaqeayeaudaocajbifqydiob4ia"},
		{ExID{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			"ex1777777777777777777777777777q"},
	}
	for _, tt := range tests {
		got := tt.id.String()
		if got != tt.want {
			t.Errorf("String(%x) = %q, want %q", tt.id[:], got, tt.want)
		}
		if len(got) != TextSize {
			t.Errorf("len(%q) = %d, want %d", got, len(got), TextSize)
		}
		back, err := Parse(got)
		if err != nil || back != tt.id {
			t.Errorf("Parse(%q) = %x, %v", got, back[:], err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	valid := ExID{1, 2, 3}.String()
	tests := []struct {
		name, in, wantEN string
	}{
		{"empty", "", "starts with ex1"},
		{"wrong prefix", "ex2" + valid[3:], "starts with ex1"},
		{"upper-case prefix", "EX1" + valid[3:], "starts with ex1"},
		{"short", valid[:30], "31 characters"},
		{"long", valid + "a", "31 characters"},
		{"upper case", "ex1" + strings.ToUpper(valid[3:]), "invalid character"},
		{"digit 1", valid[:10] + "1" + valid[11:], "invalid character"},
		{"digit 8", valid[:10] + "8" + valid[11:], "invalid character"},
		{"padding", valid[:30] + "=", "invalid character"},
		{"space", " " + valid[:30], "starts with ex1"},
		{"non-canonical tail", valid[:30] + "b", "canonical form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) accepted", tt.in)
			}
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("kind = %v", errs.KindOf(err))
			}
			var e *errs.Error
			if !errorsAs(err, &e) || e.Reason.ZH == "" || !strings.Contains(e.Reason.EN, tt.wantEN) {
				t.Errorf("Parse(%q) = %v, want a reason with %q and a Chinese text", tt.in, err, tt.wantEN)
			}
			if e != nil && !strings.HasPrefix(e.Text(i18n.ZH), "exid：") {
				t.Errorf("zh text = %q", e.Text(i18n.ZH))
			}
		})
	}
}

func errorsAs(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	*target = e
	return ok
}

func TestTextMarshaling(t *testing.T) {
	t.Parallel()
	type row struct {
		ID ExID `json:"id"`
	}
	in := row{ID: ExID{9, 8, 7, 6, 5}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":"` + in.ID.String() + `"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var out row
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"id":"ex1"}`), &out); err == nil {
		t.Error("short exID accepted by UnmarshalText")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("ex1aaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("ex1777777777777777777777777777q")
	f.Add("ex1777777777777777777777777777r")
	f.Add("EX1")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			return
		}
		if got := id.String(); got != s {
			t.Fatalf("Parse(%q) = %x, which prints as %q", s, id[:], got)
		}
	})
}

func FuzzString(f *testing.F) {
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		var id ExID
		copy(id[:], b)
		back, err := Parse(id.String())
		if err != nil || back != id {
			t.Fatalf("round trip of %x: %x, %v", id[:], back[:], err)
		}
	})
}
