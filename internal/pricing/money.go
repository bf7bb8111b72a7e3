package pricing

import (
	"math"
	"strconv"

	"hulian/internal/errs"
)

// FormatYuan writes an amount in fen as yuan with two decimals: 12345 is
// "123.45", -5 is "-0.05".
func FormatYuan(fen int64) string {
	neg := fen < 0
	u := uint64(fen)
	if neg {
		u = -u // also right for math.MinInt64
	}
	s := strconv.FormatUint(u/100, 10) + "." + string(rune('0'+u%100/10)) + string(rune('0'+u%10))
	if neg {
		return "-" + s
	}
	return s
}

// ParseYuan reads a non-negative amount typed in yuan, such as "12", "12.5"
// or "12.34", into fen. More than two decimals are rejected rather than
// rounded: a price is what was agreed, to the fen.
func ParseYuan(s string) (int64, error) {
	bad := func() error {
		return errs.Invalidf("amount", "金额应写作元，最多两位小数，如 12.34："+strconv.Quote(s), "write the amount in yuan with at most two decimals, e.g. 12.34: "+strconv.Quote(s))
	}
	intPart, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			intPart, frac = s[:i], s[i+1:]
			if frac == "" {
				return 0, bad()
			}
			break
		}
	}
	if intPart == "" || len(frac) > 2 || !allDigits(intPart) || !allDigits(frac) {
		return 0, bad()
	}
	for len(frac) < 2 {
		frac += "0"
	}
	y, err := strconv.ParseUint(intPart, 10, 63)
	if err != nil || y > (math.MaxInt64-99)/100 {
		return 0, errs.Invalidf("amount", "金额过大", "amount too large")
	}
	f, _ := strconv.Atoi(frac)
	return int64(y)*100 + int64(f), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
