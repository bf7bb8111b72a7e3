package ident

import "hulian/internal/errs"

// MAC addresses (IEEE 802 EUI-48), as Wi-Fi probes report them. The
// canonical form is 12 upper-case hex digits. The broadcast address and the
// all-zero address name no device and are rejected.

var (
	errMACForm      = invalid(MAC, "格式不对：应为 12 位十六进制，可用 : 或 - 每两位分隔，或用 . 每四位分隔", "wrong format: must be 12 hex digits, optionally separated by : or - every two digits or by . every four")
	errMACZero      = invalid(MAC, "全为 0，不是设备地址", "is all zeros, not a device address")
	errMACBroadcast = invalid(MAC, "是广播地址 FF:FF:FF:FF:FF:FF，不是设备地址", "is the broadcast address FF:FF:FF:FF:FF:FF, not a device address")
)

// CheckMAC validates a MAC address in any accepted spelling:
// 001A2B3C4D5E, 00:1a:2b:3c:4d:5e, 00-1A-2B-3C-4D-5E or 001a.2b3c.4d5e.
func CheckMAC(s string) error {
	if _, e := parseMAC(s); e != nil {
		return e
	}
	return nil
}

// parseMAC returns the 12 hex digits of s in upper case.
func parseMAC(s string) (h [12]byte, e *errs.Error) {
	var sep byte
	switch len(s) {
	case 12:
	case 14:
		sep = '.'
	case 17:
		sep = s[2]
		if sep != ':' && sep != '-' {
			return h, errMACForm
		}
	default:
		return h, errMACForm
	}
	n, zero, ones := 0, true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if sep != 0 && isMACSep(len(s), i) {
			if c != sep {
				return h, errMACForm
			}
			continue
		}
		v := hexVal(c)
		if v < 0 {
			return h, errMACForm
		}
		zero = zero && v == 0
		ones = ones && v == 15
		h[n] = hexCase(c, true)
		n++
	}
	switch {
	case zero:
		return h, errMACZero
	case ones:
		return h, errMACBroadcast
	}
	return h, nil
}

// isMACSep reports whether position i of an n-character spelling holds a
// separator: every third character in the 17-character forms, characters 5
// and 10 in the dotted form.
func isMACSep(n, i int) bool {
	if n == 14 {
		return i == 4 || i == 9
	}
	return i%3 == 2
}

func normalizeMAC(s string) (string, *errs.Error) {
	if s == "" {
		return "", errEmpty[MAC]
	}
	h, e := parseMAC(s)
	if e != nil {
		return "", e
	}
	return string(h[:]), nil
}
