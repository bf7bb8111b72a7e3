package console_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/auth"
	"hulian/internal/member"
	"hulian/internal/platform"
)

// chromium returns the browser to drive: HULIAN_CHROMIUM, else Debian's
// package. Without one the test is skipped on a workstation but fails in
// CI, where .ci/run installs it.
func chromium(t *testing.T) string {
	t.Helper()
	exe := os.Getenv("HULIAN_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no Chromium at %s (set HULIAN_CHROMIUM): %v", exe, err)
		}
		t.Skipf("no Chromium at %s; set HULIAN_CHROMIUM or install chromium", exe)
	}
	return exe
}

// TestBrowserOperatorApproves drives headless Chromium through the
// console: the operator logs in, opens the member list, approves an
// application and sees its stage change.
func TestBrowserOperatorApproves(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
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
	browser, done := headless(ctx, t, exe)
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
		screenshot(t, browser)
		t.Fatalf("browser: %v", err)
	}
	if heading != "成员与开户进度" || badge != "资质审核通过" {
		screenshot(t, browser)
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

// headless starts Chromium for a test; done stops it.
func headless(ctx context.Context, t *testing.T, exe string) (browser context.Context, done func()) {
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// A browser set to Chinese, the console's first language; the
		// language comes from Accept-Language until the switch is used.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN"),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	return browser, func() { cancelBrowser(); cancelAlloc() }
}

// screenshot saves what the browser shows, for finding out why it failed.
func screenshot(t *testing.T, browser context.Context) {
	t.Helper()
	// Quality 100 gives PNG; anything less gives JPEG.
	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	f, err := os.CreateTemp("", "hulian-browser-*.png")
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	defer f.Close()
	if _, err := f.Write(png); err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", f.Name())
}
