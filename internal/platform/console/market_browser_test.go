package console_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/browsertest"
	"hulian/internal/market"
)

var orderIDRe = regexp.MustCompile(`ord_[a-z2-7]+`)

// TestBrowserMarketFlow drives headless Chromium through the market: the
// demander publishes a demand and sees the matching results; the supplier
// answers with an offer below its listed price; the demander compares the
// offers, selects one and signs the demand confirmation after reading the
// terms and the cost preview; the supplier signs the supply confirmation
// and the order is active.
func TestBrowserMarketFlow(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, done := browsertest.Headless(ctx, t, browsertest.Chromium(t))
	defer done()
	m := startMarket(t)
	base := m.URL()
	type acts = []chromedp.Action[chromedp.Void]
	fill := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SetValue(chromedp.CSS(sel), v) }
	join := func(groups ...acts) acts {
		var out acts
		for _, g := range groups {
			out = append(out, g...)
		}
		return out
	}

	err := chromedp.Do(b, join(loginAs(base, "bing.fin"), acts{
		chromedp.Navigate(base + "/demands"),
		chromedp.Click(chromedp.CSS("#new-demand")),
		chromedp.WaitVisible(chromedp.CSS("#demand-form")),
		fill("#f-title", "消费分层"),
		fill("#f-purpose", "营销人群筛选"),
		fill("#f-scope", "上海地区存量客户"),
		fill("#f-scenario", "精准营销"),
		fill("#f-categories", "behaviour"),
		fill("#f-tags", "car_owner"),
		fill("#f-monthly_volume", "100000"),
		fill("#f-hit_rate_bp", "60"),
		fill("#f-budget_fen", "10000"),
		chromedp.Click(chromedp.CSS(`#demand-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#match-" + m.Listing.ID)),
	})...)
	var demandURL string
	if err == nil {
		demandURL, err = chromedp.Run(b, chromedp.Location())
	}
	if err == nil {
		err = chromedp.Do(b, join(logout(), loginAs(base, "jia.data"), acts{
			chromedp.Navigate(demandURL),
			chromedp.WaitVisible(chromedp.CSS("#offer-form")),
			fill("#f-unit_price", "0.03"),
			fill("#f-note", "季度内价格锁定"),
			chromedp.Click(chromedp.CSS(`#offer-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#offers .offer[data-status="open"]`)),
		}, logout(), loginAs(base, "bing.fin"), acts{
			chromedp.Navigate(demandURL),
			chromedp.Click(chromedp.CSS(`#offers button[id^="select-"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#order-status[data-status="pending_signatures"]`)),
			chromedp.WaitVisible(chromedp.CSS("#terms-hash")),
			chromedp.Click(chromedp.CSS("#sign")),
			chromedp.WaitVisible(chromedp.CSS(`#sig-demand td.mono`)),
		})...)
	}
	var orderURL, price string
	if err == nil {
		orderURL, err = chromedp.Run(b, chromedp.Location())
	}
	if err == nil {
		price, err = chromedp.Run(b, chromedp.Text(chromedp.CSS("#terms-price")))
	}
	if err == nil {
		err = chromedp.Do(b, join(logout(), loginAs(base, "jia.data"), acts{
			chromedp.Navigate(orderURL),
			chromedp.Click(chromedp.CSS("#sign")),
			chromedp.WaitVisible(chromedp.CSS(`#order-status[data-status="active"]`)),
		})...)
	}
	if err != nil {
		browsertest.Screenshot(t, b)
		t.Fatalf("browser: %v", err)
	}
	if price != "按次 ¥0.03/条（查得计费）" {
		t.Errorf("confirmed price %q", price)
	}
	o, err := m.Market.Order(m.Dem.ctx(), orderIDRe.FindString(orderURL))
	if err != nil || o.Status != market.Active || o.Terms.Price.UnitPrice != 3 || o.Demand.Account != "account:"+m.Dem.Account.ID || o.Supply.Account != "account:"+m.Sup.Account.ID {
		t.Errorf("stored order %+v: %v", o, err)
	}
}
