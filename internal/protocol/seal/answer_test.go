package seal

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"hulian/internal/errs"
	"hulian/internal/protocol/ordertoken"
)

func tok(b byte) ordertoken.Token {
	var t ordertoken.Token
	for i := range t {
		t[i] = b
	}
	return t
}

func TestAnswerRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Answer
		want Answer // the canonical order
	}{
		{"empty", Answer{}, Answer{}},
		{"one, no values", Answer{Matches: []Match{{Token: tok(1)}}}, Answer{Matches: []Match{{Token: tok(1)}}}},
		{"sorted on encoding",
			Answer{Matches: []Match{{Token: tok(9), Values: []string{"高", ""}}, {Token: tok(2), Values: []string{"18-24"}}}},
			Answer{Matches: []Match{{Token: tok(2), Values: []string{"18-24"}}, {Token: tok(9), Values: []string{"高", ""}}}}},
		{"long value", Answer{Matches: []Match{{Token: tok(3), Values: []string{strings.Repeat("值", 100)}}}},
			Answer{Matches: []Match{{Token: tok(3), Values: []string{strings.Repeat("值", 100)}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := cmp.Diff(tt.in, tt.in)
			b, err := tt.in.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseAnswer(b)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("round trip (-want +got):\n%s", d)
			}
			if before != "" {
				t.Fatal("MarshalBinary changed its input")
			}
		})
	}
}

// TestAnswerLayout pins the byte layout documented in
// docs/delivery-crypto.md.
func TestAnswerLayout(t *testing.T) {
	t.Parallel()
	a := Answer{Matches: []Match{{Token: tok(0xaa), Values: []string{"北", "<<"}}}}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := "01" + "01" + strings.Repeat("aa", 16) + "02" + "03" + "e58c97" + "02" + "3c3c"
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("layout %s, want %s", got, want)
	}
}

func TestAnswerMarshalRejects(t *testing.T) {
	t.Parallel()
	for name, a := range map[string]Answer{
		"repeated token": {Matches: []Match{{Token: tok(1)}, {Token: tok(2)}, {Token: tok(1)}}},
		"not UTF-8":      {Matches: []Match{{Token: tok(1), Values: []string{"\xff"}}}},
	} {
		if _, err := a.MarshalBinary(); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestAnswerParseRejects(t *testing.T) {
	t.Parallel()
	t1, t2 := strings.Repeat("01", 16), strings.Repeat("02", 16)
	tests := map[string]string{
		"empty":              "",
		"version 2":          "0200",
		"no count":           "01",
		"long-form count":    "018000",
		"count beyond data":  "0102" + t1 + "00",
		"huge count":         "01ffffffffffffffff7f",
		"truncated token":    "0101" + t1[:30],
		"no value count":     "0101" + t1,
		"out of order":       "0102" + t2 + "00" + t1 + "00",
		"repeated":           "0102" + t1 + "00" + t1 + "00",
		"value count beyond": "0101" + t1 + "05" + "00",
		"value beyond":       "0101" + t1 + "01" + "05" + "6162",
		"long-form length":   "0101" + t1 + "01" + "8100" + "61",
		"not UTF-8":          "0101" + t1 + "01" + "01" + "ff",
		"trailing":           "0100" + "00",
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, _ := hex.DecodeString(h)
			if a, err := ParseAnswer(b); !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParseAnswer(%s) = %+v, %v; want invalid", h, a, err)
			}
		})
	}
}

func FuzzParseAnswer(f *testing.F) {
	for _, a := range []Answer{{}, {Matches: []Match{{Token: tok(1), Values: []string{"a", "北京"}}, {Token: tok(7)}}}} {
		b, _ := a.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{1, 0x80, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAnswer(b)
		if err != nil {
			return
		}
		// Whatever parses is canonical: it encodes back to the same bytes.
		again, err := a.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed answer does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("%x parses but encodes as %x", b, again)
		}
	})
}

func BenchmarkAnswer(b *testing.B) {
	a := Answer{Matches: make([]Match, 10_000)}
	for i := range a.Matches {
		a.Matches[i] = Match{Token: tok(byte(i)), Values: []string{"25-34", "一线城市"}}
		a.Matches[i].Token[0], a.Matches[i].Token[1] = byte(i>>8), byte(i)
	}
	enc, _ := a.MarshalBinary()
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			a.MarshalBinary()
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			ParseAnswer(enc)
		}
	})
}
