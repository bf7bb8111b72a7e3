package ident

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/errs"
)

// Test vectors: 11010519491231002X and its legacy form 110105491231002 are
// the worked example of GB 11643-1999; 91350100M000100Y43 is the worked
// example of GB 32100-2015; 49015420323751 → 8 is the check digit example of
// 3GPP TS 23.003 Annex B. Other identity numbers below are made up, with
// check characters computed by hand from the standard's weights.

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ  Type
		in   string
		want string
		err  string // part of the English reason; "" for success
	}{
		// mobile
		{Mobile, "13800138000", "+8613800138000", ""},
		{Mobile, "138 0013 8000", "+8613800138000", ""},
		{Mobile, "138-0013-8000", "+8613800138000", ""},
		{Mobile, "+86 138 0013 8000", "+8613800138000", ""},
		{Mobile, "+86-13800138000", "+8613800138000", ""},
		{Mobile, "008613800138000", "+8613800138000", ""},
		{Mobile, "8613800138000", "+8613800138000", ""},
		{Mobile, "  +8613800138000\t", "+8613800138000", ""},
		{Mobile, "19912345678", "+8619912345678", ""},
		{Mobile, "", "", "is empty"},
		{Mobile, "12800138000", "", "must start with 13 to 19"},
		{Mobile, "23800138000", "", "must start with 13 to 19"},
		{Mobile, "1380013800", "", "wrong number of digits"},
		{Mobile, "138001380001", "", "wrong number of digits"},
		{Mobile, "+1 415 555 0100", "", "country code must be 86"},
		{Mobile, "0014155550100", "", "country code must be 86"},
		{Mobile, "138(0013)8000", "", "invalid character"},
		{Mobile, "138 0013 800O", "", "invalid character"},
		{Mobile, "１３８００１３８０００", "", "invalid character"},
		{Mobile, "86+13800138000", "", "invalid character"},
		{Mobile, "++8613800138000", "", "invalid character"},
		{Mobile, "+860086138001380001", "", "wrong number of digits"},
		{Mobile, "12345678901234567890", "", "wrong number of digits"},

		// idcard
		{IDCard, "11010519491231002X", "11010519491231002X", ""},
		{IDCard, "11010519491231002x", "11010519491231002X", ""},
		{IDCard, " 11010519491231002x ", "11010519491231002X", ""},
		{IDCard, "110105491231002", "11010519491231002X", ""},
		{IDCard, "110105200002290021", "110105200002290021", ""}, // 2000 is a leap year
		{IDCard, "810000199001010027", "810000199001010027", ""}, // Hong Kong resident's residence permit
		{IDCard, "830000198811110010", "830000198811110010", ""}, // Taiwan resident's residence permit
		{IDCard, "911104198506120011", "911104198506120011", ""}, // foreigner's permanent residence card, Beijing
		{IDCard, "110105194912310021", "", "expected X"},
		{IDCard, "11010519491231002Y", "", "must be a digit or X"},
		{IDCard, "1101051949123100XX", "", "first 17 characters must be digits"},
		{IDCard, "110105199902300015", "", "not a real date"},
		{IDCard, "110105199004310019", "", "not a real date"},
		{IDCard, "510102199713010014", "", "not a real date"},
		{IDCard, "110105190002290017", "", "not a real date"}, // 1900 is not a leap year
		{IDCard, "110105189912310015", "", "before 1900"},
		{IDCard, "110105299901010014", "", "in the future"},
		{IDCard, "990105199001010014", "", "address code"},
		{IDCard, "100105199001010019", "", "address code"},
		{IDCard, "1101051949123100", "", "wrong length"},
		{IDCard, "110105991231002", "110105199912310022", ""},
		{IDCard, "11010549123100A", "", "must be all digits"},
		{IDCard, "110105490230002", "", "not a real date"},
		{IDCard, "", "", "is empty"},

		// imei
		{IMEI, "49015420323751", "490154203237518", ""},
		{IMEI, "490154203237518", "490154203237518", ""},
		{IMEI, "352099001761481", "352099001761481", ""},
		{IMEI, "490154203237517", "", "expected 8"},
		{IMEI, "4901542032375", "", "14 or 15 digits"},
		{IMEI, "4901542032375180", "", "IMEISV"},
		{IMEI, "49015420323751A", "", "digits only"},
		{IMEI, "4901542032375A", "", "digits only"},
		{IMEI, "000000000000000", "", "all zeros"},
		{IMEI, "00000000000000", "", "all zeros"},

		// idfa
		{IDFA, "6d92078a-8246-4ba4-ae5b-76104861e7dc", "6D92078A-8246-4BA4-AE5B-76104861E7DC", ""},
		{IDFA, "6D92078A82464BA4AE5B76104861E7DC", "6D92078A-8246-4BA4-AE5B-76104861E7DC", ""},
		{IDFA, "00000000-0000-0000-0000-000000000000", "", "all zeros"},
		{IDFA, "6d92078a-8246-4ba4-ae5b-76104861e7d", "", "wrong format"},
		{IDFA, "6d92078a:8246-4ba4-ae5b-76104861e7dc", "", "wrong format"},
		{IDFA, "{6d92078a-8246-4ba4-ae5b-76104861e7dc}", "", "wrong format"},
		{IDFA, "6g92078a-8246-4ba4-ae5b-76104861e7dc", "", "wrong format"},

		// oaid
		{OAID, "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", ""},
		{OAID, "a1b2c3d4e5f64a7b8c9d0e1f2a3b4c5d", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", ""},
		{OAID, "5B6E8F0A1C2D3E4F", "5b6e8f0a1c2d3e4f", ""},
		{OAID, strings.Repeat("AbCdEf01", 8), strings.Repeat("abcdef01", 8), ""},
		{OAID, "00000000-0000-0000-0000-000000000000", "", "all zeros"},
		{OAID, "0000000000000000", "", "all zeros"},
		{OAID, "unknown", "", "wrong format"},
		{OAID, "5b6e8f0a1c2d3e4", "", "wrong format"},
		{OAID, "", "", "is empty"},

		// android_id
		{AndroidID, "9A8B7C6D5E4F3A2B", "9a8b7c6d5e4f3a2b", ""},
		{AndroidID, " 9a8b7c6d5e4f3a2b ", "9a8b7c6d5e4f3a2b", ""},
		{AndroidID, "9774D56D682E549C", "", "Android 2.2"},
		{AndroidID, "0000000000000000", "", "all zeros"},
		{AndroidID, "9a8b7c6d5e4f3a2", "", "16 hex digits"},
		{AndroidID, "9a8b7c6d5e4f3a2g", "", "16 hex digits"},

		// email
		{Email, "Zhang.San@Example.COM", "zhang.san@example.com", ""},
		{Email, "  user+tag@mail.example.cn ", "user+tag@mail.example.cn", ""},
		{Email, "a@b.co", "a@b.co", ""},
		{Email, "user.example.com", "", "has no @"},
		{Email, "a@b@example.com", "", "exactly one @"},
		{Email, "@example.com", "", "before @ is empty"},
		{Email, "user@", "", "domain after @ is empty"},
		{Email, "user@localhost", "", "no dot"},
		{Email, ".user@example.com", "", "start or end with a dot"},
		{Email, "us..er@example.com", "", "start or end with a dot"},
		{Email, "us er@example.com", "", "not allowed"},
		{Email, "user@exa_mple.com", "", "each part of the domain"},
		{Email, "user@example..com", "", "each part of the domain"},
		{Email, "user@-example.com", "", "each part of the domain"},
		{Email, "user@example.com.", "", "each part of the domain"},
		{Email, "user@1.2.3.4", "", "all digits"},
		{Email, "张三@example.com", "", "non-ASCII"},
		{Email, strings.Repeat("a", 65) + "@example.com", "", "at most 64"},
		{Email, "a@" + strings.Repeat("b", 250) + ".com", "", "too long"},

		// mac
		{MAC, "00:1a:2b:3c:4d:5e", "001A2B3C4D5E", ""},
		{MAC, "00-1A-2B-3C-4D-5E", "001A2B3C4D5E", ""},
		{MAC, "001a.2b3c.4d5e", "001A2B3C4D5E", ""},
		{MAC, "001a2b3c4d5e", "001A2B3C4D5E", ""},
		{MAC, "da:a1:19:00:00:01", "DAA119000001", ""}, // randomised (locally administered) addresses are addresses too
		{MAC, "FF:FF:FF:FF:FF:FF", "", "broadcast"},
		{MAC, "ffffffffffff", "", "broadcast"},
		{MAC, "00:00:00:00:00:00", "", "all zeros"},
		{MAC, "00:1a-2b:3c:4d:5e", "", "wrong format"},
		{MAC, "00:1a:2b:3c:4d", "", "wrong format"},
		{MAC, "00 1a 2b 3c 4d 5e", "", "wrong format"},
		{MAC, "001a2b3c4d5g", "", "wrong format"},
		{MAC, "0:1a:2b:3c:4d:5e", "", "wrong format"},
	}
	for _, tc := range tests {
		t.Run(string(tc.typ)+"/"+tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := Normalize(tc.typ, tc.in)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("Normalize(%s, %q) = error %v, want %q", tc.typ, tc.in, err, tc.want)
				}
				if got != tc.want {
					t.Fatalf("Normalize(%s, %q) = %q, want %q", tc.typ, tc.in, got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Normalize(%s, %q) = %q, want error containing %q", tc.typ, tc.in, got, tc.err)
			}
			checkInvalid(t, err, string(tc.typ), tc.err)
		})
	}
}

