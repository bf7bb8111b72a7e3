package e2e

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"hulian/internal/protocol/exid"
)

// needles is a set of byte strings (8 bytes or longer) to look for in
// files. They are indexed by their first 8 bytes, so one pass over a file
// with one map lookup per byte finds them all.
type needles struct {
	byPrefix map[uint64][]needle
	count    int
}

type needle struct {
	s, what string
}

func newNeedles() *needles { return &needles{byPrefix: map[uint64][]needle{}} }

func prefix(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

func (n *needles) add(s, what string) {
	if len(s) < 8 {
		panic("needle shorter than 8 bytes: " + what)
	}
	k := prefix([]byte(s[:8]))
	for _, x := range n.byPrefix[k] {
		if x.s == s {
			return
		}
	}
	n.byPrefix[k] = append(n.byPrefix[k], needle{s, what})
	n.count++
}

// addBytes adds b in every rendering the code uses for binary values:
// raw, hex (both cases), and base64 in its standard and URL alphabets,
// padded and not.
func (n *needles) addBytes(b []byte, what string) {
	n.add(string(b), what+" (binary)")
	n.add(hex.EncodeToString(b), what+" (hex)")
	n.add(strings.ToUpper(hex.EncodeToString(b)), what+" (HEX)")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		n.add(enc.EncodeToString(b), what+" (base64)")
	}
}

// addNumber adds a mobile number in the forms it is written in: bare 11
// digits (which every longer form contains) and E.164.
func (n *needles) addNumber(num string) {
	n.add(num, "mobile number")
	n.add("+86"+num, "mobile number (E.164)")
}

// addExID adds an exID as text and in every binary rendering.
func (n *needles) addExID(id exid.ExID) {
	n.add(id.String(), "exID (text)")
	n.addBytes(id[:], "exID")
}

// find returns up to limit findings of the needles in data, each naming
// what was found and where.
func (n *needles) find(name string, data []byte, limit int) []string {
	var out []string
	for i := 0; i+8 <= len(data); i++ {
		cands, ok := n.byPrefix[prefix(data[i:])]
		if !ok {
			continue
		}
		for _, c := range cands {
			if i+len(c.s) <= len(data) && string(data[i:i+len(c.s)]) == c.s {
				out = append(out, fmt.Sprintf("%s at byte %d: %s %q", name, i, c.what, c.s))
				if len(out) >= limit {
					return out
				}
			}
		}
	}
	return out
}

// exIDsOf reads the exid column of a CSV file.
func exIDsOf(t testing.TB, path string) []exid.ExID {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	hdr, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range hdr {
		if h == "exid" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s has no exid column", path)
	}
	var out []exid.ExID
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		id, err := exid.Parse(rec[col])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
}

// tagValues reads the supplier's exID file: each exID's tag values, in
// the file's column order.
func tagValues(t testing.TB, path string) map[exid.ExID][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	hdr, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(hdr, "exid")
	out := map[exid.ExID][]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		id, err := exid.Parse(rec[col])
		if err != nil {
			t.Fatal(err)
		}
		out[id] = slices.Delete(slices.Clone(rec), col, col+1)
	}
}
