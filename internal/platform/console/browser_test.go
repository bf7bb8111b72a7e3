package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/auth"
	"hulian/internal/browsertest"
	"hulian/internal/member"
	"hulian/internal/platform"
)

// TestBrowserOperatorApproves drives headless Chromium through the
// console: the operator logs in, opens the member list, approves an
// application and sees its stage change.
func TestBrowserOperatorApproves(t *testing.T) {
	t.Parallel()
	exe := browsertest.Chromium(t)
	p := startPlatform(t, false)
	bg := context.Background()
	op, err := p.Platform.CreateStaff(bg, auth.RoleOperator, "operator", "运营管理员", password, true)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := p.Platform.Apply(bg, platform.Application{Application: application(42, "上海丁数据服务有限公司"), Login: "ding.data", DisplayName: "丁一", Password: password})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(bg, 60*time.Second)
	defer cancel()
	browser, done := browsertest.Headless(ctx, t, exe)
	defer done()

	row := "#m-" + m.ID
	err = chromedp.Do(browser,
		chromedp.Navigate(p.URL()+"/"),
		chromedp.WaitVisible(chromedp.CSS("#f-login")),
		chromedp.SendKeys(chromedp.CSS("#f-login"), "operator"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		// "/" sends the operator to the member list.
		chromedp.WaitVisible(chromedp.CSS(row+`[data-stage="applied"]`)),
		chromedp.SendKeys(chromedp.CSS(row+` input[name="reason"]`), "资质材料齐全"),
		chromedp.Click(chromedp.CSS(row+` button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-stage="qualified"]`)),
	)
	var heading, badge string
	if err == nil {
		heading, err = chromedp.Run(browser, chromedp.Text(chromedp.CSS("h1")))
	}
	if err == nil {
		badge, err = chromedp.Run(browser, chromedp.Text(chromedp.CSS(row+" .badge")))
	}
	if err != nil {
		browsertest.Screenshot(t, browser)
		t.Fatalf("browser: %v", err)
	}
	if heading != "成员与开户进度" || badge != "资质审核通过" {
		browsertest.Screenshot(t, browser)
		t.Errorf("page shows heading %q and stage %q", heading, badge)
	}

	got, err := p.Platform.Member(auth.WithActor(bg, auth.System), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != member.StageQualified || got.Qualified.By != "account:"+op.ID || !got.Qualified.At.Equal(testNow) {
		t.Errorf("stored member: stage %s, qualified %+v; want qualified by account:%s at %v", got.Stage, got.Qualified, op.ID, testNow)
	}
}
