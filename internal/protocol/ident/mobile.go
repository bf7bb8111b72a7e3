package ident

import "hulian/internal/errs"

// Mainland China mobile numbers: 11 digits, "1", then 3–9 (the numbering plan
// of the Ministry of Industry and Information Technology, 电信网编号计划), then
// nine digits. The canonical form is E.164 (ITU-T E.164): "+86" and the 11
// digits.

var (
	errMobileChar    = invalid(Mobile, "含有非法字符：只能有数字、空格、短横线和开头的 +", "contains an invalid character: only digits, spaces, dashes and a leading + are allowed")
	errMobileCountry = invalid(Mobile, "不是中国大陆号码：国家代码必须是 86", "not a mainland China number: the country code must be 86")
	errMobileLen     = invalid(Mobile, "位数不对：手机号码应为 11 位（可带 +86、0086 或 86 前缀）", "wrong number of digits: a mobile number has 11 digits (optionally after +86, 0086 or 86)")
	errMobileRange   = invalid(Mobile, "不是手机号段：应以 13 至 19 开头", "not a mobile number range: must start with 13 to 19")
)

// CheckMobile validates exactly 11 ASCII digits forming a mainland mobile
// number (1, then 3–9, then nine digits), without prefix or separators.
func CheckMobile(s string) error {
	if e := checkMobile(s); e != nil {
		return e
	}
	return nil
}

func checkMobile(s string) *errs.Error {
	if len(s) != 11 {
		return errMobileLen
	}
	if !allDigits(s) {
		return errMobileChar
	}
	if s[0] != '1' || s[1] < '3' {
		return errMobileRange
	}
	return nil
}

func normalizeMobile(s string) (string, *errs.Error) {
	if s == "" {
		return "", errEmpty[Mobile]
	}
	// The longest acceptable spelling is 0086 and 11 digits; one more slot
	// tells "too long" apart without scanning further.
	var buf [16]byte
	n, plus := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-':
		case c == '+':
			if plus || n > 0 {
				return "", errMobileChar
			}
			plus = true
		case isDigit(c):
			if n == len(buf) {
				return "", errMobileLen
			}
			buf[n] = c
			n++
		default:
			return "", errMobileChar
		}
	}
	d := buf[:n]
	switch {
	case plus:
		if !hasPrefix(d, "86") {
			return "", errMobileCountry
		}
		d = d[2:]
	case hasPrefix(d, "0086"):
		d = d[4:]
	case hasPrefix(d, "00"):
		// An international call prefix followed by another country code.
		return "", errMobileCountry
	case len(d) == 13 && hasPrefix(d, "86"):
		d = d[2:]
	}
	out := "+86" + string(d)
	if e := checkMobile(out[3:]); e != nil {
		return "", e
	}
	return out, nil
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
