package server_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/browsertest"
	"hulian/internal/calendar"
	"hulian/internal/node/demand"
	"hulian/internal/node/response"
)

// TestBrowserNodeConsole logs in to the supplier's node console in
// headless Chromium with a Chinese font, opens every page in both
// languages at two widths, saves a screenshot of each and fails on what a
// person would see wrong (a table wider than the window, navigation that
// does not fit, Chinese in an English page's labels).
func TestBrowserNodeConsole(t *testing.T) {
	t.Parallel()
	exe := browsertest.Chromium(t)
	browsertest.CJKFont(t)
	shots := browsertest.ShotDir(t)
	x := newExchange(t, "sqlite", 50)
	ctx := context.Background()
	if _, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_one", In: queryCSV(t, x.dir, 5), Out: filepath.Join(x.dir, "results.csv")}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.supplier.Staff.Create(ctx, "ops", "运维值班", "correct horse battery", "test"); err != nil {
		t.Fatal(err)
	}
	// An incident response plan and a drill, for the inspections page.
	rp := &response.Plan{Lead: "首席信息安全官", Contacts: []response.Contact{{Role: "值班", Name: "李明", Reach: "021-12345678"}}, DrillMonths: 6, Steps: map[string]string{}}
	for _, st := range response.Steps {
		rp.Steps[st] = "按预案第 " + st + " 节执行，值班人员 30 分钟内启动"
	}
	if _, err := response.New(x.supplier.Node).Publish(ctx, rp, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := response.New(x.supplier.Node).Record(ctx, &response.Drill{HeldOn: calendar.DateOf(x.supplier.Node.Now()).String(), Scenario: "会员库疑似被拖库",
		Participants: []string{"李明"}, Exercised: []string{"containment", "evidence"}, Findings: "报告模板缺少受影响人数字段"}, "test"); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	b, done := browsertest.Headless(bctx, t, exe)
	defer done()
	base := x.supplier.URL()
	err := chromedp.Do(b,
		chromedp.Navigate(base+"/datasets"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), "ops"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		// The login returns to the page asked for.
		chromedp.WaitVisible(chromedp.CSS(`a[href="/datasets/spend"]`)),
	)
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("log in: %v", err)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		if err := chromedp.Do(b, chromedp.Navigate(base+"/lang?to="+lang)); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{1024, 1280} {
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900)); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/", "/datasets", "/datasets/spend", "/orders", "/deliveries", "/consent", "/collection", "/datause", "/thirdparties", "/inspections", "/grading", "/settings", "/checks"} {
				name := fmt.Sprintf("node %s %d %s", lang, width, path)
				if err := chromedp.Do(b, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				p, err := browsertest.Measure(b)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				bad := p.Problems(lang, width)
				if width == 1280 || len(bad) > 0 {
					browsertest.Save(t, b, shots, name)
				}
				for _, msg := range bad {
					t.Errorf("%s: %s", name, msg)
				}
			}
		}
	}

	// A committee member grades the dataset's field as financial: its
	// values are rewritten encrypted at once, and the page says so (C-7).
	err = chromedp.Do(b,
		chromedp.Navigate(base+"/grading"),
		chromedp.WaitVisible(chromedp.CSS(`#fields form`)),
		chromedp.SetValue(chromedp.CSS(`#fields form select[name=class]`), "property"),
		chromedp.SetValue(chromedp.CSS(`#fields form select[name=grade]`), "4"),
		chromedp.SendKeys(chromedp.CSS(`#fields form input[name=note]`), "消费能力分层可推断财产状况"),
		chromedp.Click(chromedp.CSS(`#fields form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#confirmed")),
	)
	browsertest.Save(t, b, shots, "node grading confirmed")
	if err != nil {
		t.Fatalf("confirm a grade: %v", err)
	}
	row, err := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS(`#fields tbody tr`)))
	if err != nil || !strings.Contains(row, `data-encrypted="yes"`) {
		t.Fatalf("after confirming: %v, %s", err, row)
	}
	// The supplier still answers from the encrypted rows.
	if _, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_one", In: queryCSV(t, x.dir, 5), Out: filepath.Join(x.dir, "results2.csv")}); err != nil {
		t.Fatal(err)
	}
}
