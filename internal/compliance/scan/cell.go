package scan

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"hulian/internal/protocol/ident"
)

// Byte classes of the cell walk.
var (
	isDigit [256]bool
	isAlpha [256]bool
	isAlnum [256]bool
	isWord  [256]bool // bytes of an ASCII word: alphanumerics and the punctuation inside e-mails, addresses and phone numbers
	isLocal [256]bool // e-mail local part (dot-atom)
	isHost  [256]bool
	isB32   [256]bool // lower-case RFC 4648 base32, the alphabet of an exID
)

// province is the set of plate province abbreviations, a bitset over the
// basic plane so that the test costs no hashing on every Han character.
var province [1 << 16 / 64]uint64

func isProvince(r rune) bool { return r < 1<<16 && province[r>>6]&(1<<(r&63)) != 0 }

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		isDigit[c] = b >= '0' && b <= '9'
		isAlpha[c] = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
		isAlnum[c] = isDigit[c] || isAlpha[c]
		isB32[c] = b >= 'a' && b <= 'z' || b >= '2' && b <= '7'
		isHost[c] = isAlnum[c] || b == '-' || b == '.'
	}
	for _, b := range []byte(".:@_-+%") {
		isWord[b] = true
	}
	for _, b := range []byte("!#$%&'*+/=?^_`{|}~-.") {
		isLocal[b] = true
	}
	for c := 0; c < 256; c++ {
		isWord[c] = isWord[c] || isAlnum[c]
		isLocal[c] = isLocal[c] || isAlnum[c]
	}
	for _, r := range provinceAbbrevs {
		province[r>>6] |= 1 << (r & 63)
	}
}

// Separator classes counted by the word walk; 0 is any other byte.
const (
	sepAt = 1 + iota
	sepColon
	sepDot
	sepDash
	sepUnder
)

var sepClass = [256]uint8{'@': sepAt, ':': sepColon, '.': sepDot, '-': sepDash, '_': sepUnder}

// colFlags say what a column's name tells about its values.
type colFlags uint32

const (
	colName colFlags = 1 << iota
	colBirth
	colQQ
	colWeChat
	colPassport
	colPermit
	colEthnic
	colMarital
	colEducation
	colHealth
	colIncome
	colPayment
	colAddress
	colEmployer
	colPhone
)

var columnWords = []struct {
	flag  colFlags
	words []string
}{
	{colName, []string{"姓名", "名字", "联系人", "收货人", "收件人", "持卡人", "户主", "fullname", "firstname", "lastname", "realname", "contactname", "customername", "personname"}},
	{colBirth, []string{"出生", "生日", "birth", "dob"}},
	{colQQ, []string{"qq"}},
	{colWeChat, []string{"微信", "wechat", "weixin", "wxid"}},
	{colPassport, []string{"护照", "passport"}},
	{colPermit, []string{"通行证", "台胞证", "回乡证", "permit"}},
	{colEthnic, []string{"民族", "ethnic", "minzu"}},
	{colMarital, []string{"婚姻", "婚否", "marital", "marriage"}},
	{colEducation, []string{"学历", "教育程度", "education", "degree"}},
	{colHealth, []string{"健康", "疾病", "病史", "诊断", "病情", "disease", "diagnos", "health", "medical"}},
	{colIncome, []string{"收入", "工资", "薪", "income", "salary", "wage"}},
	{colPayment, []string{"支付金额", "付款", "转账", "交易金额", "消费金额", "payment", "paidamount", "txnamount"}},
	{colAddress, []string{"地址", "住址", "户籍", "居住地", "address", "addr"}},
	{colEmployer, []string{"工作单位", "单位名称", "雇主", "employer", "workplace"}},
	{colPhone, []string{"电话", "手机", "联系方式", "phone", "mobile", "tel"}},
}

// classifyColumn reads a header name. Case, spaces, '_' and '-' are
// ignored; a plain "name" is a person's name only on its own, since
// 商品名称 or app_name are not.
func classifyColumn(name string) colFlags {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r == ' ' || r == '_' || r == '-' {
			continue
		}
		b.WriteRune(r)
	}
	n := b.String()
	var f colFlags
	for _, cw := range columnWords {
		for _, w := range cw.words {
			if strings.Contains(n, w) {
				f |= cw.flag
				break
			}
		}
	}
	if n == "name" || n == "contact" {
		f |= colName
	}
	if strings.Contains(n, "名称") {
		f &^= colName
	}
	return f
}

// hit is one raw match inside a cell.
type hit struct {
	kind       Kind
	start, end int
	category   string
}

