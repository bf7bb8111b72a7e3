// Package exid defines the exID, the pseudonymous subject identifier that
// members exchange instead of raw IDs: the issuing key's epoch and the first
// 16 bytes of the RFC 9497 VOPRF output for the canonical input.
//
// Its one text form is "ex1" followed by the 17 bytes in lower-case base32
// (RFC 4648 alphabet, no padding), 31 characters in all: epoch 1 with the
// output bytes 01 02 … 10 reads ex1aeaqeayeaudaocajbifqydiob4ia. The "1" is
// the format version, so that a later layout can be told apart.
package exid

import (
	"encoding/base32"
	"strings"

	"hulian/internal/errs"
)

const (
	// Size is the length of an exID in bytes: epoch ‖ 16 bytes of output.
	Size = 17
	// Prefix starts every exID's text form.
	Prefix = "ex1"
	// TextSize is the length of the text form: the prefix and ⌈17·8/5⌉ = 28
	// base32 characters.
	TextSize = len(Prefix) + 28
)

// encoding is RFC 4648 base32 with the alphabet in lower case: IDs are
// compared as strings in CSV files and SQL, so there is exactly one spelling.
var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ExID is epoch ‖ first 16 bytes of the OPRF output.
type ExID [Size]byte

// FromOutput builds the exID for an OPRF output made with the key of epoch.
// out is a 64-byte RFC 9497 output; a shorter one is a programming error.
func FromOutput(epoch uint8, out []byte) ExID {
	if len(out) < Size-1 {
		panic("exid: OPRF output shorter than 16 bytes")
	}
	var id ExID
	id[0] = epoch
	copy(id[1:], out[:Size-1])
	return id
}

// Epoch returns the epoch of the platform key that issued id.
func (id ExID) Epoch() uint8 { return id[0] }

// String returns the text form.
func (id ExID) String() string {
	b, _ := id.AppendText(make([]byte, 0, TextSize))
	return string(b)
}

// AppendText appends the text form to b.
func (id ExID) AppendText(b []byte) ([]byte, error) {
	return encoding.AppendEncode(append(b, Prefix...), id[:]), nil
}

// MarshalText returns the text form.
func (id ExID) MarshalText() ([]byte, error) { return id.AppendText(nil) }

// UnmarshalText parses the text form.
func (id *ExID) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// b32values maps a character to its value in the alphabet, and every
// character outside it to 0xff.
var b32values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range []byte("abcdefghijklmnopqrstuvwxyz234567") {
		t[c] = byte(i)
	}
	return t
}()

// Parse reads the text form. It accepts exactly what String produces and
// says which part of anything else is wrong.
func Parse(s string) (ExID, error) {
	if !strings.HasPrefix(s, Prefix) {
		return ExID{}, errs.Invalidf("exid",
			"exID 须以 "+Prefix+" 开头",
			"an exID starts with "+Prefix)
	}
	if len(s) != TextSize {
		return ExID{}, errs.Invalidf("exid",
			"exID 长度应为 31 个字符（ex1 加 28 个 base32 字符）",
			"an exID is 31 characters long (ex1 and 28 base32 characters)")
	}
	body := s[len(Prefix):]
	// Checked and decoded in one pass through a table, 8 characters to 5
	// bytes, with no allocation: a batch query parses millions of exIDs,
	// and the library decoder with a re-encoding to check the form showed
	// in its profile.
	var id ExID
	var acc, bad uint64
	for g := 0; g < 3; g++ {
		acc = 0
		for _, c := range []byte(body[8*g : 8*g+8]) {
			v := uint64(b32values[c])
			acc, bad = acc<<5|v, bad|v
		}
		for k := range 5 {
			id[5*g+k] = byte(acc >> (32 - 8*k))
		}
	}
	acc = 0
	for _, c := range []byte(body[24:]) {
		v := uint64(b32values[c])
		acc, bad = acc<<5|v, bad|v
	}
	if bad >= 32 {
		return ExID{}, errs.Invalidf("exid",
			"exID 含有无效字符（只允许小写字母 a–z 和数字 2–7）",
			"an exID holds an invalid character (only lower-case a–z and digits 2–7)")
	}
	// The last 4 characters carry 16 data bits and four zero bits; any
	// other last character would give a second spelling of the same ID.
	if acc&0xf != 0 {
		return ExID{}, errs.Invalidf("exid",
			"exID 不是规范编码（最后一个字符只能是 a 或 q）",
			"an exID is not in canonical form (its last character must be a or q)")
	}
	id[15], id[16] = byte(acc>>12), byte(acc>>4)
	return id, nil
}
