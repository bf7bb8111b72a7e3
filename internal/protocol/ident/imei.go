package ident

import (
	"fmt"

	"hulian/internal/errs"
)

// Luhn reports whether digits, ASCII decimal digits whose last one is the
// check digit, pass the Luhn (ISO/IEC 7812-1 Annex B) check. Anything but
// two or more digits (a payload and its check digit) fails.
func Luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if !isDigit(c) {
			return false
		}
		sum += luhnTerm(c, (len(digits)-1-i)%2 == 1)
	}
	return sum%10 == 0
}

// LuhnDigit returns the ASCII check digit to append to digits so that the
// result passes Luhn, or 0 if digits is empty or holds a non-digit.
func LuhnDigit(digits string) byte {
	if len(digits) == 0 {
		return 0
	}
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if !isDigit(c) {
			return 0
		}
		// Once the check digit is appended, the payload's last digit is
		// second from the right and so is doubled.
		sum += luhnTerm(c, (len(digits)-1-i)%2 == 0)
	}
	return byte('0' + (10-sum%10)%10)
}

func luhnTerm(c byte, double bool) int {
	d := int(c - '0')
	if double {
		d *= 2
		if d > 9 {
			d -= 9
		}
	}
	return d
}

// IMEI (3GPP TS 23.003 §6.2.1): an eight-digit type allocation code, a
// six-digit serial number and a Luhn check digit computed over the first 14
// digits as TS 23.003 Annex B describes.

var (
	errIMEILen    = invalid(IMEI, "长度不对：应为 14 位或 15 位数字", "wrong length: must be 14 or 15 digits")
	errIMEI15Len  = invalid(IMEI, "长度不对：应为 15 位数字", "wrong length: must be 15 digits")
	errIMEISV     = invalid(IMEI, "16 位是 IMEISV（含软件版本号），不是 IMEI；请提供 14 或 15 位的 IMEI", "16 digits is an IMEISV (with software version), not an IMEI; give the 14- or 15-digit IMEI")
	errIMEIDigits = invalid(IMEI, "只能包含数字", "must contain digits only")
	errIMEIZero   = invalid(IMEI, "全为 0，是占位值而不是真实的 IMEI", "is all zeros, a placeholder rather than a real IMEI")
	errIMEICheck  = func() (e [10]*errs.Error) {
		for i := range e {
			e[i] = invalid(IMEI, fmt.Sprintf("校验位错误：应为 %d", i), fmt.Sprintf("check digit is wrong: expected %d", i))
		}
		return e
	}()
)

// CheckIMEI validates a 15-digit IMEI: digits, not all zeros, and the Luhn
// check digit.
func CheckIMEI(s string) error {
	if e := checkIMEI(s); e != nil {
		return e
	}
	return nil
}

func checkIMEI(s string) *errs.Error {
	if len(s) != 15 {
		return errIMEI15Len
	}
	if !allDigits(s) {
		return errIMEIDigits
	}
	if allZeroHex(s) {
		return errIMEIZero
	}
	if want := LuhnDigit(s[:14]); s[14] != want {
		return errIMEICheck[want-'0']
	}
	return nil
}

func normalizeIMEI(s string) (string, *errs.Error) {
	switch len(s) {
	case 0:
		return "", errEmpty[IMEI]
	case 14:
		if !allDigits(s) {
			return "", errIMEIDigits
		}
		if allZeroHex(s) {
			return "", errIMEIZero
		}
		return s + string(LuhnDigit(s)), nil
	case 15:
		if e := checkIMEI(s); e != nil {
			return "", e
		}
		return s, nil
	case 16:
		if allDigits(s) {
			return "", errIMEISV
		}
	}
	return "", errIMEILen
}
