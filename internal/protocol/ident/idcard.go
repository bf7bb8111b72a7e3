package ident

import (
	"fmt"
	"time"

	"hulian/internal/errs"
)

// Citizen identity numbers (公民身份号码), GB 11643-1999: a six-digit address
// code (GB/T 2260), an eight-digit date of birth (YYYYMMDD), a three-digit
// sequence code and one check character computed with ISO 7064 MOD 11-2,
// where the value 10 is written X.

// idWeights are the ISO 7064 MOD 11-2 weights 2^(18-i) mod 11 for positions
// i = 1…17, as tabulated in GB 11643-1999 §8.2.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChars maps (sum mod 11) to the check character that makes the
// weighted sum including the check character ≡ 1 (mod 11).
const idCheckChars = "10X98765432"

// provinces holds the province-level address codes that may open an identity
// number, from GB/T 2260 (中华人民共和国行政区划代码): 11–15, 21–23, 31–37,
// 41–46, 50–54, 61–65 and 71 (Taiwan); 81 and 82 (Hong Kong, Macao) and 83
// are the address codes 810000, 820000 and 830000 that 港澳台居民居住证申领发放
// 办法 (国办发〔2018〕81号) assigns to Hong Kong, Macao and Taiwan residents'
// residence permits. No province-level code has been withdrawn since identity
// numbers were introduced in 1984, so old numbers are covered too.
var provinces = func() (p [100]bool) {
	for _, r := range [][2]int{{11, 15}, {21, 23}, {31, 37}, {41, 46}, {50, 54}, {61, 65}, {71, 71}, {81, 83}} {
		for c := r[0]; c <= r[1]; c++ {
			p[c] = true
		}
	}
	return p
}()

// foreignerMark opens the number of the 2023 foreigner's permanent residence
// identity card (外国人永久居留身份证, 国家移民管理局, in use since 2023-12-01):
// "9", then the province-level code of the issuing province, then the
// nationality code, the date of birth, a sequence code and a GB 11643 check
// character. Citizens' numbers never start with 9.
const foreignerMark = '9'

// cst is China Standard Time. China has kept no daylight saving time since
// 1991, so a fixed offset gives the right calendar day without tzdata.
var cst = time.FixedZone("CST", 8*60*60)

// today is the current date in China as YYYYMMDD.
func today() int {
	y, m, d := time.Now().In(cst).Date()
	return y*10000 + int(m)*100 + d
}

// startDay is the date the process started. Days only go forward, so a date
// of birth up to startDay is never in the future and needs no clock reading;
// that keeps the clock off the scanner's hot path.
var startDay = today()

// inFuture reports whether a YYYYMMDD date lies after today in China.
func inFuture(date int) bool { return date > startDay && date > today() }

var (
	errIDLength  = invalid(IDCard, "长度不对：应为 18 位（旧版 15 位数字也可）", "wrong length: must be 18 characters (or a legacy 15-digit number)")
	errID18Len   = invalid(IDCard, "长度不对：应为 18 位", "wrong length: must be 18 characters")
	errIDDigits  = invalid(IDCard, "前 17 位必须全是数字", "the first 17 characters must be digits")
	errIDLast    = invalid(IDCard, "第 18 位必须是数字或 X", "the 18th character must be a digit or X")
	errIDRegion  = invalid(IDCard, "地址码不存在：前两位不是省级行政区划代码（GB/T 2260）", "no such address code: the first two digits are not a province-level code (GB/T 2260)")
	errIDDate    = invalid(IDCard, "出生日期不是真实的日期", "the date of birth is not a real date")
	errIDFuture  = invalid(IDCard, "出生日期在未来", "the date of birth is in the future")
	errIDTooOld  = invalid(IDCard, "出生日期早于 1900 年", "the date of birth is before 1900")
	err15Len     = invalid(IDCard, "旧版号码应为 15 位数字", "a legacy number must be 15 digits")
	err15Digits  = invalid(IDCard, "旧版 15 位号码必须全是数字", "a legacy 15-digit number must be all digits")
	errIDCheckBy = func() (e [11]*errs.Error) {
		for i := range e {
			c := idCheckChars[i]
			e[i] = invalid(IDCard, fmt.Sprintf("校验位错误：应为 %c", c), fmt.Sprintf("check character is wrong: expected %c", c))
		}
		return e
	}()
)

