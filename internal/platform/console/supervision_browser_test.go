package console_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/auth"
	"hulian/internal/browsertest"
	"hulian/internal/market"
)

var complaintIDRe = regexp.MustCompile(`cpl_[a-z2-7]+`)

// TestBrowserComplaintAndSanction drives headless Chromium through the
// supervision flows (X-G3, X-V1): a stranger files a privacy complaint on
// the public form with an evidence file and keeps the receipt code; the
// operator accepts it naming the order, which is suspended; the supplier
// answers with counter-evidence; the operator restores the order; the
// complainant follows the outcome by the code. Then the operator imposes
// a published warning on the supplier, who finds it in its inbox, and the
// public announcements page shows it.
func TestBrowserComplaintAndSanction(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	b, done := browsertest.Headless(ctx, t, browsertest.Chromium(t))
	defer done()
	m := startMarket(t)
	m.staff(t, auth.RoleOperator, "operator")
	o := m.activeOrder(t)
	evidence := filepath.Join(t.TempDir(), "说明.txt")
	os.WriteFile(evidence, []byte("2026-03-01 收到营销短信，号码从未授权"), 0o600)
	counter := filepath.Join(t.TempDir(), "授权记录.txt")
	os.WriteFile(counter, []byte("号码持有人 2025-12-01 在 App 内单独同意"), 0o600)
	base := m.URL()
	type acts = []chromedp.Action[chromedp.Void]
	join := func(groups ...acts) acts {
		var out acts
		for _, g := range groups {
			out = append(out, g...)
		}
		return out
	}
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SetValue(chromedp.CSS(sel), v) }

	err := chromedp.Do(b,
		chromedp.Navigate(base+"/complain"),
		chromedp.WaitVisible(chromedp.CSS("#complain-form")),
		chromedp.Click(chromedp.CSS(`input[name=kind][value=privacy]`)),
		fill("#f-complainant", "张三"),
		fill("#f-contact", "zhangsan@example.com"),
		fill("#f-concerns", o.ID),
		fill("#f-description", "未经同意使用我的号码做营销"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-evidence"), []string{evidence}),
		chromedp.Click(chromedp.CSS(`#complain-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#receipt-code")),
	)
	var receipt, code string
	if err == nil {
		receipt, err = chromedp.Run(b, chromedp.Text(chromedp.CSS("#receipt")))
	}
	if err == nil {
		code, err = chromedp.Run(b, chromedp.Text(chromedp.CSS("#receipt-code")))
	}
	id := complaintIDRe.FindString(receipt)
	if err == nil {
		browsertest.Screenshot(t, b)
		err = chromedp.Do(b, join(loginAs(base, "operator"), acts{
			chromedp.Navigate(base + "/complaints/" + id),
			chromedp.WaitVisible(chromedp.CSS("#accept-form")),
			fill("#f-order", o.ID),
			fill("#f-note", "初步成立，暂停该订单"),
			chromedp.Click(chromedp.CSS(`#accept-form button.primary`)),
			chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
		}, logout(), loginAs(base, "jia.data"), acts{
			chromedp.Navigate(base + "/complaints/" + id),
			chromedp.WaitVisible(chromedp.CSS("#answer-form")),
			fill("#f-answer", "号码持有人已单独同意，见授权记录"),
			chromedp.SetUploadFiles(chromedp.CSS("#f-evidence"), []string{counter}),
			chromedp.Click(chromedp.CSS(`#answer-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
		}, logout(), loginAs(base, "operator"), acts{
			chromedp.Navigate(base + "/complaints/" + id),
			chromedp.WaitVisible(chromedp.CSS("#resolve-form")),
			fill("#f-note", "抗辩成立，恢复订单"),
			chromedp.Click(chromedp.CSS(`#resolve-form button.primary`)),
			chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
		}, logout(), acts{
			chromedp.Navigate(base + "/complain/status?id=" + id + "&code=" + code),
			chromedp.WaitVisible(chromedp.CSS(`[data-status="restored"]`)),
		})...)
	}
	if err == nil {
		browsertest.Screenshot(t, b)
		err = chromedp.Do(b, join(loginAs(base, "operator"), acts{
			chromedp.Navigate(base + "/supervision"),
			chromedp.WaitVisible(chromedp.CSS("#sanction-form")),
			chromedp.SetValue(chromedp.CSS("#f-smember"), m.Sup.Member.ID),
			chromedp.SetValue(chromedp.CSS("#f-kind"), "warning"),
			chromedp.Click(chromedp.CSS(`#sanction-form input[name=public]`)),
			fill("#f-reason", "未按期提交销毁证明"),
			chromedp.Click(chromedp.CSS(`#sanction-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#sanctions tr[id^="s-"]`)),
		}, logout(), loginAs(base, "jia.data"), acts{
			chromedp.Navigate(base + "/notices"),
			chromedp.WaitVisible(chromedp.CSS(`#notices li[data-kind="sanction.imposed"]`)),
		}, logout(), acts{
			chromedp.Navigate(base + "/announcements"),
			chromedp.WaitVisible(chromedp.CSS(`body`)),
		})...)
	}
	var announced string
	if err == nil {
		announced, err = chromedp.Run(b, chromedp.Text(chromedp.CSS("main")))
	}
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("browser: %v", err)
	}
	browsertest.Screenshot(t, b)
	if !strings.Contains(announced, "未按期提交销毁证明") {
		t.Errorf("the announcements page lacks the published warning:\n%s", announced)
	}
	got, err := m.Market.Order(m.Dem.ctx(), o.ID)
	if err != nil || got.Status != market.Active {
		t.Errorf("the order after the complaint was restored: %+v %v", got, err)
	}
}
