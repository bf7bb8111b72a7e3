package server_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/browsertest"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
)

// TestBrowserDataUse walks a data-use application through the node
// console in Chromium (C-9, C-11): an analyst of the marketing domain
// applies for two fields of the supplier's dataset; a committee member
// approves it; the analyst's page shows the grant in force with its export;
// the export serves those fields only. Both languages, with screenshots.
func TestBrowserDataUse(t *testing.T) {
	t.Parallel()
	exe := browsertest.Chromium(t)
	browsertest.CJKFont(t)
	shots := browsertest.ShotDir(t)
	x := newExchange(t, "sqlite", 50)
	m := x.supplier
	ctx := context.Background()
	if err := m.Uses.SetDatasetDomain(ctx, "spend", "marketing", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Staff.Create(ctx, "analyst", "赵分析", "correct horse battery", "test", staff.RoleStaff); err != nil {
		t.Fatal(err)
	}
	if err := m.Staff.SetDomains(ctx, "analyst", []string{"marketing"}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Staff.Create(ctx, "wangwei", "王委员", "correct horse battery", "test", staff.RoleCommittee, staff.RoleSecurity); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	b, done := browsertest.Headless(bctx, t, exe)
	defer done()
	base := m.URL()
	login := func(who string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/datause"),
			chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#login"), who),
			chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("#mine")),
		}
	}
	check := func(name string) {
		t.Helper()
		for _, lang := range []string{"zh-CN", "en"} {
			if err := chromedp.Do(b, chromedp.Navigate(base+"/lang?to="+lang+"&back=/datause"), chromedp.WaitVisible(chromedp.CSS("#mine"))); err != nil {
				t.Fatal(err)
			}
			p, err := browsertest.Measure(b)
			if err != nil {
				t.Fatal(err)
			}
			shot := fmt.Sprintf("node datause %s %s", name, lang)
			browsertest.Save(t, b, shots, shot)
			for _, msg := range p.Problems(lang, 1280) {
				t.Errorf("%s: %s", shot, msg)
			}
		}
	}
	v, err := m.Supply.Dataset(ctx, "spend")
	if err != nil || len(v.Columns) < 2 {
		t.Fatalf("the dataset: %+v %v", v, err)
	}
	cols := v.Columns
	if err := chromedp.Do(b, append(append([]chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1280, 900)}, login("analyst")...),
		chromedp.Click(chromedp.CSS(`#apply-spend input[value="`+cols[0]+`"]`)),
		chromedp.Click(chromedp.CSS(`#apply-spend input[value="`+cols[1]+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#purpose-spend"), "会员复购分析"),
		chromedp.Click(chromedp.CSS("#apply-submit-spend")),
		chromedp.WaitVisible(chromedp.CSS(`#mine tr[data-status=submitted]`)),
	)...); err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("apply: %v", err)
	}
	uses, err := m.Uses.List(ctx, "analyst")
	if err != nil || len(uses) != 1 || strings.Join(uses[0].Fields, ",") != cols[0]+","+cols[1] {
		t.Fatalf("the application: %+v %v", uses, err)
	}
	id := uses[0].ID
	check("applied")
	if err := chromedp.Do(b, append(append([]chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#login")),
	}, login("wangwei")...),
		chromedp.Click(chromedp.CSS("#approve-"+id)),
		chromedp.WaitVisible(chromedp.CSS("#grant-"+id)),
	)...); err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("approve: %v", err)
	}
	check("review")
	if err := chromedp.Do(b, append(append([]chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#login")),
	}, login("analyst")...),
		chromedp.WaitVisible(chromedp.CSS("#export-"+id)),
	)...); err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("the grant in force: %v", err)
	}
	check("granted")
	var analyst *nodestore.Account
	if err := m.Node.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { analyst, err = tx.AccountByLogin(ctx, "analyst"); return err }); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if n, err := m.Uses.Export(ctx, analyst, id, &out); err != nil || n == 0 || !strings.HasPrefix(out.String(), "exid,"+cols[0]+","+cols[1]+"\n") {
		t.Errorf("export: %d %v %q", n, err, out.String()[:min(out.Len(), 80)])
	}
	if _, err := m.Uses.Export(ctx, analyst, "use_none", io.Discard); err == nil {
		t.Error("an export without a grant")
	}
}
