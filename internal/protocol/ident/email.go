package ident

import (
	"strings"

	"hulian/internal/errs"
)

// E-mail addresses: the dot-atom form of RFC 5322 §3.4.1 with the length
// limits of RFC 5321 §4.5.3.1, and a domain of at least two DNS labels
// (RFC 1035 §2.3.1) whose last label is not all digits (RFC 3696 §2). The
// canonical form is lower case throughout. Quoted local parts, address
// literals and non-ASCII addresses are rejected rather than interpreted:
// their matching rules differ between mail systems, and a wrong guess would
// give one person two exIDs or two people one.

var (
	errEmailTooLong  = invalid(Email, "太长：最多 254 个字符", "too long: at most 254 characters")
	errEmailASCII    = invalid(Email, "含有非 ASCII 字符：只支持 ASCII 地址（中文域名请写成 xn-- 形式）", "contains a non-ASCII character: only ASCII addresses are supported (write internationalised domains in their xn-- form)")
	errEmailNoAt     = invalid(Email, "缺少 @", "has no @")
	errEmailTwoAt    = invalid(Email, "只能有一个 @", "must have exactly one @")
	errEmailLocal    = invalid(Email, "@ 前的用户名为空", "the part before @ is empty")
	errEmailLocalLen = invalid(Email, "@ 前的用户名太长：最多 64 个字符", "the part before @ is too long: at most 64 characters")
	errEmailLocalCh  = invalid(Email, "@ 前的用户名含有不允许的字符（如空格、引号、逗号或括号）", "the part before @ contains a character that is not allowed (such as a space, quote, comma or bracket)")
	errEmailLocalDot = invalid(Email, "@ 前的用户名不能以点开头或结尾，也不能有连续的点", "the part before @ must not start or end with a dot or contain two dots in a row")
	errEmailDomain   = invalid(Email, "@ 后的域名为空", "the domain after @ is empty")
	errEmailDomLen   = invalid(Email, "域名太长：最多 253 个字符", "the domain is too long: at most 253 characters")
	errEmailNoDot    = invalid(Email, "域名中没有点", "the domain has no dot")
	errEmailLabel    = invalid(Email, "域名的每一段须为 1 至 63 个字母、数字或短横线，且不以短横线开头或结尾", "each part of the domain must be 1 to 63 letters, digits or dashes, not starting or ending with a dash")
	errEmailTLD      = invalid(Email, "域名的最后一段不能全是数字", "the last part of the domain must not be all digits")
)

// CheckEmail validates an e-mail address as written, in any letter case and
// without surrounding space.
func CheckEmail(s string) error {
	if e := checkEmail(s); e != nil {
		return e
	}
	return nil
}

func checkEmail(s string) *errs.Error {
	if s == "" {
		return errEmpty[Email]
	}
	if len(s) > 254 {
		return errEmailTooLong
	}
	at := -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80:
			return errEmailASCII
		case c == '@':
			if at >= 0 {
				return errEmailTwoAt
			}
			at = i
		}
	}
	if at < 0 {
		return errEmailNoAt
	}
	if e := checkLocal(s[:at]); e != nil {
		return e
	}
	return checkDomain(s[at+1:])
}

func checkLocal(l string) *errs.Error {
	if l == "" {
		return errEmailLocal
	}
	if len(l) > 64 {
		return errEmailLocalLen
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c == '.' {
			if i == 0 || i == len(l)-1 || l[i-1] == '.' {
				return errEmailLocalDot
			}
			continue
		}
		if !isAtext(c) {
			return errEmailLocalCh
		}
	}
	return nil
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	if isLetter(c) || isDigit(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func checkDomain(d string) *errs.Error {
	if d == "" {
		return errEmailDomain
	}
	if len(d) > 253 {
		return errEmailDomLen
	}
	if strings.IndexByte(d, '.') < 0 {
		return errEmailNoDot
	}
	start := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !isLetter(c) && !isDigit(c) && c != '-' {
				return errEmailLabel
			}
			continue
		}
		label := d[start:i]
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return errEmailLabel
		}
		if i == len(d) && allDigits(label) {
			return errEmailTLD
		}
		start = i + 1
	}
	return nil
}

func normalizeEmail(s string) (string, *errs.Error) {
	if e := checkEmail(s); e != nil {
		return "", e
	}
	return strings.ToLower(s), nil
}
