package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/compliance/gate"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/member"
	"hulian/internal/node"
	"hulian/internal/node/nodekey"
	"hulian/internal/platform"
	exch "hulian/internal/platform/exchange"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// supplierWithNode onboards a supplier whose registered keys are those of
// a node stored at db, as `hulian node register-keys` would leave it.
func supplierWithNode(t *testing.T, p *exch.Exchange, db, kek string) context.Context {
	t.Helper()
	bg := context.Background()
	n, err := node.Open(bg, node.Config{DB: db, KEKEnv: kek})
	if err != nil {
		t.Fatal(err)
	}
	keys := n.Public()
	n.Close()
	op, err := p.CreateStaff(bg, auth.RoleOperator, "admin", "管理员", "a long operator password", true)
	if err != nil {
		t.Fatal(err)
	}
	opCtx := auth.WithActor(bg, op.Actor())
	m, acct, err := p.Apply(bg, platform.Application{Application: member.Application{
		Name: "上海测试数据有限公司", USCC: storetest.USCC(7), Industry: "I64", ContactName: "张三", ContactPhone: "021-12345678",
		ContactEmail: "ops@example.cn", StorageRegion: "CN-SH", Supplier: true,
	}, Login: "supplier", DisplayName: "张三", Password: "a long member password"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithActor(bg, acct.Actor())
	if _, err := p.Review(opCtx, m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SignAgreement(ctx, m.ID, p.Agreement); err != nil {
		t.Fatal(err)
	}
	if _, err := p.RegisterKeys(ctx, m.ID, keys); err != nil {
		t.Fatal(err)
	}
	if _, err := p.PassIntegration(auth.WithActor(bg, auth.NodeActor(m.ID)), m.ID); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// datasetCSV has n subjects per segment value of catalogtest.Dataset and
// hits for the first hits subjects.
func datasetCSV(t *testing.T, n, hits int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("exid,level,car\n")
	for i := range 3 * n {
		car := "0"
		if i < hits {
			car = "1"
		}
		fmt.Fprintf(&b, "ex1%06d,%s,%s\n", i, []string{"低", "中", "高"}[i%3], car)
	}
	p := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGateSignedReport: the supplier's node signs the gate report with
// its registered key (`hulian gate --sign`) and the platform accepts it
// for the listing version it covers (X-E8); a report changed after signing
// is refused, and failing data is not signed.
func TestGateSignedReport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := exch.New(db, nil, nil)
		if err := p.LoadReference(context.Background()); err != nil {
			t.Fatal(err)
		}
		nodeDB := "sqlite://" + filepath.Join(t.TempDir(), "node.db")
		env := map[string]string{nodekey.EnvKEK: keyring.NewKEKText()}
		sup := supplierWithNode(t, p, nodeDB, env[nodekey.EnvKEK])
		l, err := p.Listings.CreateListing(sup, catalogtest.Dataset())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(l) // the listing as the platform returns it
		listing := filepath.Join(t.TempDir(), "listing.json")
		if err := os.WriteFile(listing, body, 0o600); err != nil {
			t.Fatal(err)
		}
		data := datasetCSV(t, 1000, 1200)

		code, out, stderr := runCLI(t, env, "gate", data, "--id-column", "exid", "--listing", listing, "--sign", "--source", "会员消费记录，依会员协议收集", "--node-db", nodeDB)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stderr, "verdict: PASS") {
			t.Errorf("the table is not on stderr: %q", stderr)
		}
		var r gate.SignedReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("report %q: %v", out, err)
		}
		if r.ListingID != l.ID || r.Version != 1 || r.Rows != 3000 || r.Subjects != 3000 || r.K != gate.MinK || len(r.Counts) != 4 {
			t.Errorf("report %+v", r)
		}

		tampered := r
		tampered.Counts = append([]gate.ValueCount(nil), r.Counts...)
		tampered.Counts[0].Subjects++
		if _, err := p.Listings.SubmitListing(sup, l.ID, &tampered); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "signature") {
			t.Errorf("tampered report: %v", err)
		}
		got, err := p.Listings.SubmitListing(sup, l.ID, &r)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != catalog.StatusSubmitted || got.GateDigest == "" {
			t.Errorf("submitted listing %+v", got)
		}

		// 999 hits: the hit value "1" is below k, so nothing is signed.
		code, out, _ = runCLI(t, env, "gate", datasetCSV(t, 1000, 999), "--id-column", "exid", "--listing", listing, "--sign", "--source", "会员消费记录，依会员协议收集", "--node-db", nodeDB)
		if code != 1 || out != "" {
			t.Errorf("failing data: exit %d, stdout %q", code, out)
		}
	})
}

// TestGateSignBadInput: --sign needs a listing from the platform and an
// existing node database.
func TestGateSignBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := datasetCSV(t, 1, 1)
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withID := write("l.json", `{"id":"lst_abc","version":1,"tags":[{"column":"level","key":"level"}]}`)
	noID := write("n.json", `{"tags":[{"column":"level","key":"level"}]}`)
	missing := "sqlite://" + filepath.Join(dir, "absent.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no listing id", []string{"--listing", noID, "--node-db", missing}, "--listing"},
		{"no node db", []string{"--listing", withID}, "--node-db"},
		{"absent node db", []string{"--listing", withID, "--node-db", missing}, "no node database"},
		{"with --json", []string{"--listing", withID, "--node-db", missing, "--json"}, "--json"},
		{"no source", []string{"--listing", withID, "--source", " "}, "--source"},
		{"unknown status", []string{"--listing", withID, "--status", "raw"}, "--status"},
	} {
		args := append([]string{"gate", data, "--id-column", "exid", "--sign", "--source", "会员消费记录"}, tc.args...)
		code, out, stderr := runCLI(t, nil, args...)
		if code != 2 || out != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want %q)", tc.name, code, out, stderr, tc.want)
		}
	}
}
