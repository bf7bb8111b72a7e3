package seal

import (
	"bytes"
	"encoding/binary"
	"slices"
	"unicode/utf8"

	"hulian/internal/errs"
	"hulian/internal/protocol/ordertoken"
)

// AnswerVersion is the first byte of an encoded Answer.
const AnswerVersion = 1

// Answer is the plaintext a supplier node seals: the requested tokens it
// holds, each with the values of the order's tag keys in the order the
// order lists them. Tokens it does not hold are absent.
type Answer struct {
	Matches []Match
}

// Match is one matched token and its values.
type Match struct {
	Token  ordertoken.Token
	Values []string
}

// MarshalBinary encodes a in the one canonical form:
//
//	answer = version:u8(=1) count:uvarint match{count}
//	match  = token:[16]byte nvalues:uvarint value{nvalues}
//	value  = len:uvarint utf8:[len]byte
//
// uvarint is unsigned LEB128 in its shortest form (encoding/binary's
// Uvarint); matches are in ascending byte order of token. a itself is not
// reordered. A token given twice or a value that is not UTF-8 is an error.
func (a Answer) MarshalBinary() ([]byte, error) {
	byToken := func(x, y Match) int { return bytes.Compare(x.Token[:], y.Token[:]) }
	ms := a.Matches
	if !slices.IsSortedFunc(ms, byToken) {
		ms = slices.Clone(ms)
		slices.SortFunc(ms, byToken)
	}
	size := 1 + binary.MaxVarintLen64
	for i, m := range ms {
		if i > 0 && m.Token == ms[i-1].Token {
			return nil, errs.Invalidf("matches", "应答中同一令牌出现两次", "a token appears twice in the answer")
		}
		size += ordertoken.TokenSize + binary.MaxVarintLen64
		for _, v := range m.Values {
			if !utf8.ValidString(v) {
				return nil, errs.Invalidf("values", "标签值不是有效的 UTF-8 文本", "a tag value is not valid UTF-8 text")
			}
			size += binary.MaxVarintLen64 + len(v)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, AnswerVersion)
	b = binary.AppendUvarint(b, uint64(len(ms)))
	for _, m := range ms {
		b = append(b, m.Token[:]...)
		b = binary.AppendUvarint(b, uint64(len(m.Values)))
		for _, v := range m.Values {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b, nil
}

// UnmarshalBinary parses what MarshalBinary produces and nothing else:
// another version, a non-shortest length, tokens out of order or repeated,
// text that is not UTF-8 or bytes left over are errors. Counts are checked
// against the bytes remaining before anything is allocated, so a hostile
// length costs nothing.
func (a *Answer) UnmarshalBinary(b []byte) error {
	bad := func(zh, en string) error {
		return errs.Invalidf("answer", "应答格式错误："+zh, "malformed answer: "+en)
	}
	if len(b) == 0 || b[0] != AnswerVersion {
		return bad("版本不受支持", "unsupported version")
	}
	// One copy of the whole input backs every value string.
	s := string(b)
	p := 1
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(b[p:])
		if n <= 0 || n != uvarintLen(v) {
			return 0, false
		}
		p += n
		return v, true
	}
	count, ok := uvarint()
	if !ok {
		return bad("匹配数编码错误", "bad match count")
	}
	if count > uint64(len(b)-p)/(ordertoken.TokenSize+1) {
		return bad("匹配数超出数据长度", "match count exceeds the data")
	}
	ms := make([]Match, count)
	var slab []string
	for i := range ms {
		if len(b)-p < ordertoken.TokenSize {
			return bad("令牌不完整", "truncated token")
		}
		copy(ms[i].Token[:], b[p:])
		p += ordertoken.TokenSize
		if i > 0 && bytes.Compare(ms[i-1].Token[:], ms[i].Token[:]) >= 0 {
			return bad("令牌未按升序排列或重复", "tokens out of order or repeated")
		}
		nv, ok := uvarint()
		if !ok || nv > uint64(len(b)-p) {
			return bad("取值个数错误", "bad value count")
		}
		if nv > 0 {
			// Values come from slabs of a few thousand strings: one
			// allocation per match made a large answer's parse mostly
			// allocation and left the collector millions of objects.
			if nv > uint64(len(slab)) {
				slab = make([]string, max(nv, valueSlab))
			}
			ms[i].Values = slab[:nv:nv]
			slab = slab[nv:]
		}
		for j := range ms[i].Values {
			l, ok := uvarint()
			if !ok || l > uint64(len(b)-p) {
				return bad("取值长度错误", "bad value length")
			}
			v := s[p : p+int(l)]
			if !utf8.ValidString(v) {
				return bad("标签值不是有效的 UTF-8 文本", "a tag value is not valid UTF-8 text")
			}
			ms[i].Values[j] = v
			p += int(l)
		}
	}
	if p != len(b) {
		return bad("末尾有多余字节", "trailing bytes")
	}
	a.Matches = ms
	return nil
}

// valueSlab is how many value strings UnmarshalBinary allocates at once.
const valueSlab = 4096

// ParseAnswer is UnmarshalBinary as a function.
func ParseAnswer(b []byte) (Answer, error) {
	var a Answer
	err := a.UnmarshalBinary(b)
	return a, err
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