// cell holds the state of one cell's walk; it is reused across cells.
type cell struct {
	d     *dict
	adult int // the last year of birth of a person now 16 or older
	s     string
	col   colFlags
	idVal string
	hits  []hit
	buf   [64]byte

	birthAt, qqAt, wxAt, passAt, permitAt, incomeAt, payAt, eduAt, streetAt, verAt int
	ageAt, bioAt, secAt, insAt, propAt, orgAt, otherDateAt                         int
	dateStart, dateEnd                                                             int
	sawDigit, addrNum                                                              bool
}

// near reports whether a context keyword ending at at precedes pos closely.
func near(at, pos, within int) bool { return at >= 0 && pos >= at && pos-at <= within }

func (c *cell) emit(k Kind, start, end int, category string) {
	for _, h := range c.hits {
		if h.kind == k {
			return // one finding per kind and cell is enough to locate it
		}
	}
	c.hits = append(c.hits, hit{k, start, end, category})
}

func (c *cell) has(k Kind) bool {
	for _, h := range c.hits {
		if h.kind == k {
			return true
		}
	}
	return false
}

// scan walks s once and leaves its matches in c.hits. A cell written with
// full-width letters and digits (１３８…) is folded to ASCII first, which
// costs a second pass only for such cells.
func (c *cell) scan(s string, col colFlags, idVal string) {
	if !c.walk(s, col, idVal) {
		c.walk(foldWidth(s), col, idVal)
	}
}

// walk is one pass of scan; it returns false, having stopped, when it meets
// a full-width character.
func (c *cell) walk(s string, col colFlags, idVal string) bool {
	c.s, c.col, c.idVal, c.hits = s, col, idVal, c.hits[:0]
	c.birthAt, c.qqAt, c.wxAt, c.passAt, c.permitAt, c.incomeAt, c.payAt, c.eduAt, c.streetAt, c.verAt = -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
	c.ageAt, c.bioAt, c.secAt, c.insAt, c.propAt, c.orgAt, c.otherDateAt = -1, -1, -1, -1, -1, -1, -1
	c.dateStart, c.dateEnd = -1, -1
	c.sawDigit, c.addrNum = false, false
	// An ID shorter than 6 characters (a row number) would match any digit.
	if len(idVal) >= 6 && len(s) >= len(idVal) && strings.Contains(s, idVal) {
		i := strings.Index(s, idVal)
		c.emit(KindIDInTag, i, i+len(idVal), "")
	}
	inHan := false // the walk is inside a run of Han characters
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			inHan = false
			if isWord[b] {
				i = c.word(i)
			} else {
				i++
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r >= 0xFF08 && r <= 0xFF5A || r == 0x3000) && wide(r) {
			return false
		}
		if han := isHan(r); han != inHan {
			if han && i > 0 {
				c.nameLead(i, r) // a whole-cell name is whole()'s
			}
			inHan = han
		}
		if r >= 1<<16 || c.d.first[r] == 0 {
			// no term opens with r: the common case, tested inline
		} else if e, ok := c.d.matchGroup(s, i, r); ok {
			c.term(e, i)
			i += len(e.term)
			continue
		}
		if isProvince(r) {
			if n := c.plate(i, i+size); n > 0 {
				i = n
				continue
			}
		}
		i += size
	}
	c.whole()
	return true
}

func (c *cell) term(e dictEntry, i int) {
	end := i + len(e.term)
	switch e.act {
	case actContent:
		c.emit(KindContent, i, end, e.category)
	case actEthnic:
		c.emit(KindEthnicity, i, end, "")
	case actMarital:
		c.emit(KindMarital, i, end, "")
	case actHealth:
		c.emit(KindHealth, i, end, "")
	case actEducation:
		if c.col&colEducation != 0 || near(c.eduAt, i, 12) {
			c.emit(KindEducation, i, end, "")
		}
	case actBirthCtx:
		c.birthAt = end
		if c.dateEnd >= 0 && i-c.dateEnd <= 3 { // "1990年1月2日出生"
			c.emit(KindBirthDate, c.dateStart, c.dateEnd, "")
		}
	case actQQCtx:
		c.qqAt = end
	case actWeChatCtx:
		c.wxAt = end
	case actPassCtx:
		c.passAt = end
	case actPermitCtx:
		c.permitAt = end
	case actIncomeCtx:
		c.incomeAt = end
	case actPayCtx:
		c.payAt = end
	case actEduCtx:
		c.eduAt = end
	case actStreet:
		c.streetAt = end
		if e.term == "弄" && i > 0 && isDigit[c.s[i-1]] {
			c.addrNum = true
			c.emit(KindAddress, i, end, "")
		}
	case actAddrSuffix:
		if i > 0 && isDigit[c.s[i-1]] {
			c.addrNum = true
			if c.streetAt >= 0 {
				c.emit(KindAddress, c.streetAt, end, "")
			}
		}
	case actVersionCtx:
		c.verAt = end
	case actNameCtx:
		c.nameAfter(i, end)
	case actHonorific:
		c.nameBefore(i, end)
	case actAgeCtx:
		c.ageAt = end
	case actBiometric:
		c.emit(KindBiometric, i, end, "")
	case actBioCtx:
		c.bioAt = end
	case actCV:
		c.emit(KindCV, i, end, "")
	case actSecCtx:
		c.secAt = end
	case actInsCtx:
		c.insAt = end
	case actPropCtx:
		c.propAt = end
	case actEnterprise:
		c.emit(KindEnterprise, i, end, "")
	case actOrgCtx:
		c.orgAt = end
	case actOtherDate:
		c.otherDateAt = end
	case actEmployer:
		if end < len(c.s) { // the employer's name follows
			c.emit(KindEmployer, i, len(c.s), "")
		}
	}
}

