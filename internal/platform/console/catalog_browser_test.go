package console_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/auth"
	"hulian/internal/browsertest"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/platform/store/storetest"
)

func loginAs(base, login string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(chromedp.CSS("#f-login")),
		chromedp.SendKeys(chromedp.CSS("#f-login"), login),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		// Only a logged-in page has the logout button: waiting for it waits
		// out the redirect.
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
	}
}

func logout() []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`.account a[href="/login"]`))}
}

// TestBrowserListingFlow drives headless Chromium through the catalog:
// the supplier fills the six-element wizard with a tag and submits a
// signed gate report; the operator starts the review and approves from
// the queue; the supplier publishes; another member finds the listing in
// the catalog and everyone sees it in the market quotes.
func TestBrowserListingFlow(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, done := browsertest.Headless(ctx, t, browsertest.Chromium(t))
	defer done()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	sm := p.apply(t, 301, "上海丙数据科技有限公司", "bing.ltd")
	key := p.activate(t, sm.ID)
	dm := p.apply(t, 302, "北京丁信息服务有限公司", "ding.ltd")
	p.activate(t, dm.ID)
	base := p.URL()

	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SetValue(chromedp.CSS(sel), v) }
	steps := func(groups ...[]chromedp.Action[chromedp.Void]) []chromedp.Action[chromedp.Void] {
		var out []chromedp.Action[chromedp.Void]
		for _, g := range groups {
			out = append(out, g...)
		}
		return out
	}
	err := chromedp.Do(b, steps(loginAs(base, "bing.ltd"), []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/listings"),
		chromedp.Click(chromedp.CSS("#new-listing")),
		chromedp.WaitVisible(chromedp.CSS("#save-listing")),
		fill(`[name="title"]`, "城市有车人群标签"),
		fill(`[name="tags[0].key"]`, "car_owner"),
		fill(`[name="tags[0].name"]`, "有车人群"),
		fill(`[name="tags[0].category"]`, "basic.group"),
		fill(`[name="tags[0].description"]`, "是否为有车人群"),
		fill(`[name="tags[0].value_type"]`, "hit"),
		fill(`[name="tags[0].column"]`, "car"),
		fill(`[name="limit.description"]`, "基于授权交易数据的有车人群识别"),
		fill(`[name="limit.keywords"]`, "有车, 出行"),
		fill(`[name="limit.source_industry"]`, "F52"),
		fill(`[name="term.statistics_period"]`, "近 12 个月"),
		fill(`[name="term.retention_days"]`, "30"),
		fill(`[name="price.unit_price"]`, "0.08"),
		chromedp.Click(chromedp.CSS("#save-listing")),
		chromedp.WaitVisible(chromedp.CSS(`#listing-status[data-status="draft"]`)),
	})...)
	var loc string
	if err == nil {
		loc, err = chromedp.Run(b, chromedp.Location())
	}
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("wizard: %v", err)
	}
	id := listingIDRe.FindString(loc)
	l, err := p.Listings.Listing(storetest.Staff(context.Background(), auth.RoleOperator), id)
	if err != nil {
		t.Fatal(err)
	}
	report, _ := json.Marshal(catalogtest.Report(l, key, 5000))
	err = chromedp.Do(b, steps([]chromedp.Action[chromedp.Void]{
		fill("#f-gate_report", string(report)),
		chromedp.Click(chromedp.CSS("#submit-listing")),
		chromedp.WaitVisible(chromedp.CSS(`#listing-status[data-status="submitted"]`)),
	}, logout(), loginAs(base, "operator"), []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/catalog/queue"),
		chromedp.Click(chromedp.CSS("#l-" + id + ` button[value="start_review"]`)),
		chromedp.WaitVisible(chromedp.CSS("#l-" + id + `[data-status="in_review"]`)),
		chromedp.SendKeys(chromedp.CSS("#l-"+id+` input[name="note"]`), "符合六要素标准"),
		chromedp.Click(chromedp.CSS("#l-" + id + ` button[value="approve"]`)),
		// An approved listing leaves the queue.
		chromedp.WaitNotPresent(chromedp.CSS("#l-" + id)),
	}, logout(), loginAs(base, "bing.ltd"), []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/listings/" + id),
		chromedp.Click(chromedp.CSS("#publish-listing")),
		chromedp.WaitVisible(chromedp.CSS(`#listing-status[data-status="published"]`)),
	}, logout(), loginAs(base, "ding.ltd"), []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/catalog"),
		fill("#f-tag", "有车人群"),
		chromedp.Click(chromedp.CSS("#search")),
		// The catalogue lists every published listing before a search
		// too: waiting for the row alone could pass on the old page while
		// the search is still loading, and the next navigation would then
		// abort it. The results table names its filter.
		chromedp.WaitVisible(chromedp.CSS(`#results[data-tag="有车人群"] #l-` + id)),
	})...)
	var quote, found string
	if err == nil {
		found, err = chromedp.Run(b, chromedp.Text(chromedp.CSS("#l-"+id)))
	}
	if err == nil {
		err = chromedp.Do(b, chromedp.Navigate(base+"/quotes"), chromedp.WaitVisible(chromedp.CSS("#quotes-chart")))
	}
	if err == nil {
		quote, err = chromedp.Run(b, chromedp.Text(chromedp.CSS(`#q-basic\.group`)))
	}
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(found, "城市有车人群标签") || !strings.Contains(found, "0.08") {
		t.Errorf("search row %q", found)
	}
	if !strings.Contains(quote, "0.08") {
		t.Errorf("quotes row %q", quote)
	}
	got, err := p.Listings.Listing(storetest.Staff(context.Background(), auth.RoleOperator), id)
	if err != nil || got.Status != catalog.StatusPublished || got.ReviewNote != "符合六要素标准" || got.Price.UnitPrice != 8 {
		t.Errorf("stored %+v: %v", got, err)
	}
}
