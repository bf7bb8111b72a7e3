package datause_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/datause"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

func person(i int) exid.ExID {
	var out [16]byte
	binary.BigEndian.PutUint64(out[8:], uint64(i)+1)
	return exid.FromOutput(1, out[:])
}

// world is a node with a dataset "spend" of rows people in the marketing
// domain, and its accounts.
type world struct {
	n                        *node.Node
	u                        *datause.Uses
	clock                    *atomic.Int64 // the node's clock, Unix seconds
	analyst, other, wang, an *nodestore.Account
}

func newWorld(t *testing.T, dsn string, rows int) *world {
	t.Helper()
	ctx := context.Background()
	clock := &atomic.Int64{}
	clock.Store(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC).Unix())
	n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH", Now: func() time.Time { return time.Unix(clock.Load(), 0).UTC() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	var b strings.Builder
	b.WriteString("exid,level,city\n")
	for i := range rows {
		fmt.Fprintf(&b, "%s,%s,%s\n", person(i), []string{"high", "low"}[i%2], []string{"上海", "北京"}[i%2])
	}
	listing := `{"id":"lst_test","version":1,"subject":"person","k":2,"tags":[{"key":"level","column":"level","value_type":"single","values":["high","low"]},{"key":"city","column":"city","value_type":"single","values":["上海","北京"]}]}`
	if _, err := supply.New(n).ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员消费记录（会员协议约定）", Name: "spend", Listing: strings.NewReader(listing), In: strings.NewReader(b.String()), IDColumn: "exid"}); err != nil {
		t.Fatal(err)
	}
	w := &world{n: n, u: datause.New(n), clock: clock}
	if err := w.u.SetDatasetDomain(ctx, "spend", "marketing", "test"); err != nil {
		t.Fatal(err)
	}
	st := staff.New(n.DB)
	mk := func(login string, domains []string, roles ...string) *nodestore.Account {
		if _, err := st.Create(ctx, login, login, "correct horse battery", "test", roles...); err != nil {
			t.Fatal(err)
		}
		if domains != nil {
			if err := st.SetDomains(ctx, login, domains, "test"); err != nil {
				t.Fatal(err)
			}
		}
		var a *nodestore.Account
		if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { a, err = tx.AccountByLogin(ctx, login); return err }); err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.analyst = mk("analyst", []string{"marketing"}, staff.RoleStaff)
	w.other = mk("finance", []string{"finance"}, staff.RoleStaff)
	w.wang = mk("wangwei", nil, staff.RoleCommittee)
	w.an = mk("security", nil, staff.RoleSecurity)
	return w
}

func (w *world) today() calendar.Date { return calendar.DateOf(w.n.Now()) }