// word handles a run of ASCII word bytes starting at i and returns where the
// walk resumes.
func (c *cell) word(i int) int {
	s := c.s
	j := i
	var n [8]int // separators seen, by sepClass
	for j < len(s) && isWord[s[j]] {
		n[sepClass[s[j]]]++
		j++
	}
	nAt, nColon, nDot, nDash, nUnder := n[sepAt], n[sepColon], n[sepDot], n[sepDash], n[sepUnder]
	w := s[i:j]
	if nAt > 0 && c.email(i, j) {
		return j
	}
	if (nDot > 0 || nColon > 0) && c.image(w, i, j) {
		return j
	}
	if (nColon >= 2 || nDash == 5) && c.macOrIPv6(w, i, j) {
		return j
	}
	if nDot == 3 && c.ipv4(w, i, j) {
		return j
	}
	if nColon == 1 && isAlpha[w[0]] {
		// "vx:zhang_88", "qq:12345": a context word glued to its value.
		if k := strings.IndexByte(w, ':'); k < len(w)-1 && allAlpha(w[:k]) {
			c.keyword(w[:k], i+k)
			return c.word(i + k + 1)
		}
	}
	if nUnder > 0 && len(w) >= 6 && (strings.HasPrefix(w, "wxid_") || strings.HasPrefix(w, "WXID_")) {
		c.emit(KindWeChat, i, j, "")
		return j
	}
	if (c.col&colWeChat != 0 || near(c.wxAt, i, 12)) && wechatShape(w) {
		c.emit(KindWeChat, i, j, "")
		return j
	}
	end := j
	for k := i; k < j; {
		if !isAlnum[s[k]] {
			k++
			continue
		}
		e := k
		for e < len(s) && isAlnum[s[e]] {
			e++
		}
		n := c.alnum(k, e)
		if n > end {
			end = n
		}
		k = max(e, n)
	}
	return end
}

func (c *cell) email(i, j int) bool {
	s := c.s
	for p := i; p < j; p++ {
		if s[p] != '@' {
			continue
		}
		ls := p
		for ls > i && isLocal[s[ls-1]] {
			ls--
		}
		de := p + 1
		for de < j && isHost[s[de]] {
			de++
		}
		for de > p+1 && (s[de-1] == '.' || s[de-1] == '-') {
			de--
		}
		for ls < p && s[ls] == '.' {
			ls++
		}
		if ls < p && ident.CheckEmail(s[ls:de]) == nil {
			c.emit(KindEmail, ls, de, "")
			return true
		}
	}
	return false
}

func (c *cell) macOrIPv6(w string, i, j int) bool {
	w = strings.TrimRight(w, ".:-")
	if len(w) == 17 && ident.CheckMAC(w) == nil {
		c.emit(KindMAC, i, i+len(w), "")
		return true
	}
	if strings.Count(w, ":") >= 2 {
		if a, err := netip.ParseAddr(w); err == nil && a.Is6() {
			c.emit(KindIPv6, i, i+len(w), "")
			return true
		}
	}
	return false
}

func (c *cell) ipv4(w string, i, j int) bool {
	w = strings.TrimRight(w, ".:")
	if k := strings.IndexByte(w, ':'); k >= 0 { // host:port
		w = w[:k]
	}
	if strings.Count(w, ".") != 3 || near(c.verAt, i, 12) {
		return false
	}
	a, err := netip.ParseAddr(w)
	if err != nil || !a.Is4() {
		return false
	}
	c.emit(KindIPv4, i, i+len(w), "")
	return true
}

