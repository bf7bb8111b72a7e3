package api_test

import "testing"

// The consent ledger's ConsentService runs on a member's node, for the
// member's own systems: the platform does not serve it, so every role gets
// "not found" from it.
func init() {
	for _, proc := range []string{"RecordConsents", "GetHistory", "GetReceipt"} {
		rules["/hulian.v1.ConsentService/"+proc] = rule{body: func(t *testing.T, f *fixture) string { return `{}` }}
	}
}
