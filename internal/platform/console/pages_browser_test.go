package console_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/browsertest"
	"hulian/internal/calendar"
	"hulian/internal/market"
	"hulian/internal/platform/disputes"
	"hulian/internal/platform/incidents"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/settlement"
)

// messageKeys are the console's message keys, read from its catalogue: a
// key that shows on a page is a string that was never translated.
func messageKeys(t *testing.T) []string {
	t.Helper()
	var keys []string
	for _, file := range []string{"messages.go", "messages_settle.go", "messages_supervision.go", "messages_complaints.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?m)^\s*"([a-z_]+\.[a-z_.]+)":\s*i18n\.T\(`).FindAllStringSubmatch(string(src), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 100 {
		t.Fatalf("read only %d message keys", len(keys))
	}
	return keys
}

// TestBrowserEveryPage opens every console page, as each role sees it, in
// both languages at common window widths, in headless Chromium with a
// Chinese font. It saves a screenshot of each (in $HULIAN_SCREENSHOTS when
// set) and fails on a message key shown untranslated, Chinese in an
// English page's own labels, a table or page wider than the window, or
// navigation that does not fit: on one row at 1280 px and wider, and
// never with a label broken over two lines.
func TestBrowserEveryPage(t *testing.T) {
	t.Parallel()
	exe := browsertest.Chromium(t)
	browsertest.CJKFont(t)
	keys := messageKeys(t)
	shots := browsertest.ShotDir(t)

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
	// A month of two deliveries on the order, and its statement issued.
	m.transact(t, func(ctx context.Context, tx *store.Tx) error {
		for _, c := range []int64{1234, 66} {
			if _, err := tx.Append(ctx, m.Dem.ID, settlement.KindDelivered, o.ID, bizlog.P{"demander": m.Dem.ID, "supplier": m.Sup.ID,
				"listing": m.Listing.ID, "queried": 1000, "matched": 400, "charge_fen": c}); err != nil {
				return err
			}
		}
		return nil
	})
	month := settlement.MonthOf(m.clock.Now())
	m.clock.Add(40 * 24 * time.Hour)
	sts, _, err := m.Exchange.Statements.Run(storetest.Staff(bg, auth.RoleOperator), month)
	if err != nil || len(sts) != 1 {
		t.Fatalf("statement: %v %d", err, len(sts))
	}
	stm := "/statements/" + sts[0].ID
	// A halt in force and one lifted, a published warning and a suspension
	// lifted: the supervision, notices and announcements pages show them.
	opCtx := storetest.Staff(bg, auth.RoleOperator)
	if _, err := m.Exchange.Halts.Start(opCtx, "listing", m.Listing.ID, "technical_failure", "供应方节点升级，预计两小时内恢复"); err != nil {
		t.Fatal(err)
	}
	past, err := m.Exchange.Halts.Start(opCtx, "platform", "", "privacy_security", "排查异常访问，暂停全部数据互联服务")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Exchange.Halts.Lift(opCtx, past.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Exchange.Sanctions.Impose(opCtx, sanctions.Measure{Member: m.Dem.ID, Kind: "warning", Public: true, Basis: "rules", Reason: "未按期提交销毁证明"}); err != nil {
		t.Fatal(err)
	}
	susp, err := m.Exchange.Sanctions.Impose(opCtx, sanctions.Measure{Member: m.Dem.ID, Kind: "suspension", Basis: "authority", AuthorityRef: "沪网信罚〔2026〕12号", Reason: "行政处罚"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Exchange.Sanctions.Lift(opCtx, susp.ID, "已整改完毕"); err != nil {
		t.Fatal(err)
	}
	// A dispute of it, answered with a correction.
	dsp, err := m.Exchange.Disputes.Open(m.Dem.ctx(), sts[0].ID, o.ID, "第二次配送结果为空")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Exchange.Disputes.Answer(storetest.Staff(bg, auth.RoleOperator), dsp.ID, disputes.Answer{Text: "核实后退还一次配送的费用",
		Credits: []settlement.Adjustment{{Order: o.ID, AmountFen: -66, Reason: "空结果"}}}); err != nil {
		t.Fatal(err)
	}

	// A significant incident of the demander's, its authorities' report
	// overdue.
	inc, err := m.Exchange.Incidents.Report(m.Dem.ctx(), incidents.Report{Kind: "leak", Title: "测试库被公网访问", Description: "误配置导致公网可访问",
		Grade: "significant", Affected: 1_200_000, Found: m.clock.Now().Add(-6 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	roles := []struct {
		login string
		paths []string
	}{
		{"", []string{"/login", "/apply", "/quotes", "/announcements", "/complain", "/complain/status"}},
		{"operator", []string{"/members", "/members/" + m.Dem.ID, "/log", "/catalog/queue", "/catalog", "/orders", "/orders/" + o.ID,
			"/deliveries", "/statements", stm, stm + "_c1", "/disputes", "/payouts", "/books", "/cycles", "/supervision", "/complaints", "/incidents", "/incidents/" + inc.ID, "/mediation", "/quota?member=" + m.Dem.ID, "/tokens"}},
		{"regulator", []string{"/members", "/supervision", "/log", "/deliveries", "/statements", "/payouts", "/books", "/orders", "/incidents"}},
		{"bing.fin", []string{"/home", "/catalog", "/demands", "/demands/new", "/demands/" + d.ID, "/orders", "/orders/" + o.ID,
			"/deliveries", "/statements", stm, "/disputes", "/books", "/cycles", "/notices", "/incidents", "/incidents/" + inc.ID, "/mediation", "/quota", "/tokens", "/quotes"}},
		{"jia.data", []string{"/listings", "/listings/" + m.Listing.ID, "/listings/new", "/demands", "/demands/" + d.ID}},
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Minute)
	defer cancel()
	for _, role := range roles {
		b, done := browsertest.Headless(ctx, t, exe)
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
					c, err := browsertest.Measure(b)
					if err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					bad := checkPage(c, keys, lang, width)
					if width == 1280 || len(bad) > 0 {
						browsertest.Save(t, b, shots, name)
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

func checkPage(c browsertest.Page, keys []string, lang string, width int64) []string {
	var bad []string
	if strings.TrimSpace(c.Text) == "internal error" || strings.Contains(c.Text, "内部错误") || strings.Contains(c.Text, "Internal error") {
		bad = append(bad, "the page failed: "+c.Text)
	}
	for _, k := range keys {
		if i := strings.Index(c.Text, k); i >= 0 && !wordChar(c.Text, i-1) && !wordChar(c.Text, i+len(k)) {
			bad = append(bad, "message key shown untranslated: "+k)
		}
	}
	return append(bad, c.Problems(lang, width)...)
}

func wordChar(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