// wechatShape is the account-name rule WeChat applies: 6 to 20 letters,
// digits, '_' or '-', starting with a letter.
func wechatShape(w string) bool {
	if len(w) < 6 || len(w) > 20 || !isAlpha[w[0]] {
		return false
	}
	digits := false
	for i := 0; i < len(w); i++ {
		b := w[i]
		if !isAlnum[b] && b != '_' && b != '-' {
			return false
		}
		digits = digits || isDigit[b]
	}
	return digits || len(w) >= 8
}

// alnum classifies the ASCII letters-and-digits run s[a:e] and returns where
// the walk resumes (a digit group may continue past e).
func (c *cell) alnum(a, e int) int {
	s := c.s
	t := s[a:e]
	if c.d.first[s[a]] != 0 { // a content term that opens with a Latin letter ("K粉")
		if de, ok := c.d.match(s, a, rune(s[a])); ok && de.act == actContent {
			c.emit(KindContent, a, a+len(de.term), de.category)
			return a + len(de.term)
		}
	}
	if (len(t) >= 12 || len(t) == 2 && t[0] == '9') && c.blob(t, a, e) {
		return e
	}
	nd := 0
	for i := 0; i < len(t); i++ {
		if isDigit[t[i]] {
			nd++
		}
	}
	if nd >= 6 && len(t) >= 8 && nd < len(t) && near(c.insAt, a, 16) {
		c.emit(KindInsurance, a, e, "")
		return e
	}
	switch {
	case nd == len(t):
		return c.digits(a, e)
	case nd == 0:
		c.keyword(t, e)
		return e
	case len(t) == 18 && nd == 17 && (t[17] == 'X' || t[17] == 'x'):
		if ident.CheckIDCard(t) == nil {
			c.emit(KindIDCard, a, e, "")
		}
		return e
	case len(t) == 31 && strings.HasPrefix(t, "ex1") && allB32(t[3:]):
		c.emit(KindExIDInTag, a, e, "")
		return e
	}
	if len(t) == 18 && ident.CheckUSCC(t) == nil {
		c.emit(KindUSCC, a, e, "")
		return e
	}
	if len(t) >= 7 && (t[0] == 'q' || t[0] == 'Q') && (t[1] == 'q' || t[1] == 'Q') && nd == len(t)-2 && len(t) <= 13 && t[2] != '0' {
		c.emit(KindQQ, a, e, "")
		return e
	}
	p := 0
	for p < len(t) && isAlpha[t[p]] {
		p++
	}
	if p <= 2 && nd == len(t)-p && c.document(t, p, a, e) {
		return e
	}
	if p >= 2 && nd == len(t)-p && phonePrefix(t[:p]) { // "tel13812345678"
		return c.digits(a+p, e)
	}
	return e
}

// phonePrefix reports whether p is a word glued before a phone number.
func phonePrefix(p string) bool {
	if len(p) > 6 {
		return false
	}
	for _, w := range []string{"tel", "phone", "mobile", "mob", "cell", "sj", "dh"} {
		if strings.EqualFold(p, w) {
			return true
		}
	}
	return false
}

func allAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlpha[s[i]] {
			return false
		}
	}
	return len(s) > 0
}

func allB32(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isB32[s[i]] {
			return false
		}
	}
	return true
}

// keyword notes an ASCII context word.
func (c *cell) keyword(t string, e int) {
	if len(t) > 8 {
		return
	}
	var lw [8]byte
	for i := 0; i < len(t); i++ {
		b := t[i]
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		lw[i] = b
	}
	switch string(lw[:len(t)]) {
	case "qq":
		c.qqAt = e
	case "wechat", "weixin", "wx", "vx":
		c.wxAt = e
	case "passport":
		c.passAt = e
	case "version", "ver", "build":
		c.verAt = e
	case "birthday", "dob", "born", "birth":
		c.birthAt = e
	case "salary", "income", "wage":
		c.incomeAt = e
	case "paid", "payment":
		c.payAt = e
	case "age", "aged":
		c.ageAt = e
	case "policy":
		c.insAt = e
	}
}

