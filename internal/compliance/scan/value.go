package scan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the checks that find an identifier by its value alone:
// names, ages, photos and templates, organisation codes. They run in every
// column, whatever its header says.

// runeSet is a set of runes of the basic plane, a bitset so that a test
// costs no hashing.
type runeSet [1 << 16 / 64]uint64

func newRuneSet(s string) *runeSet {
	var rs runeSet
	for _, r := range s {
		rs[r>>6] |= 1 << (r & 63)
	}
	return &rs
}

func (rs *runeSet) has(r rune) bool { return r >= 0 && r < 1<<16 && rs[r>>6]&(1<<(r&63)) != 0 }

var (
	surnameSet = func() *runeSet {
		var b strings.Builder
		for _, s := range commonSurnames {
			if utf8.RuneCountInString(s) == 1 {
				b.WriteString(s)
			}
		}
		return newRuneSet(b.String())
	}()
	compoundFirst = func() *runeSet {
		var b strings.Builder
		for _, s := range commonSurnames {
			if r, size := utf8.DecodeRuneInString(s); size < len(s) {
				b.WriteRune(r)
			}
		}
		return newRuneSet(b.String())
	}()
	followSet = newRuneSet(nameFollowers)
	givenSet  = newRuneSet(givenNameChars)
	strongSet = newRuneSet(strongGivenChars)
	pinyinSet = func() map[string]bool {
		m := make(map[string]bool, len(pinyinSyllables))
		for _, s := range pinyinSyllables {
			m[s] = true
		}
		return m
	}()
	pinyinSurnameSet = func() map[string]bool {
		m := make(map[string]bool, len(pinyinSurnames))
		for _, s := range pinyinSurnames {
			m[s] = true
		}
		return m
	}()
)

func isHan(r rune) bool { return r >= 0x3400 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF }

// wide reports whether r is a full-width form that foldWidth maps: the
// letters and digits and the punctuation inside identifiers (．－＠＿＋（）)
// and the ideographic space. Full-width colons and commas stay: in Chinese
// text they separate, as a space does.
func wide(r rune) bool {
	switch {
	case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
		return true
	}
	switch r {
	case '．', '－', '＠', '＿', '＋', '（', '）', '\u3000':
		return true
	}
	return false
}

// foldWidth maps what wide reports to ASCII, as Chinese input methods write
// it.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0x3000:
			return ' '
		case wide(r):
			return r - 0xFEE0
		}
		return r
	}, s)
}

// hanName reports whether v, standing alone in a cell or after a name's
// context, is a personal name: a common surname (one or two characters) and
// one or two given-name characters. ctx relaxes the given name to any Han
// characters, as after 联系人 where nothing else is expected.
func hanName(v string, ctx bool) bool {
	var rs [5]rune
	n := 0
	for _, r := range v {
		if n == len(rs) {
			return false
		}
		rs[n] = r
		n++
	}
	return nameRunes(rs[:n], v, ctx)
}

// nameRunes is hanName over the runes rs of v. The rune sets reject most
// words at their first or second character, before any map is consulted.
func nameRunes(rs []rune, v string, ctx bool) bool {
	n := len(rs)
	if n < 2 || n > 4 {
		return false
	}
	sur := 0
	switch {
	case n >= 3 && compoundFirst.has(rs[0]) && surnames[v[:utf8.RuneLen(rs[0])+utf8.RuneLen(rs[1])]]:
		sur = 2
	case n <= 3 && surnameSet.has(rs[0]):
		sur = 1
	default:
		return false
	}
	given := rs[sur:]
	for _, r := range given {
		if !isHan(r) || !ctx && !givenSet.has(r) {
			return false
		}
	}
	if ctx {
		return len(given) <= 2
	}
	if n == 2 { // a two-character cell: the given name must be a strong one
		if !strongSet.has(rs[1]) {
			return false
		}
		for _, w := range nameStopWords {
			if v == w {
				return false
			}
		}
	}
	return true
}

// latinName reports whether v is a Chinese name in Latin letters: two
// words, one a pinyin surname, both made of pinyin syllables ("Zhang Wei",
// "WANG Xiaoming", "Xiao-Ming Li").
func latinName(v string) bool {
	sp := strings.IndexByte(v, ' ')
	if sp < 2 || len(v)-sp-1 < 2 || len(v) > 24 || v[0] < 'A' || v[0] > 'Z' || v[sp+1] < 'A' || v[sp+1] > 'Z' {
		return false
	}
	var buf [24]byte
	for i := 0; i < len(v); i++ {
		b := v[i]
		switch {
		case i == sp, b == '-', b == '\'':
		case isAlpha[b]:
			b |= 0x20
		default:
			return false
		}
		buf[i] = b
	}
	a, b := buf[:sp], buf[sp+1:len(v)]
	if !pinyinSurnameSet[string(a)] && !pinyinSurnameSet[string(b)] {
		return false
	}
	for _, s := range latinNameStop {
		if string(buf[:len(v)]) == s {
			return false
		}
	}
	return pinyinWord(a) && pinyinWord(b)
}

