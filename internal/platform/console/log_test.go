package console_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/browsertest"
	"hulian/internal/witness"
)

// TestLogPage: the regulator and the operator browse the business log and
// verify it; members may not see the whole log.
func TestLogPage(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	racct := p.staff(t, auth.RoleRegulator, "regulator")
	a := p.apply(t, 1, "甲公司", "jia.ltd")
	p.approve(t, a.ID)
	cp, err := p.Log.Checkpoint(auth.WithActor(context.Background(), auth.System))
	if err != nil {
		t.Fatal(err)
	}
	// The regulator's witness cosigns that checkpoint: the page lists it.
	key, _, err := witness.LoadKey(filepath.Join(t.TempDir(), "w.key"), "hulian.witness/console-test")
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp.Note, note.VerifierList(mustVerifier(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	cosigned, _ := note.Sign(n, key.Signer)
	if _, err := p.Exchange.Witnesses.Cosign(auth.WithActor(context.Background(), racct.Actor()), key.Verifier, cosigned); err != nil {
		t.Fatal(err)
	}
	if err := p.Exchange.Witnesses.Alarm(auth.WithActor(context.Background(), racct.Actor()), key.Verifier, 3, "entry 3 differs"); err != nil {
		t.Fatal(err)
	}
	reg, mem := p.browser(t), p.browser(t)
	reg.login("regulator")
	mem.login("jia.ltd")

	r := reg.get("/log?member=" + a.ID)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "member.qualified") || !strings.Contains(r.Body, `id="cp-size"`) {
		t.Fatalf("regulator log page: %d\n%s", r.Status, r.Body)
	}
	vkey, err := p.Log.VerifierKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Body, `id="fingerprint" translate="no">`+bizlog.Fingerprint(vkey)+"<") {
		t.Errorf("the log page lacks the verifier key's fingerprint")
	}
	if !strings.Contains(r.Body, `data-witness="hulian.witness/console-test"`) || !strings.Contains(r.Body, "正常") || !strings.Contains(r.Body, "告警：第一处不符的记录 #3") {
		t.Errorf("the log page does not list the witness as current, with its alarm")
	}
	if r := reg.get("/log?kind=no.such.kind"); !strings.Contains(r.Body, "没有符合条件的条目") {
		t.Errorf("filter by kind: %s", r.Body)
	}
	if r := reg.get("/log?since=2026-13-01"); r.Status != http.StatusBadRequest {
		t.Errorf("bad date: %d", r.Status)
	}
	r = reg.post("/log/verify", url.Values{"csrf": {reg.csrf()}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `data-ok="true"`) {
		t.Fatalf("verify: %d\n%s", r.Status, r.Body)
	}
	if r := mem.get("/log"); r.Status != http.StatusForbidden {
		t.Errorf("member GET /log: %d", r.Status)
	}
	if r := mem.post("/log/verify", url.Values{"csrf": {mem.csrf()}}); r.Status != http.StatusForbidden {
		t.Errorf("member verifying: %d", r.Status)
	}
}

// TestBrowserRegulatorVerifies drives headless Chromium: the regulator logs
// in, opens the business log, verifies it and sees it intact.
func TestBrowserRegulatorVerifies(t *testing.T) {
	t.Parallel()
	exe := browsertest.Chromium(t)
	p := startPlatform(t, false)
	p.staff(t, auth.RoleRegulator, "regulator")
	a := p.apply(t, 7, "丙公司", "bing.ltd")
	p.approve(t, a.ID)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	browser, done := browsertest.Headless(ctx, t, exe)
	defer done()
	err := chromedp.Do(browser,
		chromedp.Navigate(p.URL()+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#f-login")),
		chromedp.SendKeys(chromedp.CSS("#f-login"), "regulator"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/log"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/log"]`)),
		chromedp.WaitVisible(chromedp.CSS("#entries")),
		chromedp.Click(chromedp.CSS("#verify")),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result[data-ok="true"]`)),
	)
	var result, row string
	if err == nil {
		result, err = chromedp.Run(browser, chromedp.Text(chromedp.CSS("#verify-result")))
	}
	if err == nil {
		row, err = chromedp.Run(browser, chromedp.Text(chromedp.CSS("#entries tbody tr:last-child")))
	}
	if err != nil {
		browsertest.Screenshot(t, browser)
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(result, "验证通过") || !strings.Contains(row, "资质审核通过") {
		browsertest.Screenshot(t, browser)
		t.Errorf("result %q, last entry %q", result, row)
	}
}

func mustVerifier(t *testing.T, p *platformT) note.Verifier {
	t.Helper()
	vkey, err := p.Log.VerifierKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
