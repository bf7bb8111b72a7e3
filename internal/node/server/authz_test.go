package server_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/node/demand"
	"hulian/internal/protocol/authz"
	"hulian/internal/protocol/exid"
)

const agreement = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// TestQueryAuthorisations (X-E10): under an order whose listing requires
// one-step verification the demander's node asks only for subjects whose
// signed query authorisation it holds and is valid today, committing to
// each record; two-step asks also for an identity verification; the rest
// are written as "-" and cost nothing; a withdrawal takes effect on the
// next request; an order without the requirement asks for everyone.
func TestQueryAuthorisations(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 50)
	ctx := context.Background()
	for id, method := range map[string]string{"ord_one_step": "one_step", "ord_two_step": "two_step"} {
		x.relay.addOrder(&fakeOrder{id: id, listing: listingID, supplier: supplierID, demander: demanderID, method: "batch",
			columns: []string{"home_region", "consumption_level"}, maxTokens: 1000, retentionDays: 30, verification: method})
	}
	today := calendar.DateOf(x.demander.Now())
	// The query file asks for persons 0, 2, 4, 6 and 8: 0 and 2 signed,
	// 4 signed and verified, 6's authorisation expired yesterday, 8 has
	// none.
	file := filepath.Join(x.dir, "authorisations.csv")
	rows := "exid,agreement_sha256,signed_on,expires_on,verified_on,verification\n" +
		fmt.Sprintf("%s,%s,2026-01-01,%s,,\n", personID(0), agreement, today.AddDays(30)) +
		fmt.Sprintf("%s,%s,2026-01-01,%s,,\n", personID(2), strings.ToUpper(agreement), today.AddDays(30)) +
		fmt.Sprintf("%s,%s,2026-01-01,%s,2026-01-02,sms:884213\n", personID(4), agreement, today.AddDays(30)) +
		fmt.Sprintf("%s,%s,2020-01-01,%s,,\n", personID(6), agreement, today.AddDays(-1))
	if err := os.WriteFile(file, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := x.demander.ImportAuthorisations(ctx, demand.AuthorisationImport{In: file})
	if err != nil || res.Rows != 4 || res.TwoStep != 1 || res.OneStep != 3 {
		t.Fatalf("import: %+v %v", res, err)
	}

	in := queryCSV(t, x.dir, 5)
	run := func(order string) (demand.QueryProgress, string) {
		t.Helper()
		out := filepath.Join(x.dir, order+".csv")
		p, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: order, In: in, Out: out})
		if err != nil {
			t.Fatalf("%s: %v", order, err)
		}
		return p, readFile(t, out)
	}
	row := func(i int) string {
		v := wantValues(i, 1)
		return fmt.Sprintf("%s,1,%s,%s\n", personID(i), v[0], v[1])
	}
	skipped := func(i int) string { return fmt.Sprintf("%s,-,,\n", personID(i)) }
	header := "exid,matched,home_region,consumption_level\n"

	p, got := run("ord_one_step")
	if want := header + row(0) + row(2) + row(4) + skipped(6) + skipped(8); got != want || p.Unauthorised != 2 || p.Matched != 3 || p.ChargeFen != 3 {
		t.Errorf("one-step: %+v\n%s\nwant\n%s", p, got, want)
	}
	p, got = run("ord_two_step")
	if want := header + skipped(0) + skipped(2) + row(4) + skipped(6) + skipped(8); got != want || p.Unauthorised != 4 || p.ChargeFen != 1 {
		t.Errorf("two-step: %+v\n%s", p, got)
	}
	x.relay.mu.Lock()
	sentOne, sentTwo := x.relay.authorisations["ord_one_step"], x.relay.authorisations["ord_two_step"]
	x.relay.mu.Unlock()
	if len(sentOne) != 1 || len(sentOne[0]) != 3*authz.CommitmentSize || len(sentTwo) != 1 || len(sentTwo[0]) != authz.CommitmentSize {
		t.Errorf("commitments sent: one-step %d requests, two-step %d", len(sentOne), len(sentTwo))
	}
	// The commitments hide the records: no agreement digest in them.
	for _, c := range append(sentOne, sentTwo...) {
		if strings.Contains(fmt.Sprintf("%x", c), agreement) {
			t.Error("a commitment shows the agreement's digest")
		}
	}

	// Nobody authorised: no request at all.
	before := x.relay.count()
	q, err := x.demander.Query(ctx, "ord_one_step", []exid.ExID{personID(8)})
	if err != nil || len(q.Unauthorised) != 1 || q.Receipt != nil || x.relay.count() != before {
		t.Errorf("only unauthorised: %+v %v", q, err)
	}
	// A withdrawal stops the next request.
	if k, err := x.demander.RevokeAuthorisations(ctx, []exid.ExID{personID(0)}); err != nil || k != 1 {
		t.Fatalf("revoke: %d %v", k, err)
	}
	q, err = x.demander.Query(ctx, "ord_one_step", []exid.ExID{personID(0), personID(2)})
	if err != nil || len(q.Unauthorised) != 1 || q.Unauthorised[0] != 0 || q.Values[1] == nil {
		t.Errorf("after a withdrawal: %+v %v", q, err)
	}
	// An order under a listing without association asks for everyone and
	// sends no commitments.
	p, _ = run("ord_one")
	if p.Unauthorised != 0 || p.Rows != 5 {
		t.Errorf("no verification needed: %+v", p)
	}
	if x.relay.authorisations["ord_one"] != nil {
		t.Error("commitments sent where none were needed")
	}
}

// TestImportAuthorisationsBadRows: a bad row is named by its file line and
// column, and nothing of the file is stored.
func TestImportAuthorisationsBadRows(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 0)
	ctx := context.Background()
	head := "exid,agreement_sha256,signed_on,expires_on,verified_on,verification\n"
	good := fmt.Sprintf("%s,%s,2026-01-01,2027-01-01,,\n", personID(1), agreement)
	for name, tc := range map[string]struct{ body, want string }{
		"short digest":          {good + fmt.Sprintf("%s,abc,2026-01-01,2027-01-01,,\n", personID(2)), "line 3"},
		"bad date":              {good + fmt.Sprintf("%s,%s,2026-13-01,2027-01-01,,\n", personID(2), agreement), "signed_on"},
		"expiry before signing": {good + fmt.Sprintf("%s,%s,2026-02-01,2026-01-01,,\n", personID(2), agreement), "expires_on"},
		"verification no date":  {good + fmt.Sprintf("%s,%s,2026-01-01,2027-01-01,,sms:1\n", personID(2), agreement), "verified_on"},
		"bad exid":              {good + fmt.Sprintf("nope,%s,2026-01-01,2027-01-01,,\n", agreement), "exid"},
		"duplicate subject":     {good + good, "line 2"},
		"missing column":        {"exid,signed_on,expires_on\n" + fmt.Sprintf("%s,2026-01-01,2027-01-01\n", personID(1)), "agreement_sha256"},
	} {
		file := filepath.Join(x.dir, strings.ReplaceAll(name, " ", "_")+".csv")
		if err := os.WriteFile(file, []byte(head+tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		if name == "missing column" {
			os.WriteFile(file, []byte(tc.body), 0o600)
		}
		_, err := x.demander.ImportAuthorisations(ctx, demand.AuthorisationImport{In: file})
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err, "en"), tc.want) {
			t.Errorf("%s: %v, want it to name %q", name, err, tc.want)
		}
	}
	if k, err := x.demander.RevokeAuthorisations(ctx, []exid.ExID{personID(1)}); err != nil || k != 0 {
		t.Errorf("a bad file left %d records (%v)", k, err)
	}
}