// pinyinWord reports whether the lower-case w splits into one to three
// pinyin syllables, with an optional hyphen or apostrophe between them.
func pinyinWord(w []byte) bool {
	var c [18]byte
	n := 0
	for _, b := range w {
		if b == '-' || b == '\'' {
			continue
		}
		if n == len(c) {
			return false
		}
		c[n] = b
		n++
	}
	// reach[i] is one more than the fewest syllables that spell c[:i]; 0
	// means unreached.
	var reach [19]int
	reach[0] = 1
	for i := 0; i < n; i++ {
		if reach[i] == 0 {
			continue
		}
		for l := 1; l <= 6 && i+l <= n; l++ {
			if pinyinSet[string(c[i:i+l])] && (reach[i+l] == 0 || reach[i]+1 < reach[i+l]) {
				reach[i+l] = reach[i] + 1
			}
		}
	}
	return reach[n] >= 2 && reach[n] <= 4
}

// nameLead checks the start of a Han run at s[i:] for a name written as
// the subject of a short text (张伟已签收, 王芳喜欢旅游): a strict name of
// two to four characters followed by the end of the run or by a character
// that usually follows a subject.
func (c *cell) nameLead(i int, r rune) {
	if !surnameSet.has(r) && !compoundFirst.has(r) {
		return
	}
	s := c.s
	var rs [5]rune
	var at [6]int // at[k] is the offset after k runes
	at[0] = i
	n := 0
	for p := i; n < len(rs) && p < len(s); n++ {
		rr, size := utf8.DecodeRuneInString(s[p:])
		if !isHan(rr) {
			break
		}
		rs[n] = rr
		p += size
		at[n+1] = p
	}
	if n < 2 || !givenSet.has(rs[1]) && !compoundFirst.has(rs[0]) {
		return
	}
	for _, k := range []int{4, 3, 2} {
		if k > n || k < n && !followSet.has(rs[k]) {
			continue
		}
		if nameRunes(rs[:k], s[i:at[k]], false) {
			c.emit(KindName, i, at[k], "")
			return
		}
	}
}

// nameAfter checks the Han run after a name's context word ending at end
// (联系人：张伟，…).
func (c *cell) nameAfter(i, end int) {
	s := c.s
	k := end
	for k < len(s) && (s[k] == ':' || s[k] == ' ') {
		k++
	}
	if strings.HasPrefix(s[k:], "：") {
		k += len("：")
	}
	m := k
	for m < len(s) && m-k <= 12 {
		r, size := utf8.DecodeRuneInString(s[m:])
		if !isHan(r) {
			break
		}
		m += size
	}
	if m > k && hanName(s[k:m], true) {
		c.emit(KindName, i, m, "")
	}
}

// nameBefore checks the two or three Han characters before an honorific
// starting at i (请联系张伟先生).
func (c *cell) nameBefore(i, end int) {
	s := c.s
	var at [3]int
	n := 0
	for p := i; n < 3 && p > 0; n++ {
		r, size := utf8.DecodeLastRuneInString(s[:p])
		if !isHan(r) {
			break
		}
		p -= size
		at[n] = p
	}
	for _, k := range []int{1, 2} { // two characters, then three
		if k < n && hanName(s[at[k]:i], false) {
			c.emit(KindName, at[k], end, "")
			return
		}
	}
}

// age reports and records an exact age: a number of years followed by 岁 or
// 周岁, or after 年龄; bands ("25-34岁", "45岁以上") and approximations are
// not exact.
func (c *cell) age(a, end int) bool {
	s := c.s
	v := num(s[a:end])
	if v > 120 || a > 0 && (s[a-1] == '-' || s[a-1] == '~' || s[a-1] == '+') {
		return false
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:a]); r == '～' || r == '至' || r == '到' || r == '—' || r == '–' {
		return false
	}
	k := end
	for k < len(s) && s[k] == ' ' {
		k++
	}
	switch {
	case strings.HasPrefix(s[k:], "周岁"):
		k += len("周岁")
	case strings.HasPrefix(s[k:], "岁"):
		k += len("岁")
	case near(c.ageAt, a, 10) && v > 0:
		if rangeAfter(s, end) {
			return false
		}
		c.emit(KindAge, a, end, "")
		return true
	default:
		return false
	}
	if rangeAfter(s, k) || strings.HasPrefix(s[k:], "左右") || strings.HasPrefix(s[k:], "及以") {
		return false
	}
	c.emit(KindAge, a, k, "")
	return true
}

