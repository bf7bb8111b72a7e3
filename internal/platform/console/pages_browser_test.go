package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/market"
	"hulian/internal/platform/store/storetest"
)

// cjkFont fails in CI, and skips elsewhere, when no font covers Chinese:
// without one the pages render as boxes and their widths mean nothing.
func cjkFont(t *testing.T) {
	t.Helper()
	out, err := exec.Command("fc-list", ":lang=zh").Output()
	if err == nil && len(strings.TrimSpace(string(out))) > 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no font for Chinese (fc-list :lang=zh: %v); .ci/run installs fonts-noto-cjk", err)
	}
	t.Skip("no font for Chinese; install fonts-noto-cjk")
}

// messageKeys are the console's message keys, read from its catalogue: a
// key that shows on a page is a string that was never translated.
func messageKeys(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("messages.go")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range regexp.MustCompile(`(?m)^\s*"([a-z_]+\.[a-z_.]+)":\s*i18n\.T\(`).FindAllStringSubmatch(string(src), -1) {
		keys = append(keys, m[1])
	}
	if len(keys) < 100 {
		t.Fatalf("read only %d message keys", len(keys))
	}
	return keys
}

// pageCheck is what the browser measures on a page.
type pageCheck struct {
	Overflow  string   // elements wider than the window, if any
	NavRows   int      // rows the navigation links take
	BrokenNav []string // navigation labels broken over two lines
	Chrome    string   // the page's own labels: headings, table heads, buttons, navigation
	Text      string   // everything visible
}

const measure = `(() => {
  const w = document.documentElement.clientWidth;
  const wide = [];
  if (document.documentElement.scrollWidth > w + 1) wide.push('page ' + document.documentElement.scrollWidth + 'px');
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    let scroller = false;
    for (let p = t.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX) && p.scrollWidth > p.clientWidth) { scroller = true; }
    }
    if (r.right > w + 1 || scroller) wide.push('table ' + (t.id || t.className || t.rows.length + ' rows') + ' ' + Math.round(r.width) + 'px');
  }
  const links = [...document.querySelectorAll('header nav a, .nav a')];
  const tops = new Set(links.map(a => Math.round(a.getBoundingClientRect().top)));
  const broken = links.filter(a => a.getClientRects().length > 1).map(a => a.textContent.trim());
  // Names and titles people wrote are marked translate="no": they stay
  // in their own language whatever the page's.
  const chrome = [...document.querySelectorAll('nav, h1, h2, h3, th, label, button, dt, legend, .badge')]
    .filter(e => !e.closest('[translate=no]'))
    .map(e => { const c = e.cloneNode(true); c.querySelectorAll('[translate=no]').forEach(x => x.remove()); return c.textContent; }).join('\n');
  return {Overflow: wide.join('; '), NavRows: tops.size, BrokenNav: broken, Chrome: chrome, Text: document.body.innerText};
})()`

var hanRe = regexp.MustCompile(`\p{Han}+`)