// document checks letter-prefixed document numbers. Passports and permits
// carry no check character, so only shapes specific to Chinese documents
// are taken without a keyword: E/G + 8 digits (普通护照), E + letter +
// 7 digits (电子普通护照 since 2017), C + 8 digits (往来港澳通行证 card),
// H/M + 8 or 10 digits (港澳居民来往内地通行证). Other shapes need 护照 or
// 通行证 nearby or a passport or permit column.
//
// The electronic permits add C + a letter + 7 digits (往来港澳通行证 since
// 2014) and L + 8 digits (往来台湾通行证 since 2016); a Shanghai securities
// account is A + 9 digits (中国结算 上海分公司).
func (c *cell) document(t string, p, a, e int) bool {
	nd := len(t) - p
	t0 := t[0] &^ 0x20 // upper case
	t1 := t[p-1] &^ 0x20
	upper := t[0] >= 'A' && t[0] <= 'Z' && (p == 1 || t[1] >= 'A' && t[1] <= 'Z')
	passCtx := c.col&colPassport != 0 || near(c.passAt, a, 12)
	permitCtx := c.col&colPermit != 0 || near(c.permitAt, a, 12)
	switch {
	case p == 1 && nd == 8 && upper && (t0 == 'E' || t0 == 'G'):
		c.emit(KindPassport, a, e, "")
	case p == 2 && nd == 7 && upper && t0 == 'E':
		c.emit(KindPassport, a, e, "")
	case p == 1 && nd == 8 && upper && (t0 == 'C' || t0 == 'L'):
		c.emit(KindPermit, a, e, "")
	case p == 2 && nd == 7 && upper && t0 == 'C' && t1 != 'I' && t1 != 'O':
		c.emit(KindPermit, a, e, "")
	case p == 1 && (nd == 8 || nd == 10) && upper && (t0 == 'H' || t0 == 'M'):
		c.emit(KindPermit, a, e, "")
	case p == 1 && nd == 9 && t0 == 'A' && upper:
		c.emit(KindSecurities, a, e, "")
	case p >= 1 && nd >= 7 && nd <= 9 && passCtx:
		c.emit(KindPassport, a, e, "")
	case p >= 1 && nd >= 7 && nd <= 10 && permitCtx:
		c.emit(KindPermit, a, e, "")
	case p >= 1 && nd >= 8 && nd <= 11 && near(c.secAt, a, 16):
		c.emit(KindSecurities, a, e, "")
	default:
		return false
	}
	return true
}

// digits handles the digit run s[a:e]: it extends it over the separators of
// formatted numbers ("138 1234 5678", "010-12345678", "(021)62345678",
// "6222 0212 3456 7890") and tries the identifiers of each length.
func (c *cell) digits(a, e int) int {
	s := c.s
	c.sawDigit = true
	if e-a == 8 && e+1 < len(s) && s[e] == '-' && (e+2 == len(s) || !isAlnum[s[e+2]]) && orgCode(s[a:e], s[e+1]) {
		c.emit(KindOrgCode, a, e+2, "")
		return e + 2
	}
	var segs [8]int
	ns := 1
	segs[0] = e - a
	n := copy(c.buf[:], s[a:min(e, a+len(c.buf))])
	end := e
	paren := a > 0 && (s[a-1] == '(' || a > 1 && s[a-1] == '+' && s[a-2] == '(')
	for ns < len(segs) {
		k := end
		if k < len(s) && s[k] == ')' && ns == 1 && paren {
			k++
			if k < len(s) && (s[k] == ' ' || s[k] == '-') {
				k++
			}
			if k >= len(s) || !isDigit[s[k]] {
				break
			}
			k--
		} else if !(k+1 < len(s) && (s[k] == ' ' || s[k] == '-') && isDigit[s[k+1]]) {
			break
		}
		m := k + 1
		for m < len(s) && isDigit[s[m]] {
			m++
		}
		if m < len(s) && isAlpha[s[m]] && !(n+m-k-1 == 17 && s[m]|0x20 == 'x') || n+m-k-1 > len(c.buf) {
			break
		}
		n += copy(c.buf[n:], s[k+1:m])
		segs[ns] = m - k - 1
		ns++
		end = m
	}
	d := s[a:e]
	if ns > 1 {
		d = string(c.buf[:n]) // only formatted numbers are copied
		if n == 17 && end < len(s) && s[end]|0x20 == 'x' && (end+1 == len(s) || !isAlnum[s[end+1]]) {
			if groupedID(segs[:ns]) && ident.CheckIDCard(d+"X") == nil {
				c.emit(KindIDCard, a, end+1, "")
			}
			return end + 1
		}
	}
	prevDot := a >= 2 && s[a-1] == '.' && isDigit[s[a-2]]
	nextDot := end+1 < len(s) && s[end] == '.' && isDigit[s[end+1]]
	birth := c.col&colBirth != 0 || near(c.birthAt, a, 24)
	if segs[0] == 4 && !prevDot {
		// A full date whose year makes its subject an adult today is taken
		// for a date of birth wherever it stands; a later one is kept in
		// case 出生 follows it.
		if dend, ok := parseDate(s, a); ok {
			if y := num(s[a : a+4]); birth || y >= 1920 && y <= c.adult && !near(c.otherDateAt, a, 12) {
				c.emit(KindBirthDate, a, dend, "")
			} else {
				c.dateStart, c.dateEnd = a, dend
			}
			return max(end, dend)
		}
		if birth {
			if dend, ok := parseYearMonth(s, a); ok {
				c.emit(KindBirthDate, a, dend, "")
				return max(end, dend)
			}
		}
	}
	if ns == 1 && e-a <= 3 && !prevDot && !nextDot && c.age(a, end) {
		return end
	}

	if (near(c.incomeAt, a, 12) || near(c.payAt, a, 12)) && ns == 1 && !prevDot && !rangeAfter(s, end) {
		k := KindIncome
		if !near(c.incomeAt, a, 12) {
			k = KindPayment
		}
		c.emit(k, a, end, "")
	}
	if prevDot || nextDot {
		return end // decimals, prices and version numbers are not identifiers
	}
	if c.number(d, segs[:ns], a, end, birth) {
		return end
	}
	if ns > 1 {
		off, pos := 0, a
		for _, l := range segs[:ns] {
			c.number(d[off:off+l], segs[:1], pos, pos+l, birth)
			off += l
			pos += l + 1
		}
	}
	return end
}

