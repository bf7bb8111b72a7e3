package server_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/node"
	"hulian/internal/node/demand"
	"hulian/internal/node/platformclient"
	"hulian/internal/node/server"
)

func post(t *testing.T, u string, form url.Values, cookies ...*http.Cookie) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, res.Header, b.String()
}

func wantAll(t *testing.T, page, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", page, w)
		}
	}
}

// TestConsolePages: the supplier's node shows its dataset with the gate
// report and the order it serves by the demander's name; the demander's
// node shows the order it uses and the delivery in yuan and Beijing time,
// the supplier by name. Every page in both languages.
func TestConsolePages(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 50)
	ctx := context.Background()
	if _, err := x.demander.QueryFile(ctx, demand.QueryJob{OrderID: "ord_one", In: queryCSV(t, x.dir, 5), Out: filepath.Join(x.dir, "results.csv")}); err != nil {
		t.Fatal(err)
	}
	x.relay.addOrder(&fakeOrder{id: "ord_verified", listing: listingID, supplier: supplierID, demander: demanderID, method: "realtime",
		columns: []string{"home_region"}, maxTokens: 100, retentionDays: 7, verification: "one_step"})
	sup := login(t, x.supplier)
	en := &http.Cookie{Name: "lang", Value: "en"}

	_, _, body := get(t, x.supplier.URL()+"/datasets", sup)
	wantAll(t, "datasets", body, `href="/datasets/spend"`, "v1", "个人", "通过", "50")
	_, _, body = get(t, x.supplier.URL()+"/datasets/spend", sup, en)
	wantAll(t, "dataset", body, "gate passed", "prohibited-content findings", "<code>consumption_level</code>", "persons",
		"Stored: in columns · 3 chunks · 980 B (exID 850 B, <code>level</code> 61 B, <code>region</code> 69 B) · loaded in memory 1.1 kB")
	_, _, body = get(t, x.supplier.URL()+"/orders", sup)
	wantAll(t, "supplier orders", body, "本节点服务的订单", "北京需方科技有限公司", "消费能力标签", "¥0.01", "查得计费", "生效中", "2026-11-01 – 2027-10-31")
	if strings.Contains(body, "上海供方数据有限公司") {
		t.Errorf("the supplier's orders name the supplier as counterparty")
	}

	// The demander's node: its server opened on the database the queries
	// were recorded in.
	x.demander.Close()
	dm := start(t, server.Config{NoAutoIntegrate: true, Node: node.Config{DB: "sqlite://" + filepath.Join(x.dir, "demander.db"), KEKEnv: x.dkek, NewPlatform: platformclient.New}})
	dem := login(t, dm)
	_, _, body = get(t, dm.URL()+"/orders", dem, en)
	wantAll(t, "demander orders", body, "Orders this node uses (as demander)", "上海供方数据有限公司", "charged per match", "active",
		"needs the subject&#39;s signed query authorisation")
	_, _, body = get(t, dm.URL()+"/deliveries", dem)
	wantAll(t, "deliveries", body, "上海供方数据有限公司", "计费（元）", "¥0.0", "配送时间（北京时间）", "留存中")
	if strings.Contains(body, "(UTC)") || strings.Contains(body, "（分）") {
		t.Errorf("deliveries show UTC or fen:\n%s", body)
	}
	// The key the node pinned, with the fingerprint people compare.
	_, _, body = get(t, dm.URL()+"/settings", dem)
	wantAll(t, "settings", body, escaped(x.relay.vkey), `<code id="fingerprint">`+bizlog.Fingerprint(x.relay.vkey)+`</code>`)
	for _, path := range []string{"/", "/datasets", "/orders", "/deliveries", "/consent", "/settings"} {
		for _, lang := range []string{"zh-CN", "en"} {
			code, _, body := get(t, dm.URL()+path, dem, &http.Cookie{Name: "lang", Value: lang})
			if code != http.StatusOK {
				t.Errorf("%s in %s: %d", path, lang, code)
			}
			// English pages carry no Chinese outside the names of the
			// organisations and the language switch; Chinese pages no
			// untranslated English headings.
			if lang == "en" {
				rest := body
				for _, allowed := range []string{"上海供方数据有限公司", "北京需方科技有限公司", "消费能力标签", "营销画像", "hulian 互联", "中文", "运维"} {
					rest = strings.ReplaceAll(rest, allowed, "")
				}
				if i := strings.IndexFunc(rest, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }); i >= 0 {
					t.Errorf("%s in English has Chinese: %q", path, rest[max(0, i-40):min(len(rest), i+40)])
				}
			}
		}
	}
}