// image finds an image in a word: a data URI or the name of an image file
// (a profile photo referenced by URL or path).
func (c *cell) image(w string, i, j int) bool {
	if len(w) >= 10 && strings.EqualFold(w[:10], "data:image") {
		c.emit(KindPhoto, i, j, "")
		return true
	}
	dot := strings.LastIndexByte(w, '.')
	if dot <= 0 || len(w)-dot < 4 || len(w)-dot > 5 || !isAlpha[w[dot+1]] {
		return false
	}
	ext := w[dot:]
	for _, x := range imageExtensions {
		if strings.EqualFold(ext, x) {
			c.emit(KindPhoto, i, j, "")
			return true
		}
	}
	return false
}

// blob finds image data and biometric templates written as base64 or hex in
// the letters-and-digits run t = s[a:e].
func (c *cell) blob(t string, a, e int) bool {
	s := c.s
	if t == "9j" && a > 0 && strings.HasPrefix(s[a-1:], "/9j/4") { // JPEG in base64
		c.emit(KindPhoto, a-1, e, "")
		return true
	}
	if len(t) < 12 { // a header and some data: a bare "Rk1SAC" is a word
		return false
	}
	for _, p := range imageBase64 {
		if strings.HasPrefix(t, p) {
			c.emit(KindPhoto, a, e, "")
			return true
		}
	}
	for _, p := range bioBase64 {
		if strings.HasPrefix(t, p) {
			c.emit(KindBiometric, a, e, "")
			return true
		}
	}
	for _, p := range bioHex {
		if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
			c.emit(KindBiometric, a, e, "")
			return true
		}
	}
	if len(t) >= 32 && near(c.bioAt, a, 16) {
		c.emit(KindBiometric, a, e, "")
		return true
	}
	return false
}

// orgCode checks an organisation code of GB 11714-1997: eight digits and a
// check character computed with the weights 3 7 9 10 5 8 4 2 modulo 11
// (10 is written X).
func orgCode(body string, check byte) bool {
	if body == "00000000" {
		return false // a placeholder, though its check character fits
	}
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(body[i]-'0') * weights[i]
	}
	want := byte('0' + (11-sum%11)%11)
	if (11-sum%11)%11 == 10 {
		want = 'X'
	}
	return check&^0x20 == want || check == want
}

// groupedID reports whether digit groups have the spacing people give an
// identity number: 6-8-4 or 6-4-4-4.
func groupedID(segs []int) bool {
	switch len(segs) {
	case 3:
		return segs[0] == 6 && segs[1] == 8 && (segs[2] == 4 || segs[2] == 3)
	case 4:
		return segs[0] == 6 && segs[1] == 4 && segs[2] == 4 && (segs[3] == 4 || segs[3] == 3)
	}
	return false
}

// parseYearMonth reads a year and month (1990-05, 1990年5月) at s[a:], as
// written after 出生年月.
func parseYearMonth(s string, a int) (int, bool) {
	y, m, sep, i, ok := yearMonth(s, a)
	if !ok || y < 1900 || y > 2100 || m < 1 || m > 12 {
		return 0, false
	}
	if sep == "年" && strings.HasPrefix(s[i:], "月") {
		i += len("月")
	}
	return i, true
}

// personName accepts a value of a name column: a Han name of two to four
// characters opening with a common surname (minority names joined by "·"
// too), or two or three capitalised Latin words.
func personName(v string) bool {
	if v == "" {
		return false
	}
	if v[0] < utf8.RuneSelf {
		words := strings.Fields(v)
		if len(words) < 2 || len(words) > 3 {
			return false
		}
		for _, w := range words {
			if w[0] < 'A' || w[0] > 'Z' {
				return false
			}
			for i := 1; i < len(w); i++ {
				if !isAlpha[w[i]] && w[i] != '-' && w[i] != '\'' {
					return false
				}
			}
		}
		return true
	}
	n := 0
	dot := false
	for _, r := range v {
		if r == '·' || r == '•' {
			dot = true
			continue
		}
		if !unicode.Is(unicode.Han, r) {
			return false
		}
		n++
	}
	if dot {
		return n >= 2 && n <= 12
	}
	if n < 2 || n > 4 {
		return false
	}
	_, size := utf8.DecodeRuneInString(v)
	if surnames[v[:size]] {
		return true
	}
	_, size2 := utf8.DecodeRuneInString(v[size:])
	return n >= 3 && surnames[v[:size+size2]]
}