// rangeAfter reports whether the number ending at i opens a range or band
// ("5000-8000", "5000以上"), which is not an exact amount.
func rangeAfter(s string, i int) bool {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) {
		return false
	}
	switch s[i] {
	case '-', '~', '+':
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	switch r {
	case '～', '至', '到', '以', '—', '–':
		return true
	}
	return false
}

// number tries the identifiers a digit group d can be.
func (c *cell) number(d string, segs []int, a, end int, birth bool) bool {
	s := c.s
	n := len(d)
	single := len(segs) == 1
	plus := a > 0 && s[a-1] == '+'
	if n == 15 && strings.HasPrefix(d, "0086") && ident.CheckMobile(d[4:]) == nil ||
		n == 13 && strings.HasPrefix(d, "86") && (plus || segs[0] == 2) && ident.CheckMobile(d[2:]) == nil {
		c.emit(KindMobile, a, end, "")
		return true
	}
	grouped := true // "6222 0212 3456 7890 123": groups of four
	for _, l := range segs[:len(segs)-1] {
		grouped = grouped && l == 4
	}
	switch {
	case single && n == 15 && near(c.orgAt, a, 16):
		c.emit(KindOrgCode, a, end, "")
	case single && n >= 8 && n <= 12 && near(c.secAt, a, 16):
		c.emit(KindSecurities, a, end, "")
	case single && n >= 8 && near(c.insAt, a, 16):
		c.emit(KindInsurance, a, end, "")
	case single && near(c.propAt, a, 40) && (n >= 6 || strings.HasPrefix(s[end:], "号")):
		c.emit(KindProperty, a, end, "")
	case n == 11 && mobileGroups(segs) && ident.CheckMobile(d) == nil:
		c.emit(KindMobile, a, end, "")
	case n == 18 && (single || groupedID(segs)) && ident.CheckIDCard(d) == nil:
		c.emit(KindIDCard, a, end, "")
	case n == 15 && single && validID15(d):
		c.emit(KindIDCard, a, end, "")
	case n == 15 && single && ident.CheckIMEI(d) == nil:
		c.emit(KindIMEI, a, end, "")
	case n >= 16 && n <= 19 && grouped && d[0] >= '3' && d[0] <= '6' && ident.Luhn(d) && !(n == 18 && idBody(d)):
		c.emit(KindBankCard, a, end, "")
	case !single && landline(d, segs):
		c.emit(KindLandline, a, end, "")
	case single && n == 8 && birth && validDate(num(d[:4]), num(d[4:6]), num(d[6:])):
		c.emit(KindBirthDate, a, end, "")
	case single && n >= 5 && n <= 11 && d[0] != '0' && (c.col&colQQ != 0 || near(c.qqAt, a, 16)):
		c.emit(KindQQ, a, end, "")
	case single && c.col&colPhone != 0 && (n == 11 || n == 12) && landline(d, []int{areaLen(d), n - areaLen(d)}):
		c.emit(KindLandline, a, end, "")
	default:
		return false
	}
	return true
}

// mobileGroups reports whether digit groups are spaced as people write a
// mobile number: 138 1234 5678, 138 12345678 or 1381234 5678.
func mobileGroups(segs []int) bool {
	switch len(segs) {
	case 1:
		return true
	case 2:
		return segs[0] == 3 || segs[0] == 7
	case 3:
		return segs[0] == 3 && segs[1] == 4
	}
	return false
}

