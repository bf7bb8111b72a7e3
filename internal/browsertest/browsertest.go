// Package browsertest drives headless Chromium for the consoles' browser
// tests: the platform's and the nodes'. It finds the browser and a font
// for Chinese (failing in CI, where .ci/run installs both, and skipping
// elsewhere), saves screenshots, and measures what a person would see
// wrong on a page: tables and pages wider than the window, navigation that
// does not fit, and the page's own labels in the wrong language.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser to drive: HULIAN_CHROMIUM, else Debian's
// package. Without one the test is skipped on a workstation but fails in
// CI.
func Chromium(t testing.TB) string {
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

// CJKFont fails in CI, and skips elsewhere, when no font covers Chinese:
// without one the pages render as boxes and their widths mean nothing.
func CJKFont(t testing.TB) {
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

// Headless starts Chromium for a test, set to Chinese as the consoles'
// first language; done stops it.
func Headless(ctx context.Context, t testing.TB, exe string) (browser context.Context, done func()) {
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
		// The language comes from Accept-Language until the switch is used.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN"),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	return browser, func() { cancelBrowser(); cancelAlloc() }
}

// Screenshot saves what the browser shows to a temporary file, for finding
// out why a test failed, and logs its name.
func Screenshot(t testing.TB, browser context.Context) {
	t.Helper()
	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100)) // quality 100: PNG
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

// ShotDir is where a test saves its page screenshots: $HULIAN_SCREENSHOTS
// when set (kept), else a temporary directory.
func ShotDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HULIAN_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Save saves a full-page screenshot named name in dir.
func Save(t testing.TB, b context.Context, dir, name string) {
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

// Page is what Measure finds on the page shown.
type Page struct {
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
  // Links whose tops differ by less than half a line (fonts of another
  // script sit a pixel or two apart) are on one row.
  const rects = links.map(a => a.getBoundingClientRect()).sort((x, y) => x.top - y.top);
  let rows = 0, rowTop = -1e9;
  for (const r of rects) { if (r.top > rowTop + r.height / 2) { rows++; rowTop = r.top; } }
  const broken = links.filter(a => a.getClientRects().length > 1).map(a => a.textContent.trim());
  // Names and titles people wrote are marked translate="no": they stay
  // in their own language whatever the page's.
  const chrome = [...document.querySelectorAll('nav, h1, h2, h3, th, label, button, dt, legend, .badge')]
    .filter(e => !e.closest('[translate=no]'))
    .map(e => { const c = e.cloneNode(true); c.querySelectorAll('[translate=no]').forEach(x => x.remove()); return c.textContent; }).join('\n');
  return {Overflow: wide.join('; '), NavRows: rows, BrokenNav: broken, Chrome: chrome, Text: document.body.innerText};
})()`

// Measure reads the page the browser shows.
func Measure(b context.Context) (Page, error) {
	return chromedp.Run(b, chromedp.Evaluate[Page](measure))
}

var hanRe = regexp.MustCompile(`\p{Han}+`)

// Problems are what a person would see wrong on p, shown in lang at
// width: Chinese in an English page's own labels (beyond the language
// switch and the bilingual product name), anything wider than the window,
// navigation on more than one row at 1280 px or wider, or with a label
// broken over two lines.
func (p Page) Problems(lang string, width int64) []string {
	var bad []string
	if lang == "en" {
		chrome := strings.NewReplacer("中文", "", "互联", "").Replace(p.Chrome)
		if h := hanRe.FindAllString(chrome, 5); len(h) > 0 {
			bad = append(bad, fmt.Sprintf("Chinese in the English page's labels: %q", h))
		}
	}
	if p.Overflow != "" {
		bad = append(bad, "wider than the window: "+p.Overflow)
	}
	if width >= 1280 && p.NavRows > 1 {
		bad = append(bad, fmt.Sprintf("navigation takes %d rows", p.NavRows))
	}
	if len(p.BrokenNav) > 0 {
		bad = append(bad, fmt.Sprintf("navigation labels broken over lines: %q", p.BrokenNav))
	}
	return bad
}
