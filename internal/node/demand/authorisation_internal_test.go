package demand

import (
	"errors"
	"testing"

	"hulian/internal/errs"
)

// FuzzParseAuthorisation: whatever a row holds, the parser returns a
// record whose dates are ordered and whose verification fields come as a
// pair, or an error naming a column; it never panics.
func FuzzParseAuthorisation(f *testing.F) {
	f.Add("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "2026-01-01", "2027-01-01", "", "")
	f.Add("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", "2026-01-01", "2026-01-01", "2026-01-02", "sms:1")
	f.Add("xyz", "2026-02-30", "", "", "face")
	f.Add("", "", "", "2026-01-01", "")
	f.Fuzz(func(t *testing.T, sum, signed, expires, verified, how string) {
		cells := map[string]string{"agreement_sha256": sum, "signed_on": signed, "expires_on": expires, "verified_on": verified, "verification": how}
		r, err := parseAuthorisation(func(c string) string { return cells[c] })
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Field == "" {
				t.Fatalf("error without a column: %v", err)
			}
			return
		}
		if r.ExpiresOn < r.SignedOn || (r.VerifiedOn == "") != (r.Verification == "") || len(r.SignedOn) != 10 {
			t.Fatalf("accepted %+v", r)
		}
	})
}
