// Package ident validates personal identifiers and brings each to the one
// canonical form (格式规整) that is fed to the OPRF. Two members holding the
// same person's identifier in different spellings must reach the same exID,
// and a value that is not a real identifier must be rejected with a reason a
// person can act on, never repaired by guessing.
//
// The Check functions are also the content scanner's validators: they run on
// every candidate substring, so they use no regular expressions and do not
// allocate, not even when they fail. Their errors are shared values; use
// (*errs.Error).AtRow to locate one, never modify it.
package ident

import (
	"fmt"
	"strings"

	"hulian/internal/errs"
)

// Type names a kind of identifier. The name is part of the OPRF input, so the
// values below are protocol constants and must never change.
type Type string

const (
	Mobile    Type = "mobile"     // mainland China mobile number
	IDCard    Type = "idcard"     // citizen identity number, GB 11643
	IMEI      Type = "imei"       // handset identity, 3GPP TS 23.003
	IDFA      Type = "idfa"       // Apple advertising identifier
	OAID      Type = "oaid"       // Android open anonymous device identifier (MSA)
	AndroidID Type = "android_id" // Settings.Secure.ANDROID_ID
	Email     Type = "email"      // e-mail address
	MAC       Type = "mac"        // IEEE 802 MAC address (Wi-Fi probes)
)

var types = []Type{Mobile, IDCard, IMEI, IDFA, OAID, AndroidID, Email, MAC}

// Types returns every identifier type in a fixed order.
func Types() []Type { return append([]Type(nil), types...) }

// ParseType reads a type name as written on the command line or in an API
// request; surrounding spaces and letter case are ignored.
func ParseType(s string) (Type, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, t := range types {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	list := strings.Join(names, ", ")
	if s == "" {
		return "", errs.Invalidf("type", "未指定标识类型，可选："+list, "no identifier type given; one of: "+list)
	}
	return "", errs.Invalidf("type", fmt.Sprintf("未知的标识类型 %q，可选：%s", s, list), fmt.Sprintf("unknown identifier type %q; one of: %s", s, list))
}

// Normalize returns the canonical form of raw as an identifier of type t, or
// an *errs.Error of kind Invalid whose Field is the type name and whose reason
// says what is wrong. Surrounding white space is always ignored. Normalize is
// idempotent: a canonical form normalises to itself.
func Normalize(t Type, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	var (
		out string
		err *errs.Error
	)
	switch t {
	case Mobile:
		out, err = normalizeMobile(raw)
	case IDCard:
		out, err = normalizeIDCard(raw)
	case IMEI:
		out, err = normalizeIMEI(raw)
	case IDFA:
		out, err = normalizeIDFA(raw)
	case OAID:
		out, err = normalizeOAID(raw)
	case AndroidID:
		out, err = normalizeAndroidID(raw)
	case Email:
		out, err = normalizeEmail(raw)
	case MAC:
		out, err = normalizeMAC(raw)
	default:
		// Types are exact protocol constants; "MOBILE" is not a type here
		// even though ParseType would read it as one.
		return "", errs.Invalidf("type", fmt.Sprintf("未知的标识类型 %q", string(t)), fmt.Sprintf("unknown identifier type %q", string(t)))
	}
	if err != nil {
		// The validators return shared values; hand the caller its own copy
		// so that setting Row on it cannot leak into other rows.
		c := *err
		return "", &c
	}
	return out, nil
}

// Input is the OPRF input for a canonical identifier: type ‖ 0x00 ‖
// canonical. The type prefix keeps equal strings of different types (an
// OAID and an Android ID, say) from ever sharing an exID.
func Input(t Type, canonical string) []byte {
	b := make([]byte, 0, len(t)+1+len(canonical))
	b = append(b, t...)
	b = append(b, 0)
	return append(b, canonical...)
}

// invalid builds one of the package's shared error values.
func invalid(field Type, zh, en string) *errs.Error {
	return errs.Invalidf(string(field), zh, en)
}

var errEmpty = map[Type]*errs.Error{}

func init() {
	for _, t := range types {
		errEmpty[t] = invalid(t, "为空", "is empty")
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hexVal returns the value of an ASCII hex digit, or -1.
func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if hexVal(s[i]) < 0 {
			return false
		}
	}
	return true
}

// allZeroHex reports whether every hex digit of s is 0, separators aside.
func allZeroHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if hexVal(s[i]) > 0 {
			return false
		}
	}
	return true
}