// checkInvalid asserts the error contract: kind Invalid, field = type name,
// a reason in both languages, the English one containing want.
func checkInvalid(t *testing.T, err error, field, want string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is %T, want *errs.Error", err, err)
	}
	if e.Kind != errs.Invalid || e.Field != field {
		t.Errorf("error kind %v field %q, want invalid_argument %q", e.Kind, e.Field, field)
	}
	if e.Reason.ZH == "" || e.Reason.EN == "" {
		t.Errorf("reason %+v lacks a language", e.Reason)
	}
	if !strings.Contains(e.Reason.EN, want) {
		t.Errorf("reason %q, want it to contain %q", e.Reason.EN, want)
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ Type
		in  string
	}{
		{Mobile, "0086 138-0013-8000"}, {IDCard, "110105491231002"}, {IMEI, "49015420323751"},
		{IDFA, "6d92078a82464ba4ae5b76104861e7dc"}, {OAID, "A1B2C3D4E5F64A7B8C9D0E1F2A3B4C5D"},
		{AndroidID, "9A8B7C6D5E4F3A2B"}, {Email, "A@B.CN"}, {MAC, "001a.2b3c.4d5e"},
	} {
		once, err := Normalize(tc.typ, tc.in)
		if err != nil {
			t.Fatalf("Normalize(%s, %q): %v", tc.typ, tc.in, err)
		}
		twice, err := Normalize(tc.typ, once)
		if err != nil || twice != once {
			t.Errorf("Normalize(%s, %q) = %q, %v; want it unchanged", tc.typ, once, twice, err)
		}
	}
}