// idBody reports whether the first 17 digits of d are an identity number's
// (some check character would make it valid): such a number with a wrong
// check character is a mistyped ID, not a bank card that happens to pass
// Luhn.
func idBody(d string) bool {
	var b [18]byte
	copy(b[:], d[:17])
	for _, c := range []byte("0123456789X") {
		b[17] = c
		if ident.CheckIDCard(string(b[:])) == nil {
			return true
		}
	}
	return false
}

func validID15(d string) bool {
	_, err := ident.IDCard15To18(d)
	return err == nil
}

// areaLen is the length of the mainland area code opening d: 010 and 02x
// are three digits, the others four.
func areaLen(d string) int {
	if len(d) > 2 && (d[1] == '1' || d[1] == '2') {
		return 3
	}
	return 4
}

// landline accepts an area code (0 + 2 or 3 digits) and a 7- or 8-digit
// subscriber number not starting with 0 or 1 (GB/T 20000 numbering plan
// shapes as used by 工业和信息化部's 电信网编号计划).
func landline(d string, segs []int) bool {
	if len(segs) < 2 || d[0] != '0' || segs[0] != areaLen(d) {
		return false
	}
	if segs[0] == 3 && d[1] != '1' && d[1] != '2' || segs[0] == 3 && d[1] == '1' && d[2] != '0' {
		return false
	}
	if segs[0] == 4 && d[1] < '3' {
		return false
	}
	rest := d[segs[0]:]
	return (len(rest) == 7 || len(rest) == 8) && rest[0] >= '2'
}

