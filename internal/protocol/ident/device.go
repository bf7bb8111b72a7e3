package ident

import "hulian/internal/errs"

// Advertising and device identifiers. An all-zero value is what the operating
// system hands out when the user has refused tracking (IDFA under App
// Tracking Transparency, OAID with "limit ad tracking" on): it is shared by
// millions of people, so it is rejected rather than turned into one exID for
// all of them.

var (
	errIDFAForm      = invalid(IDFA, "格式不对：应为 UUID（8-4-4-4-12 位十六进制，或连写 32 位十六进制）", "wrong format: must be a UUID (8-4-4-4-12 hex digits, or 32 hex digits)")
	errIDFAZero      = invalid(IDFA, "全为 0：这是用户拒绝追踪时系统给出的占位值，不是真实的 IDFA", "is all zeros: the placeholder the system returns when tracking is refused, not a real IDFA")
	errOAIDForm      = invalid(OAID, "格式不对：应为 UUID（8-4-4-4-12 位十六进制），或 16、32、64 位十六进制", "wrong format: must be a UUID (8-4-4-4-12 hex digits) or 16, 32 or 64 hex digits")
	errOAIDZero      = invalid(OAID, "全为 0：这是用户限制广告追踪或设备不支持时的占位值，不是真实的 OAID", "is all zeros: the placeholder returned when ad tracking is limited or unsupported, not a real OAID")
	errAndroidForm   = invalid(AndroidID, "格式不对：应为 16 位十六进制", "wrong format: must be 16 hex digits")
	errAndroidZero   = invalid(AndroidID, "全为 0，是占位值而不是真实的 Android ID", "is all zeros, a placeholder rather than a real Android ID")
	errAndroidShared = invalid(AndroidID, "9774d56d682e549c 是 Android 2.2 缺陷导致许多设备共用的值，不能识别个人", "9774d56d682e549c is shared by many devices through an Android 2.2 defect and identifies no one")
)

// sharedAndroidID is the ANDROID_ID that a defect in Android 2.2 gave to
// every device of a popular handset model (described in the Android
// Developers Blog, "Identifying App Installations", 2011).
const sharedAndroidID = "9774d56d682e549c"

// uuidHex extracts the 32 hex digits of a UUID written 8-4-4-4-12 with
// hyphens (RFC 9562 §4) or as 32 hex digits without them.
func uuidHex(s string) (h [32]byte, ok bool) {
	switch len(s) {
	case 32:
		if !allHex(s) {
			return h, false
		}
		copy(h[:], s)
		return h, true
	case 36:
		n := 0
		for i := 0; i < 36; i++ {
			c := s[i]
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if c != '-' {
					return h, false
				}
				continue
			}
			if hexVal(c) < 0 {
				return h, false
			}
			h[n] = c
			n++
		}
		return h, true
	}
	return h, false
}

// formatUUID writes 32 hex digits as 8-4-4-4-12 in the given case.
func formatUUID(h [32]byte, upper bool) string {
	var b [36]byte
	n := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			b[i] = '-'
			continue
		}
		b[i] = hexCase(h[n], upper)
		n++
	}
	return string(b[:])
}

func hexCase(c byte, upper bool) byte {
	switch {
	case upper && 'a' <= c && c <= 'f':
		return c - 'a' + 'A'
	case !upper && 'A' <= c && c <= 'F':
		return c - 'A' + 'a'
	}
	return c
}

func lowerHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = hexCase(c, false)
	}
	return string(b)
}

func normalizeIDFA(s string) (string, *errs.Error) {
	if s == "" {
		return "", errEmpty[IDFA]
	}
	h, ok := uuidHex(s)
	if !ok {
		return "", errIDFAForm
	}
	if allZeroHex(string(h[:])) {
		return "", errIDFAZero
	}
	return formatUUID(h, true), nil
}

// OAID (移动智能终端补充设备标识, 移动安全联盟 MSA) has no single spelling:
// depending on the handset maker it is a UUID or a string of 16 or 64 hex
// digits. 32 hex digits are read as a UUID without hyphens and written with
// them, so both spellings of one OAID meet; this maps distinct values to
// distinct canonical forms, so no two OAIDs are merged.
func normalizeOAID(s string) (string, *errs.Error) {
	if s == "" {
		return "", errEmpty[OAID]
	}
	var out string
	if h, ok := uuidHex(s); ok {
		out = formatUUID(h, false)
	} else if (len(s) == 16 || len(s) == 64) && allHex(s) {
		out = lowerHex(s)
	} else {
		return "", errOAIDForm
	}
	if allZeroHex(out) {
		return "", errOAIDZero
	}
	return out, nil
}

func normalizeAndroidID(s string) (string, *errs.Error) {
	if s == "" {
		return "", errEmpty[AndroidID]
	}
	if len(s) != 16 || !allHex(s) {
		return "", errAndroidForm
	}
	if allZeroHex(s) {
		return "", errAndroidZero
	}
	out := lowerHex(s)
	if out == sharedAndroidID {
		return "", errAndroidShared
	}
	return out, nil
}