// TestBrowserEveryPage opens every console page, as each role sees it, in
// both languages at common window widths, in headless Chromium with a
// Chinese font. It saves a screenshot of each (in $HULIAN_SCREENSHOTS when
// set) and fails on a message key shown untranslated, Chinese in an
// English page's own labels, a table or page wider than the window, or
// navigation that does not fit: on one row at 1280 px and wider, and
// never with a label broken over two lines.
func TestBrowserEveryPage(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	cjkFont(t)
	keys := messageKeys(t)
	shots := os.Getenv("HULIAN_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	m := startMarket(t)
	bg := context.Background()
	m.staff(t, auth.RoleOperator, "operator")
	m.staff(t, auth.RoleRegulator, "regulator")
	if _, err := m.Platform.TopUp(storetest.Staff(bg, auth.RoleOperator), m.Dem.ID, 100000, "BANK-001", "银行转账"); err != nil {
		t.Fatal(err)
	}
	d, err := m.Market.PublishDemand(m.Dem.ctx(), demandOf(calendar.DateOf(m.clock.Now())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Market.MakeOffer(m.Sup.ctx(), d.ID, &market.Offer{ListingID: m.Listing.ID, Note: "季度内价格锁定"}); err != nil {
		t.Fatal(err)
	}
	views, err := m.Market.Offers(m.Dem.ctx(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	o, err := m.Market.SelectOffer(m.Dem.ctx(), views[0].Offer.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Market.SignConfirmation(m.Dem.ctx(), o.ID, market.DemandSide, o.TermsHash); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Market.SignConfirmation(m.Sup.ctx(), o.ID, market.SupplySide, o.TermsHash); err != nil {
		t.Fatal(err)
	}

	roles := []struct {
		login string
		paths []string
	}{
		{"", []string{"/login", "/apply", "/quotes"}},
		{"operator", []string{"/members", "/members/" + m.Dem.ID, "/log", "/catalog/queue", "/catalog", "/orders", "/orders/" + o.ID,
			"/deliveries", "/quota?member=" + m.Dem.ID, "/tokens"}},
		{"regulator", []string{"/members", "/log", "/deliveries", "/orders"}},
		{"bing.fin", []string{"/home", "/catalog", "/demands", "/demands/new", "/demands/" + d.ID, "/orders", "/orders/" + o.ID,
			"/deliveries", "/quota", "/tokens", "/quotes"}},
		{"jia.data", []string{"/listings", "/listings/" + m.Listing.ID, "/listings/new", "/demands", "/demands/" + d.ID}},
	}
	ctx, cancel := context.WithTimeout(bg, 4*time.Minute)
	defer cancel()
	for _, role := range roles {
		b, done := headless(ctx, t, exe)
		if role.login != "" {
			if err := chromedp.Do(b, loginAs(m.URL(), role.login)...); err != nil {
				done()
				t.Fatalf("log in as %s: %v", role.login, err)
			}
		}
		who := role.login
		if who == "" {
			who = "anonymous"
		}
		for _, lang := range []string{"zh-CN", "en"} {
			if err := chromedp.Do(b, chromedp.Navigate(m.URL()+"/lang/"+lang)); err != nil {
				t.Fatalf("switch to %s: %v", lang, err)
			}
			for _, width := range []int64{1024, 1280, 1440} {
				if err := chromedp.Do(b, chromedp.EmulateViewport(width, 900)); err != nil {
					t.Fatal(err)
				}
				for _, path := range role.paths {
					name := fmt.Sprintf("%s %s %d %s", who, lang, width, path)
					if err := chromedp.Do(b, chromedp.Navigate(m.URL()+path), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					c, err := chromedp.Run(b, chromedp.Evaluate[pageCheck](measure))
					if err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					bad := checkPage(c, keys, lang, width)
					if width == 1280 || len(bad) > 0 {
						saveShot(t, b, shots, name)
					}
					for _, msg := range bad {
						t.Errorf("%s: %s", name, msg)
					}
				}
			}
		}
		done()
	}
}

func checkPage(c pageCheck, keys []string, lang string, width int64) []string {
	var bad []string
	for _, k := range keys {
		if i := strings.Index(c.Text, k); i >= 0 && !wordChar(c.Text, i-1) && !wordChar(c.Text, i+len(k)) {
			bad = append(bad, "message key shown untranslated: "+k)
		}
	}
	if lang == "en" {
		// The language switch names Chinese in Chinese; the platform's
		// name is bilingual. Anything else in Chinese is untranslated.
		chrome := strings.NewReplacer("中文", "", "互联", "").Replace(c.Chrome)
		if h := hanRe.FindAllString(chrome, 5); len(h) > 0 {
			bad = append(bad, fmt.Sprintf("Chinese in the English page's labels: %q", h))
		}
	}
	if c.Overflow != "" {
		bad = append(bad, "wider than the window: "+c.Overflow)
	}
	if width >= 1280 && c.NavRows > 1 {
		bad = append(bad, fmt.Sprintf("navigation takes %d rows", c.NavRows))
	}
	if len(c.BrokenNav) > 0 {
		bad = append(bad, fmt.Sprintf("navigation labels broken over lines: %q", c.BrokenNav))
	}
	return bad
}

func wordChar(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func saveShot(t *testing.T, b context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(b, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("%s: no screenshot: %v", name, err)
		return
	}
	path := filepath.Join(dir, strings.Trim(unsafeName.ReplaceAllString(name, "_"), "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("%s: %v", name, err)
	}
}