// CheckIDCard validates an 18-character identity number (a final x is
// accepted as X): digits, a province-level address code, a real date of
// birth between 1900-01-01 and today, and the GB 11643 check character.
func CheckIDCard(s string) error {
	if e := checkIDCard(s, inFuture); e != nil {
		return e
	}
	return nil
}

// checkIDCard takes the "is this date in the future" test as an argument so
// that tests can fix the day.
func checkIDCard(s string, future func(int) bool) *errs.Error {
	if len(s) != 18 {
		return errID18Len
	}
	if !allDigits(s[:17]) {
		return errIDDigits
	}
	last := s[17]
	if !isDigit(last) && last != 'X' && last != 'x' {
		return errIDLast
	}
	if e := checkRegion(s); e != nil {
		return e
	}
	if e := checkBirth(num(s[6:14]), future); e != nil {
		return e
	}
	want := idCheckIndex(s[:17])
	got := last
	if got == 'x' {
		got = 'X'
	}
	if got != idCheckChars[want] {
		return errIDCheckBy[want]
	}
	return nil
}

// idCheckIndex returns the index into idCheckChars of the check character for
// the 17 digits of body.
func idCheckIndex(body string) int {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return sum % 11
}

func checkRegion(s string) *errs.Error {
	p := s[:2]
	if s[0] == foreignerMark {
		p = s[1:3]
	}
	if !provinces[num(p)] {
		return errIDRegion
	}
	return nil
}

// checkBirth validates a YYYYMMDD date of birth.
func checkBirth(date int, future func(int) bool) *errs.Error {
	y, m, d := date/10000, date/100%100, date%100
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return errIDDate
	}
	if date < 19000101 {
		return errIDTooOld
	}
	if future(date) {
		return errIDFuture
	}
	return nil
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// num returns the value of a short string of ASCII digits.
func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// IDCard15To18 converts a legacy 15-digit identity number (six-digit address
// code, YYMMDD, three-digit sequence code) to the 18-character number that
// GB 11643-1999 prescribes for it: the century "19" is inserted before the
// year and the check character is computed. The result is validated like
// CheckIDCard.
func IDCard15To18(s string) (string, error) {
	out, e := idCard15To18(s, inFuture)
	if e != nil {
		return "", e
	}
	return out, nil
}

func idCard15To18(s string, future func(int) bool) (string, *errs.Error) {
	if len(s) != 15 {
		return "", err15Len
	}
	if !allDigits(s) {
		return "", err15Digits
	}
	if s[0] == foreignerMark {
		// Only citizens ever held 15-digit numbers.
		return "", errIDRegion
	}
	var b [18]byte
	copy(b[:6], s[:6])
	b[6], b[7] = '1', '9'
	copy(b[8:17], s[6:])
	b[17] = idCheckChars[idCheckIndex(string(b[:17]))]
	out := string(b[:])
	if e := checkIDCard(out, future); e != nil {
		return "", e
	}
	return out, nil
}

func normalizeIDCard(s string) (string, *errs.Error) {
	return normalizeIDCardAt(s, inFuture)
}

func normalizeIDCardAt(s string, future func(int) bool) (string, *errs.Error) {
	switch len(s) {
	case 0:
		return "", errEmpty[IDCard]
	case 15:
		return idCard15To18(s, future)
	case 18:
		if e := checkIDCard(s, future); e != nil {
			return "", e
		}
		if s[17] == 'x' {
			return s[:17] + "X", nil
		}
		return s, nil
	}
	return "", errIDLength
}
