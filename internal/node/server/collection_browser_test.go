package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/browsertest"
	"hulian/internal/node/collection"
	"hulian/internal/node/server"
	"hulian/internal/node/staff"
)

// TestBrowserCollectionPlan walks a collection plan through the node
// console in Chromium (C-2): a clerk proposes it on the form, with a
// scenario whose catalogue flags an optional field; the page shows the
// finding and no way for the clerk to decide; a member of the data
// management committee logs in and approves it. Both languages, with
// screenshots and the layout checks of every console page.
func TestBrowserCollectionPlan(t *testing.T) {
	t.Parallel()
	exe := browsertest.Chromium(t)
	browsertest.CJKFont(t)
	shots := browsertest.ShotDir(t)
	m := start(t, server.Config{})
	ctx := context.Background()
	if _, err := m.Staff.Create(ctx, "clerk", "李职员", "correct horse battery", "test", staff.RoleStaff); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Staff.Create(ctx, "wangwei", "王委员", "correct horse battery", "test", staff.RoleCommittee); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	b, done := browsertest.Headless(bctx, t, exe)
	defer done()
	base := m.URL()
	login := func(who string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(base + "/collection"),
			chromedp.WaitVisible(chromedp.CSS("#login")),
			chromedp.SendKeys(chromedp.CSS("#login"), who),
			chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("#propose")),
		}
	}
	check := func(name string) {
		t.Helper()
		for _, lang := range []string{"zh-CN", "en"} {
			if err := chromedp.Do(b, chromedp.Navigate(base+"/lang?to="+lang+"&back=/collection"), chromedp.WaitVisible(chromedp.CSS("#plans"))); err != nil {
				t.Fatal(err)
			}
			p, err := browsertest.Measure(b)
			if err != nil {
				t.Fatal(err)
			}
			shot := fmt.Sprintf("node collection %s %s", name, lang)
			browsertest.Save(t, b, shots, shot)
			for _, msg := range p.Problems(lang, 1280) {
				t.Errorf("%s: %s", shot, msg)
			}
		}
	}
	if err := chromedp.Do(b, append(append([]chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1280, 900)}, login("clerk")...),
		chromedp.SendKeys(chromedp.CSS("#name"), "门店线索登记"),
		chromedp.SendKeys(chromedp.CSS("#purpose"), "为到店咨询的客户安排看房"),
		chromedp.SendKeys(chromedp.CSS("#serves"), "联系客户并记录需求"),
		chromedp.SendKeys(chromedp.CSS("#necessity"), "不联系客户即无法带看"),
		chromedp.SetValue(chromedp.CSS("#scenario"), "房产中介"),
		chromedp.SendKeys(chromedp.CSS("#sources"), "门店前台"),
		chromedp.Click(chromedp.CSS(`input[name=methods][value=offline_questionnaire]`)),
		chromedp.SendKeys(chromedp.CSS("#fields"), "手机号,必填,mobile\n生日"),
		chromedp.Click(chromedp.CSS("#propose-submit")),
		chromedp.WaitVisible(chromedp.CSS(`article.plan[data-status=submitted]`)),
	)...); err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("propose: %v", err)
	}
	plans, err := collection.New(m.Node).List(ctx)
	if err != nil || len(plans) != 1 || plans[0].ProposedBy != "console:clerk" || len(plans[0].Findings) != 1 || plans[0].Findings[0].Field != "生日" {
		t.Fatalf("the plan proposed: %+v %v", plans, err)
	}
	id := plans[0].ID
	html, err := chromedp.Run(b, chromedp.OuterHTML(chromedp.CSS("#plan-"+id)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "approve-"+id) || !strings.Contains(html, `data-field="生日"`) {
		t.Errorf("the clerk's view of the plan: %s", html)
	}
	check("proposed")
	if err := chromedp.Do(b, append(append([]chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#login")),
	}, login("wangwei")...),
		chromedp.Click(chromedp.CSS("#approve-"+id)),
		chromedp.WaitVisible(chromedp.CSS(`article.plan[data-status=approved]`)),
	)...); err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("approve: %v", err)
	}
	if p, err := collection.New(m.Node).Get(ctx, id); err != nil || p.Status != collection.Approved || p.DecidedBy != "wangwei" {
		t.Errorf("after the approval: %+v %v", p, err)
	}
	check("approved")
}