func (w *world) grant(t *testing.T, acct *nodestore.Account, fields ...string) string {
	t.Helper()
	ctx := context.Background()
	a, err := w.u.Apply(ctx, acct, "spend", fields, "会员复购分析", "export", w.today().String(), w.today().AddDays(30).String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.u.Decide(ctx, a.ID, true, "", w.wang); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func reads(t *testing.T, n *node.Node, outcome string) int {
	t.Helper()
	var k int
	ctx := context.Background()
	if err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM node_data_reads WHERE outcome = $1`, outcome).Scan(&k)
	}); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestApplications (C-9, C-11, X-P11): an application names fields the
// dataset has, of a domain the account is in; a committee member who is
// not the applicant decides; only the applicant exports, only the granted
// fields, within the term, until revoked; every refusal is logged.
func TestApplications(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newWorld(t, dsn, 6)
		from, until := w.today().String(), w.today().AddDays(30).String()
		if _, err := w.u.Apply(ctx, w.analyst, "spend", []string{"income"}, "复购分析", "export", from, until); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "income") {
			t.Errorf("a field the dataset lacks: %v", err)
		}
		if _, err := w.u.Apply(ctx, w.other, "spend", []string{"level"}, "复购分析", "export", from, until); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("another domain's dataset: %v", err)
		}
		if _, err := w.u.Apply(ctx, w.analyst, "spend", []string{"level"}, "复购分析", "export", from, w.today().AddDays(400).String()); !errs.Is(err, errs.Invalid) {
			t.Errorf("a term over a year: %v", err)
		}
		a, err := w.u.Apply(ctx, w.analyst, "spend", []string{"level"}, "复购分析", "export", from, until)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		if _, err := w.u.Export(ctx, w.analyst, a.ID, &out); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("export before approval: %v", err)
		}
		if _, err := w.u.Decide(ctx, a.ID, true, "", w.analyst); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("the applicant decides: %v", err)
		}
		if _, err := w.u.Decide(ctx, a.ID, true, "", w.wang); err != nil {
			t.Fatal(err)
		}
		if _, err := w.u.Export(ctx, w.other, a.ID, &out); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("another account uses the grant: %v", err)
		}
		n, err := w.u.Export(ctx, w.analyst, a.ID, &out)
		if err != nil || n != 6 {
			t.Fatalf("export: %d %v", n, err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 7 || lines[0] != "exid,level" || !strings.HasPrefix(lines[1], "ex1") || strings.Contains(out.String(), "上海") {
			t.Errorf("exported: %q", lines)
		}
		if err := w.u.Revoke(ctx, a.ID, "复核后不再需要", w.wang); err != nil {
			t.Fatal(err)
		}
		if _, err := w.u.Export(ctx, w.analyst, a.ID, io.Discard); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("export after revocation: %v", err)
		}
		if got := reads(t, w.n, datause.Refused); got != 3 {
			t.Errorf("%d refused reads logged, want 3", got)
		}
		if got := reads(t, w.n, datause.Served); got != 1 {
			t.Errorf("%d served reads, want 1", got)
		}
	})
}

// TestExfiltration (C-12): a scripted exfiltration — an analyst with a
// grant exports again and again — is stopped when the day's rows would
// pass the threshold: the export is refused, the account's reads are
// blocked (even small ones), an alert is raised and posted to the security
// webhook; only security staff lift the block, saying why. A read far
// beyond the account's own baseline is stopped too.
func TestExfiltration(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var mu sync.Mutex
		var posted []map[string]any
		hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			var m map[string]any
			json.NewDecoder(r.Body).Decode(&m)
			mu.Lock()
			posted = append(posted, m)
			mu.Unlock()
		}))
		defer hook.Close()
		w := newWorld(t, dsn, 6)
		w.u.Webhook = hook.URL
		if err := w.u.SetThreshold(ctx, 20, "test"); err != nil {
			t.Fatal(err)
		}
		id := w.grant(t, w.analyst, "level", "city")
		for i := range 3 {
			if n, err := w.u.Export(ctx, w.analyst, id, io.Discard); err != nil || n != 6 {
				t.Fatalf("export %d: %d %v", i, n, err)
			}
		}
		// The fourth would make 24 rows today, over 20.
		if _, err := w.u.Export(ctx, w.analyst, id, io.Discard); !errs.Is(err, errs.PermissionDenied) || !strings.Contains(errs.Message(err, "en"), "blocked") {
			t.Fatalf("the export over the threshold: %v", err)
		}
		alerts, err := w.u.Alerts(ctx)
		if err != nil || len(alerts) != 1 || alerts[0].Login != "analyst" || alerts[0].Reason != "threshold" || alerts[0].RowsToday != 18 || alerts[0].Notified != "webhook: delivered" {
			t.Fatalf("alerts: %+v %v", alerts, err)
		}
		mu.Lock()
		if len(posted) != 1 || posted[0]["login"] != "analyst" || posted[0]["kind"] != "mass_download" {
			t.Errorf("webhook: %v", posted)
		}
		mu.Unlock()
		if err := w.u.SetThreshold(ctx, 1000, "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.u.Export(ctx, w.analyst, id, io.Discard); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("an export while blocked: %v", err)
		}
		if err := w.u.Unblock(ctx, "analyst", "核实为月度报表", w.wang); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("the committee unblocks: %v", err)
		}
		if err := w.u.Unblock(ctx, "analyst", " ", w.an); !errs.Is(err, errs.Invalid) {
			t.Errorf("an unblock without its reason: %v", err)
		}
		if err := w.u.Unblock(ctx, "analyst", "核实为月度报表", w.an); err != nil {
			t.Fatal(err)
		}
		if n, err := w.u.Export(ctx, w.analyst, id, io.Discard); err != nil || n != 6 {
			t.Errorf("after the unblock: %d %v", n, err)
		}
		if alerts, _ := w.u.Alerts(ctx); len(alerts) != 1 || alerts[0].Cleared == nil || alerts[0].ClearedBy != "security" {
			t.Errorf("the alert after the unblock: %+v", alerts[0])
		}

		// The baseline: 24 rows over the last 30 days is about one a day;
		// days later, a read of more than ten times that (and over the
		// floor) is far beyond it.
		big := newWorld(t, storagetest.DSN(t, engineOf(dsn)), datause.BaselineFloor+50)
		if err := big.u.SetThreshold(ctx, 1_000_000, "test"); err != nil {
			t.Fatal(err)
		}
		gid := big.grant(t, big.analyst, "level")
		if _, err := big.u.Export(ctx, big.analyst, gid, io.Discard); err != nil {
			t.Fatal(err)
		}
		big.clock.Add(int64(20 * 24 * time.Hour / time.Second))
		gid = big.grant(t, big.analyst, "level")
		if _, err := big.u.Export(ctx, big.analyst, gid, io.Discard); !errs.Is(err, errs.PermissionDenied) {
			t.Fatalf("far beyond the baseline: %v", err)
		}
		if alerts, _ := big.u.Alerts(ctx); len(alerts) != 1 || alerts[0].Reason != "baseline" || alerts[0].Baseline != int64(datause.BaselineFloor+50)/datause.BaselineDays {
			t.Errorf("baseline alert: %+v", alerts)
		}
	})
}

func engineOf(dsn string) string {
	if strings.HasPrefix(dsn, "sqlite") {
		return "sqlite"
	}
	return "postgres"
}

// TestSensitiveReads (C-7): once a field is graded sensitive its values are
// encrypted at rest, an export through a live grant still gives them in
// clear, and every read of it — served or refused — is found among the
// reads of sensitive fields.
func TestSensitiveReads(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		w := newWorld(t, dsn, 6)
		// A city of residence, graded by the committee as location data.
		if _, err := grading.Confirm(ctx, w.n, w.wang, "spend", "city", "location", 0, "常住城市"); err != nil {
			t.Fatal(err)
		}
		id := w.grant(t, w.analyst, "level", "city")
		var out strings.Builder
		if n, err := w.u.Export(ctx, w.analyst, id, &out); err != nil || n != 6 || !strings.Contains(out.String(), "上海") {
			t.Fatalf("export: %d %v %q", n, err, out.String())
		}
		if _, err := w.u.Export(ctx, w.other, id, io.Discard); !errs.Is(err, errs.PermissionDenied) {
			t.Fatalf("another account used the grant: %v", err)
		}
		rs, err := grading.Access(ctx, w.n, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || rs[0].Outcome != datause.Refused || rs[0].Login != "finance" || rs[1].Outcome != datause.Served || rs[1].Rows != 6 ||
			len(rs[1].Sensitive) != 1 || rs[1].Sensitive[0] != "city" {
			t.Errorf("sensitive reads %+v", rs)
		}
		// An export of the level alone touches no sensitive field.
		if _, err := w.u.Export(ctx, w.analyst, w.grant(t, w.analyst, "level"), io.Discard); err != nil {
			t.Fatal(err)
		}
		if rs, _ := grading.Access(ctx, w.n, 10); len(rs) != 2 {
			t.Errorf("a read of the level alone is listed among sensitive reads: %+v", rs)
		}
	})
}