func TestNormalizeErrorIsOwnCopy(t *testing.T) {
	t.Parallel()
	_, err := Normalize(Mobile, "1")
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	e.Row = 7
	_, err = Normalize(Mobile, "1")
	if errors.As(err, &e); e.Row != 0 {
		t.Fatalf("a caller's change leaked into a later error: row %d", e.Row)
	}
}

func TestNormalizeUnknownType(t *testing.T) {
	t.Parallel()
	_, err := Normalize("passport", "E12345678")
	checkInvalid(t, err, "type", "unknown identifier type")
	_, err = Normalize("MOBILE", "13800138000")
	checkInvalid(t, err, "type", "unknown identifier type")
}

func TestParseType(t *testing.T) {
	t.Parallel()
	for _, typ := range Types() {
		got, err := ParseType(" " + strings.ToUpper(string(typ)) + " ")
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %q, %v", typ, got, err)
		}
	}
	if _, err := ParseType("phone"); err == nil {
		t.Error("ParseType(phone) succeeded")
	} else {
		checkInvalid(t, err, "type", "mobile, idcard")
	}
	if _, err := ParseType(""); err == nil {
		t.Error("ParseType(\"\") succeeded")
	}
	want := []Type{"mobile", "idcard", "imei", "idfa", "oaid", "android_id", "email", "mac"}
	if diff := cmp.Diff(want, Types()); diff != "" {
		t.Errorf("Types() (-want +got):\n%s", diff)
	}
}

