package ident

import (
	"fmt"

	"hulian/internal/errs"
)

// Unified social credit codes (统一社会信用代码), GB 32100-2015 法人和其他组织
// 统一社会信用代码编码规则: 18 characters from a 31-character set (digits and
// upper-case letters without I, O, Z, S and V), the last one a check
// character: C18 = 31 − (Σ Ci·Wi mod 31), Wi = 3^(i−1) mod 31, with 31 read
// as 0. Characters 3–8 are the registering authority's administrative
// division code and so are digits. The code names an organisation, not a
// person; the content scanner looks for it, Normalize has no type for it.

const usccField Type = "uscc"

// usccChars lists the character set in value order (GB 32100-2015 表 1).
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^(i−1) mod 31 for i = 1…17 (GB 32100-2015 表 3).
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccValue maps a byte to its value in usccChars, or -1.
var usccValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(usccChars); i++ {
		v[usccChars[i]] = int8(i)
	}
	return v
}()

var (
	errUSCCLen     = invalid(usccField, "长度不对：应为 18 位", "wrong length: must be 18 characters")
	errUSCCChar    = invalid(usccField, "含有代码字符集以外的字符（只允许数字和除 I、O、Z、S、V 以外的大写字母）", "contains a character outside the code set (digits and upper-case letters except I, O, Z, S, V)")
	errUSCCRegion  = invalid(usccField, "第 3–8 位行政区划码必须是数字", "characters 3–8, the administrative division code, must be digits")
	errUSCCCheckBy = func() (e [31]*errs.Error) {
		for i := range e {
			c := usccChars[i]
			e[i] = invalid(usccField, fmt.Sprintf("校验码错误：应为 %c", c), fmt.Sprintf("check character is wrong: expected %c", c))
		}
		return e
	}()
)

// CheckUSCC validates an 18-character unified social credit code: its
// character set, digits in the division code and the MOD 31 check character.
func CheckUSCC(s string) error {
	if len(s) != 18 {
		return errUSCCLen
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := usccValue[s[i]]
		if v < 0 {
			return errUSCCChar
		}
		if i < 17 {
			sum += int(v) * usccWeights[i]
		}
	}
	if !allDigits(s[2:8]) {
		return errUSCCRegion
	}
	want := (31 - sum%31) % 31
	if int(usccValue[s[17]]) != want {
		return errUSCCCheckBy[want]
	}
	return nil
}