func num(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

func validDate(y, m, d int) bool {
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// parseDate reads a full date at s[a:]: YYYY-MM-DD with '-', '/' or '.'
// (one or two digits for month and day) or YYYY年M月D日. It returns the end.
func parseDate(s string, a int) (int, bool) {
	y, m, sep, i, ok := yearMonth(s, a)
	if !ok {
		return 0, false
	}
	sep2 := sep
	if sep == "年" {
		sep2 = "月"
	}
	if !strings.HasPrefix(s[i:], sep2) {
		return 0, false
	}
	i += len(sep2)
	d, i, ok := twoDigits(s, i)
	if !ok || !validDate(y, m, d) {
		return 0, false
	}
	if sep == "年" {
		if strings.HasPrefix(s[i:], "日") {
			i += len("日")
		}
	} else if i < len(s) && isDigit[s[i]] {
		return 0, false
	}
	return i, true
}

// yearMonth reads the four-digit year at s[a:], its separator ('-', '/',
// '.' or 年) and a one- or two-digit month, returning where the month ends.
// Ranges are the callers' to check.
func yearMonth(s string, a int) (y, m int, sep string, i int, ok bool) {
	i = a + 4
	y = num(s[a:i])
	switch {
	case i < len(s) && (s[i] == '-' || s[i] == '/' || s[i] == '.'):
		sep = s[i : i+1]
	case strings.HasPrefix(s[i:], "年"):
		sep = "年"
	default:
		return 0, 0, "", 0, false
	}
	m, i, ok = twoDigits(s, i+len(sep))
	return y, m, sep, i, ok
}

func twoDigits(s string, i int) (int, int, bool) {
	j := i
	for j < len(s) && j-i < 3 && isDigit[s[j]] {
		j++
	}
	if j == i || j-i > 2 {
		return 0, i, false
	}
	return num(s[i:j]), j, true
}

// plate matches a licence plate whose province abbreviation ends at j
// (GA 36-2018): the letter of the issuing authority, an optional separator
// (·, •, ., -, a space), then five characters with at least three digits, a
// new-energy six (one of D A B C E F G H J K first and digits after the
// second, or five digits and D or F last), or four and a special suffix
// such as 挂 or 学. Letters may be typed in lower case.
func (c *cell) plate(i, j int) int {
	s := c.s
	if j >= len(s) || !isAlpha[s[j]] {
		return 0
	}
	k := j + 1
	for _, sep := range plateSeps {
		if strings.HasPrefix(s[k:], sep) {
			k += len(sep)
			break
		}
	}
	m := k
	digits := 0
	var run [7]byte
	for m < len(s) && m-k < 7 && isAlnum[s[m]] {
		b := s[m]
		if isDigit[b] {
			digits++
		} else {
			b &^= 0x20
			if b == 'I' || b == 'O' {
				return 0
			}
		}
		run[m-k] = b
		m++
	}
	if m < len(s) && isAlnum[s[m]] {
		return 0
	}
	r := string(run[:m-k])
	ok := false
	switch len(r) {
	case 5:
		ok = digits >= 3
	case 6:
		ok = strings.IndexByte("DABCEFGHJK", r[0]) >= 0 && allDigitsStr(r[2:]) ||
			(r[5] == 'D' || r[5] == 'F') && allDigitsStr(r[:5])
	case 4:
		if rr, size := utf8.DecodeRuneInString(s[m:]); strings.ContainsRune(plateSuffixes, rr) && digits >= 3 {
			m += size
			ok = true
		}
	}
	if !ok {
		return 0
	}
	c.emit(KindPlate, i, m, "")
	return m
}

// plateSeps may stand between a plate's authority letter and its number.
var plateSeps = []string{"·", "•", "・", ".", "-", " "}

func allDigitsStr(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit[s[i]] {
			return false
		}
	}
	return len(s) > 0
}

// whole applies the checks that concern a cell's value as a whole: a name
// or a compact date of birth by its value in any column, and what a
// column's header says of the rest.
func (c *cell) whole() {
	v := c.s
	if v != "" && (v[0] <= ' ' || v[len(v)-1] <= ' ') {
		v = strings.TrimSpace(v)
	}
	if v == "" || len(v) <= 6 && isPlaceholder(v) {
		return
	}
	switch {
	case c.col&colName != 0 && personName(v):
		c.emit(KindName, 0, len(c.s), "")
	case c.has(KindName):
	case v[0] >= utf8.RuneSelf:
		// A Han name alone in the cell or opening its text.
		r, _ := utf8.DecodeRuneInString(v)
		off := 0
		if len(v) != len(c.s) {
			off = strings.Index(c.s, v)
		}
		c.nameLead(off, r)
	case v[0] >= 'A' && v[0] <= 'Z' && latinName(v):
		c.emit(KindName, 0, len(c.s), "")
	}
	if c.col == 0 && len(v) != 8 {
		return
	}
	if len(v) == 8 && allDigitsStr(v) && !c.has(KindBirthDate) {
		// A cell of eight digits that is a date an adult was born on is a
		// compact date of birth (19850312); order and account numbers are
		// longer, and a random eight digits is such a date once in 2,500.
		if y := num(v[:4]); y >= 1920 && y <= c.adult && validDate(y, num(v[4:6]), num(v[6:])) {
			c.emit(KindBirthDate, 0, len(c.s), "")
		}
	}
	if c.col == 0 {
		return
	}
	if c.col&colEthnic != 0 && ethnicValue(v) {
		c.emit(KindEthnicity, 0, len(c.s), "")
	}
	if c.col&colMarital != 0 && inFold(maritalValues, v) {
		c.emit(KindMarital, 0, len(c.s), "")
	}
	if c.col&colEducation != 0 && inFold(educationValues, v) {
		c.emit(KindEducation, 0, len(c.s), "")
	}
	if c.col&colHealth != 0 {
		c.emit(KindHealth, 0, len(c.s), "")
	}
	if c.col&colEmployer != 0 {
		c.emit(KindEmployer, 0, len(c.s), "")
	}
	if c.col&colIncome != 0 && exactAmount(v) {
		c.emit(KindIncome, 0, len(c.s), "")
	} else if c.col&colPayment != 0 && exactAmount(v) {
		c.emit(KindPayment, 0, len(c.s), "")
	}
	if c.col&colAddress != 0 && c.sawDigit && (c.streetAt >= 0 || c.addrNum) {
		c.emit(KindAddress, 0, len(c.s), "")
	}
}

func isPlaceholder(v string) bool {
	switch v {
	case "", "-", "--", "无", "未知", "不详", "空", "null", "NULL", "N/A", "n/a", "NA", "none", "None":
		return true
	}
	return false
}

func inFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

func ethnicValue(v string) bool {
	for _, g := range ethnicGroups {
		if v == g || v == strings.TrimSuffix(g, "族") {
			return true
		}
	}
	return false
}

var surnames = func() map[string]bool {
	m := make(map[string]bool, len(commonSurnames))
	for _, s := range commonSurnames {
		m[s] = true
	}
	return m
}()

// exactAmount accepts a single amount ("8500", "¥12,800.50", "3.2万元");
// ranges and bands ("5000-8000", "1万以上") are not exact.
func exactAmount(v string) bool {
	for _, p := range []string{"¥", "￥", "RMB", "CNY"} {
		v = strings.TrimPrefix(v, p)
	}
	for _, p := range []string{"万元", "元", "万", "k", "K"} {
		v = strings.TrimSuffix(v, p)
	}
	v = strings.TrimSpace(v)
	if v == "" || !isDigit[v[0]] {
		return false
	}
	dots := 0
	for i := 0; i < len(v); i++ {
		switch {
		case isDigit[v[i]], v[i] == ',':
		case v[i] == '.':
			dots++
		default:
			return false
		}
	}
	return dots <= 1
}