func TestInput(t *testing.T) {
	t.Parallel()
	got := Input(Mobile, "+8613800138000")
	want := []byte("mobile\x00+8613800138000")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Input (-want +got):\n%s", diff)
	}
}

func TestIDCardDates(t *testing.T) {
	t.Parallel()
	future := func(d int) bool { return d > 20250615 }
	tests := []struct {
		in  string
		err string
	}{
		{"110105202506150014", ""},                // born today
		{"110105202506160010", "in the future"},   // born tomorrow
		{"110105190001010017", ""},                // the earliest date accepted
		{"110105200002290021", ""},                // leap day in a leap century year
		{"110105200102290011", "not a real date"}, // 2001 is no leap year
		{"110105199900000011", "not a real date"},
	}
	for _, tc := range tests {
		in := tc.in[:17] + string(idCheckChars[idCheckIndex(tc.in[:17])])
		e := checkIDCard(in, future)
		if tc.err == "" {
			if e != nil {
				t.Errorf("checkIDCard(%q) = %v", in, e)
			}
			continue
		}
		if e == nil {
			t.Errorf("checkIDCard(%q) succeeded, want %q", in, tc.err)
			continue
		}
		checkInvalid(t, e, "idcard", tc.err)
	}
}

func TestIDCard15To18(t *testing.T) {
	t.Parallel()
	got, err := IDCard15To18("110105491231002")
	if err != nil || got != "11010519491231002X" {
		t.Fatalf("IDCard15To18 = %q, %v; want 11010519491231002X", got, err)
	}
	for in, want := range map[string]string{
		"11010549123100":   "must be 15 digits",
		"11010549123100X":  "all digits",
		"990105491231002":  "address code",
		"911104850612001":  "address code",    // no foreigner ever had a 15-digit number
		"110105490229002":  "not a real date", // 1949 is no leap year
		"1101054912310021": "must be 15 digits",
	} {
		_, err := IDCard15To18(in)
		if err == nil {
			t.Errorf("IDCard15To18(%q) succeeded", in)
			continue
		}
		checkInvalid(t, err, "idcard", want)
	}
}

