package server_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/browsertest"
	"hulian/internal/node/consent"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/ident"
)

// TestBrowserPrivacyCentre walks the privacy centre in headless Chromium
// at a phone's width and a laptop's, in both languages, as a person does:
// enter by a code sent to their mobile number (a wrong code first), see
// the notice's purposes with their choices, withdraw one, file a request,
// in both languages at both widths. Each page is measured for what a person
// would see wrong and saved as a screenshot.
func TestBrowserPrivacyCentre(t *testing.T) {
	t.Parallel()
	exe := browsertest.Chromium(t)
	browsertest.CJKFont(t)
	shots := browsertest.ShotDir(t)
	x := newExchange(t, "sqlite", 20)
	ctx := context.Background()
	outbox := &privacy.Outbox{}
	x.supplier.Privacy.Senders = privacy.Senders{privacy.ByMobile: outbox, privacy.ByEmail: outbox}
	l := consent.New(x.supplier.Node)
	if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	person := x.relay.exid.exidOf(t, ident.Mobile, "13800138000")
	in := give(1, "exchange", x.supplier.Node.Now().Add(-time.Hour))
	in.ExID = person[:]
	if _, err := l.Record(ctx, []consent.Input{in}, "test"); err != nil {
		t.Fatal(err)
	}
	bctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	b, done := browsertest.Headless(bctx, t, exe)
	defer done()
	base := x.supplier.URL()
	check := func(name, lang string, width int64) {
		t.Helper()
		p, err := browsertest.Measure(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		for _, msg := range p.Problems(lang, width) {
			t.Errorf("%s: %s", name, msg)
		}
		browsertest.Save(t, b, shots, name)
	}
	var body string
	err := chromedp.Do(b,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/privacy"),
		chromedp.WaitVisible(chromedp.CSS("#start-link")),
		chromedp.Click(chromedp.CSS("#start-link")),
		chromedp.WaitVisible(chromedp.CSS("#start-form")),
		chromedp.SendKeys(chromedp.CSS("#address"), "138 0013 8000"),
		chromedp.Click(chromedp.CSS(`#start-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#code-form")),
		chromedp.SendKeys(chromedp.CSS("#code"), "000000"),
		chromedp.Click(chromedp.CSS(`#code-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#error")),
	)
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("entry: %v", err)
	}
	check("privacy zh-CN 390 wrong code", "zh-CN", 390)
	sent := outbox.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d messages", len(sent))
	}
	code := regexp.MustCompile(`\d{6}`).FindString(sent[0].Text)
	err = chromedp.Do(b,
		chromedp.SetValue(chromedp.CSS("#code"), code),
		chromedp.Click(chromedp.CSS(`#code-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#purpose-exchange[data-state="active"]`)),
	)
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("the right code: %v", err)
	}
	check("privacy zh-CN 390 centre", "zh-CN", 390)
	err = chromedp.Do(b,
		chromedp.Click(chromedp.CSS("#withdraw-exchange")),
		chromedp.WaitVisible(chromedp.CSS(`#purpose-exchange[data-state="withdrawn"]`)),
		chromedp.SetValue(chromedp.CSS("#kind"), "delete"),
		chromedp.SendKeys(chromedp.CSS("#details"), "请删除我的消费记录"),
		chromedp.Click(chromedp.CSS(`#request-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`li[data-status="open"]`)),
	)
	if err == nil {
		body, err = chromedp.Run(b, chromedp.Text(chromedp.CSS("#requests")))
	}
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("withdraw and request: %v", err)
	}
	if !strings.Contains(body, "请删除我的消费记录") {
		t.Errorf("the request is not listed:\n%s", body)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, width := range []int64{390, 1280} {
			if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900), chromedp.Navigate(base+"/lang?to="+lang+"&back=/privacy"),
				chromedp.WaitVisible(chromedp.CSS("#requests"))); err != nil {
				t.Fatalf("%s %d: %v", lang, width, err)
			}
			check(fmt.Sprintf("privacy %s %d after", lang, width), lang, width)
		}
	}
}