// TestConsoleLogin: the console's session rules are the platform's — a
// wrong password is refused on the form, attempts are limited, logging out
// needs the session's CSRF token and ends the session, a disabled account
// cannot log in, and a database fault is an error page, not "log in".
func TestConsoleLogin(t *testing.T) {
	t.Parallel()
	// The node's clock, held still where the limits are counted: on a
	// loaded machine an attempt may take longer than a limit's refill.
	var held atomic.Pointer[time.Time]
	m := start(t, server.Config{Node: node.Config{Now: func() time.Time {
		if at := held.Load(); at != nil {
			return *at
		}
		return time.Now()
	}}})
	ctx := context.Background()

	// No account yet: the login page says how to make one.
	_, _, body := get(t, m.URL()+"/login")
	wantAll(t, "login", body, "hulian node staff add --login admin")

	if _, err := m.Staff.Create(ctx, "Ops", "运维", "short", "test"); err == nil {
		t.Error("a short password was accepted")
	}
	session := login(t, m)

	code, _, body := post(t, m.URL()+"/login", url.Values{"login": {"ops"}, "password": {"wrong password!"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "登录名或密码错误") || !strings.Contains(body, `value="ops"`) {
		t.Errorf("wrong password: %d\n%s", code, body)
	}
	code, _, _ = get(t, m.URL()+"/login?next=/datasets", session)
	if code != http.StatusSeeOther {
		t.Errorf("login page while logged in: %d, want a redirect", code)
	}

	// Logging out without the token is refused; with it, the session ends.
	code, _, _ = post(t, m.URL()+"/logout", url.Values{}, session)
	if code != http.StatusForbidden {
		t.Errorf("logout without CSRF: %d, want 403", code)
	}
	if code, _, _ = get(t, m.URL()+"/settings", session); code != http.StatusOK {
		t.Fatalf("session ended by a forged logout: %d", code)
	}
	_, _, page := get(t, m.URL()+"/settings", session)
	csrf := between(page, `name="csrf" value="`, `"`)
	if code, _, _ = post(t, m.URL()+"/logout", url.Values{"csrf": {csrf}}, session); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	if code, h, _ := get(t, m.URL()+"/settings", session); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
		t.Errorf("after logout: %d %s", code, h.Get("Location"))
	}

	// A disabled account cannot log in.
	if _, err := m.Staff.Create(ctx, "temp", "临时", "another long password", "test"); err != nil {
		t.Fatal(err)
	}
	if err := m.Staff.Disable(ctx, "temp", "test"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ = post(t, m.URL()+"/login", url.Values{"login": {"temp"}, "password": {"another long password"}}); code != http.StatusUnauthorized {
		t.Errorf("disabled account: %d", code)
	}

	// Guessing one login is limited before any password is hashed.
	limited := false
	now := time.Now()
	held.Store(&now)
	for i := 0; i < 30 && !limited; i++ {
		code, _, _ = post(t, m.URL()+"/login", url.Values{"login": {"victim"}, "password": {"guess"}})
		limited = code == http.StatusTooManyRequests
	}
	held.Store(nil)
	if !limited {
		t.Error("no limit on login attempts")
	}

	// A database fault is not taken for "not logged in".
	session = login(t, m)
	m.Node.DB.Close()
	if code, _, body := get(t, m.URL()+"/settings", session); code != http.StatusServiceUnavailable || !strings.Contains(body, "数据库暂时无法访问，请稍后重试") {
		t.Errorf("session lookup on a closed database: %d\n%s", code, body)
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