func TestCheckIDCard(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"11010519491231002X": "",
		"11010519491231002x": "",
		"44030419900307123X": "",
		"370102190001010019": "",
		"110105491231002":    "wrong length",
		"110105194912310020": "expected X",
		"44030419900307123 ": "digit or X",
		"4403041990030712 X": "must be digits",
	} {
		err := CheckIDCard(in)
		if want == "" {
			if err != nil {
				t.Errorf("CheckIDCard(%q) = %v", in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("CheckIDCard(%q) succeeded, want %q", in, want)
			continue
		}
		checkInvalid(t, err, "idcard", want)
	}
}

func TestCheckUSCC(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"91350100M000100Y43":  "",
		"91310115MA1H8R7C67":  "",
		"11100000000013127D":  "",
		"91350100M000100Y4Z":  "outside the code set", // GB 32100-2015's own failing example
		"91350100M000100Y44":  "expected 3",
		"91350100M000100Y4":   "must be 18",
		"91350100M000100Y43X": "must be 18",
		"91350100O000100Y43":  "outside the code set",
		"91350100m000100Y43":  "outside the code set",
		"913501A0M000100Y43":  "must be digits",
	} {
		err := CheckUSCC(in)
		if want == "" {
			if err != nil {
				t.Errorf("CheckUSCC(%q) = %v", in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("CheckUSCC(%q) succeeded, want %q", in, want)
			continue
		}
		checkInvalid(t, err, "uscc", want)
	}
}

func TestLuhn(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"490154203237518":  true,
		"79927398713":      true, // ISO/IEC 7812-1 Annex B example
		"4111111111111111": true,
		"79927398710":      false,
		"490154203237519":  false,
		"4901542032a7518":  false,
		"0":                false,
		"":                 false,
	} {
		if got := Luhn(in); got != want {
			t.Errorf("Luhn(%q) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]byte{
		"49015420323751": '8',
		"7992739871":     '3',
		"":               0,
		"12a":            0,
	} {
		if got := LuhnDigit(in); got != want {
			t.Errorf("LuhnDigit(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckers(t *testing.T) {
	t.Parallel()
	ok := []struct {
		name  string
		check func(string) error
		in    string
	}{
		{"mobile", CheckMobile, "13800138000"},
		{"email", CheckEmail, "Zhang.San@Example.com"},
		{"mac", CheckMAC, "00:1A:2B:3C:4D:5E"},
		{"imei", CheckIMEI, "490154203237518"},
	}
	for _, tc := range ok {
		if err := tc.check(tc.in); err != nil {
			t.Errorf("Check %s(%q) = %v", tc.name, tc.in, err)
		}
	}
	bad := []struct {
		name  string
		check func(string) error
		in    string
		want  string
	}{
		{"mobile", CheckMobile, "+8613800138000", "wrong number of digits"},
		{"mobile", CheckMobile, "138 0013 80", "invalid character"},
		{"mobile", CheckMobile, "11800138000", "13 to 19"},
		{"email", CheckEmail, " a@b.cn", "not allowed"},
		{"mac", CheckMAC, "FF-FF-FF-FF-FF-FF", "broadcast"},
		{"imei", CheckIMEI, "49015420323751", "must be 15 digits"},
		{"imei", CheckIMEI, "490154203237517", "expected 8"},
	}
	for _, tc := range bad {
		err := tc.check(tc.in)
		if err == nil {
			t.Errorf("Check %s(%q) succeeded", tc.name, tc.in)
			continue
		}
		checkInvalid(t, err, tc.name, tc.want)
	}
}

// TestCheckersDoNotAllocate holds the scanner's contract: no allocation,
// whether the candidate passes or fails.
func TestCheckersDoNotAllocate(t *testing.T) {
	inputs := []string{"11010519491231002X", "110105194912310021", "13800138000", "1380013800x", "a@b.cn", "a@@b", "00:1a:2b:3c:4d:5e", "490154203237518", "91350100M000100Y43", "91350100M000100Y4Z"}
	for _, in := range inputs {
		n := testing.AllocsPerRun(100, func() {
			_ = CheckIDCard(in)
			_ = CheckUSCC(in)
			_ = CheckMobile(in)
			_ = CheckEmail(in)
			_ = CheckMAC(in)
			_ = CheckIMEI(in)
			_ = Luhn(in)
			_ = LuhnDigit(in)
		})
		if n != 0 {
			t.Errorf("checking %q allocated %v times", in, n)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"138 0013 8000", "+86-13800138000", "11010519491231002x", "110105491231002", "49015420323751", "6d92078a-8246-4ba4-ae5b-76104861e7dc", "5b6e8f0a1c2d3e4f", "A@B.CN", "00:1a:2b:3c:4d:5e", "", "\x00", "０"} {
		for i := range types {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, ti uint8, raw string) {
		typ := types[int(ti)%len(types)]
		out, err := Normalize(typ, raw)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Field != string(typ) {
				t.Fatalf("Normalize(%s, %q) error %#v is not an invalid-%s error", typ, raw, err, typ)
			}
			return
		}
		if out == "" || !utf8.ValidString(out) || strings.TrimSpace(out) != out {
			t.Fatalf("Normalize(%s, %q) = %q: not a clean canonical form", typ, raw, out)
		}
		again, err := Normalize(typ, out)
		if err != nil || again != out {
			t.Fatalf("Normalize(%s, %q) = %q, %v; not idempotent", typ, out, again, err)
		}
	})
}

func FuzzCheckIDCard(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105199902300015", "990105199001010014", "110105194912310021", "", "9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckIDCard(s)
		if err != nil {
			checkInvalid(t, err, "idcard", "")
			return
		}
		// Anything accepted must be normalised to itself (up to x→X) and
		// must still check after the case change.
		out, nerr := Normalize(IDCard, s)
		if nerr != nil || out != strings.ToUpper(s) {
			t.Fatalf("CheckIDCard(%q) passed but Normalize = %q, %v", s, out, nerr)
		}
		if CheckIDCard(out) != nil {
			t.Fatalf("CheckIDCard(%q) passed but not its upper-case form", s)
		}
	})
}

func BenchmarkNormalizeMobile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Normalize(Mobile, "+86 138-0013-8000"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckIDCard(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckIDCard("11010519491231002X"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckIDCardInvalid(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckIDCard("110105194912310021"); err == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkCheckUSCC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckUSCC("91350100M000100Y43"); err != nil {
			b.Fatal(err)
		}
	}
}
