package console_test

import (
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/httpserve"
	"hulian/internal/member"
	"hulian/internal/platform"
)

func TestRootRedirects(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	p.apply(t, 1, "甲公司", "jia.ltd")
	op, mem := p.browser(t), p.browser(t)
	op.login("operator")
	mem.login("jia.ltd")
	for _, tc := range []struct {
		name string
		b    *browser
		want string
	}{
		{"anonymous", p.browser(t), "/login"},
		{"operator", op, "/members"},
		{"member", mem, "/home"},
	} {
		if r := tc.b.get("/"); r.Status != http.StatusSeeOther || r.Location != tc.want {
			t.Errorf("%s: GET / = %d %q, want 303 %q", tc.name, r.Status, r.Location, tc.want)
		}
	}
	// A page that needs a login sends a visitor to log in and back.
	if r := p.browser(t).get("/members?stage=applied"); r.Location != "/login?next=%2Fmembers%3Fstage%3Dapplied" {
		t.Errorf("anonymous GET /members: Location %q", r.Location)
	}
}

func TestLoginCookie(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		p := startPlatform(t, secure)
		p.staff(t, auth.RoleOperator, "operator")
		r := p.browser(t).post("/login", url.Values{"login": {"Operator "}, "password": {password}, "next": {"/members?stage=applied"}})
		if r.Status != http.StatusSeeOther || r.Location != "/members?stage=applied" {
			t.Fatalf("login: %d %q", r.Status, r.Location)
		}
		var c *http.Cookie
		for _, k := range r.Cookies {
			if k.Name == httpserve.CookieName(auth.SessionCookie, secure) {
				c = k
			}
		}
		if c == nil {
			t.Fatal("no session cookie")
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != secure || c.MaxAge != int(platform.SessionTTL.Seconds()) {
			t.Errorf("secure=%v: cookie %+v", secure, c)
		}
	}
}

func TestLoginRejectsAndKeepsLocal(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	b := p.browser(t)
	r := b.post("/login", url.Values{"login": {"operator"}, "password": {"wrong password!"}})
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, `<p class="field-error" id="e-login">登录名或密码错误</p>`) {
		t.Errorf("wrong password: %d\n%s", r.Status, r.Body)
	}
	if strings.Contains(r.Body, "wrong password!") {
		t.Error("the password was echoed back")
	}
	// After login only a local path is followed.
	r = b.post("/login", url.Values{"login": {"operator"}, "password": {password}, "next": {"//evil.example/x"}})
	if r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Errorf("login with foreign next: %d %q", r.Status, r.Location)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	m := p.apply(t, 1, "甲公司", "jia.ltd")
	op := p.browser(t)
	op.login("operator")
	token := op.csrf()
	approve := func(extra url.Values, header ...string) response {
		f := url.Values{"decision": {"approve"}}
		for k, v := range extra {
			f[k] = v
		}
		return op.post("/members/"+m.ID+"/review", f, header...)
	}
	for _, tc := range []struct {
		name   string
		res    response
		status int
	}{
		{"no token", approve(nil), http.StatusForbidden},
		{"wrong token", approve(url.Values{"csrf": {token + "x"}}), http.StatusForbidden},
		{"token of another session", approve(url.Values{"csrf": {otherToken(t, p)}}), http.StatusForbidden},
		{"cross-site", approve(url.Values{"csrf": {token}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden},
		{"foreign origin", approve(url.Values{"csrf": {token}}, "Origin", "http://evil.example"), http.StatusForbidden},
	} {
		if tc.res.Status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, tc.res.Status, tc.status)
		}
		if got := p.stage(t, m.ID); got != member.StageApplied {
			t.Fatalf("%s: stage changed to %s", tc.name, got)
		}
	}
	if r := approve(url.Values{"csrf": {token}, "next": {"/members"}}); r.Status != http.StatusSeeOther || r.Location != "/members" {
		t.Fatalf("with token: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if got := p.stage(t, m.ID); got != member.StageQualified {
		t.Errorf("stage %s, want qualified", got)
	}
	// Visitors have no session token; their posts are still refused when
	// a browser says they come from another site.
	r := p.browser(t).post("/login", url.Values{"login": {"operator"}, "password": {password}}, "Sec-Fetch-Site", "cross-site")
	if r.Status != http.StatusForbidden {
		t.Errorf("cross-site login: status %d", r.Status)
	}
}

func otherToken(t *testing.T, p *platformT) string {
	b := p.browser(t)
	b.login("operator")
	return b.csrf()
}

// TestLoginRateLimit spends the per-login and then the per-client budget
// from one address. The platform clock stands still, so nothing refills
// until the test moves it.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	b := p.browser(t)
	attempt := func(login, pw string) response {
		return b.post("/login", url.Values{"login": {login}, "password": {pw}})
	}
	for i := 1; i <= 5; i++ {
		if r := attempt("operator", "not the password"); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d", i, r.Status)
		}
	}
	// Even the right password is refused until the bucket refills.
	r := attempt("OPERATOR", password)
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "登录尝试过于频繁，请一分钟后再试") {
		t.Errorf("6th attempt on one login: status %d Retry-After %q\n%s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	// Another login from the same client is not blocked by that one.
	if r := attempt("someone.else", "x"); r.Status != http.StatusUnauthorized {
		t.Errorf("other login: status %d", r.Status)
	}
	for i := 8; i <= 20; i++ {
		if r := attempt("operator", password); r.Status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: status %d", i, r.Status)
		}
	}
	// Twenty attempts from one address: now every login is refused.
	b.lang = "en"
	if r := attempt("fresh.login", "x"); r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "too many login attempts; wait a minute and try again") {
		t.Errorf("21st attempt from one client: status %d\n%s", r.Status, r.Body)
	}
	p.clock.Add(time.Minute)
	if r := attempt("operator", password); r.Status != http.StatusSeeOther {
		t.Errorf("a minute later: status %d", r.Status)
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	b := p.browser(t)
	if r := b.get("/login"); !strings.Contains(r.Body, `<html lang="zh-CN">`) || !strings.Contains(r.Body, `<a class="lang" href="/lang/en?next=%2flogin"`) {
		t.Fatalf("default page is not Chinese with an English switch:\n%s", r.Body)
	}
	r := b.get("/lang/en?next=%2flogin")
	if r.Status != http.StatusSeeOther || r.Location != "/login" {
		t.Fatalf("switch: %d %q", r.Status, r.Location)
	}
	if len(r.Cookies) != 1 || r.Cookies[0].Name != "lang" || r.Cookies[0].Value != "en" || !r.Cookies[0].HttpOnly {
		t.Fatalf("switch cookies: %+v", r.Cookies)
	}
	if r := b.get("/login"); !strings.Contains(r.Body, `<html lang="en">`) || !strings.Contains(r.Body, "<h1>Log in</h1>") {
		t.Errorf("page after switching is not English:\n%s", r.Body)
	}
	// Errors follow the language too.
	if r := b.post("/login", url.Values{"login": {"operator"}, "password": {"x"}}); !strings.Contains(r.Body, "wrong login or password") {
		t.Errorf("error not in English:\n%s", r.Body)
	}
	b.get("/lang/zh-CN?next=/apply")
	if r := b.get("/apply"); !strings.Contains(r.Body, "<h1>申请入网</h1>") {
		t.Errorf("page after switching back is not Chinese")
	}
	// The switch returns only to local pages.
	for _, next := range []string{"https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"} {
		if r := b.get("/lang/en?next=" + url.QueryEscape(next)); r.Location != "/" {
			t.Errorf("next=%q: Location %q", next, r.Location)
		}
	}
}

// TestOnboardingPages follows a member from application to an open
// account through the console's forms.
func TestOnboardingPages(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	v := p.browser(t)
	form := url.Values{
		"name": {"上海丙数据有限公司"}, "uscc": {application(7, "").USCC}, "industry": {"i64"},
		"contact_name": {"韩梅梅"}, "contact_phone": {"13800000000"}, "contact_email": {"Han@Example.com"},
		"storage_region": {"cn-sh"}, "supplier": {"on"}, "demander": {"on"},
		"login": {"bing.data"}, "display_name": {"韩梅梅"}, "password": {password}, "password_confirm": {password + "!"},
	}
	r := v.post("/apply", form)
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-password_confirm">两次输入的密码不一致`) || !strings.Contains(r.Body, `value="上海丙数据有限公司"`) {
		t.Fatalf("mismatched passwords: %d\n%s", r.Status, r.Body)
	}
	form.Set("password_confirm", password)
	if r := v.post("/apply", form); r.Status != http.StatusSeeOther || r.Location != "/login?applied=1" {
		t.Fatalf("apply: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	if r := v.post("/apply", form); r.Status != http.StatusConflict || !strings.Contains(r.Body, "该统一社会信用代码已注册为成员") {
		t.Errorf("duplicate application: %d", r.Status)
	}
	if r := v.get("/login?applied=1"); !strings.Contains(r.Body, "申请已提交") {
		t.Error("no confirmation after applying")
	}
	v.login("bing.data")
	if r := v.get("/home"); !strings.Contains(r.Body, "正在等待运营方审核") {
		t.Fatalf("home while applied:\n%s", r.Body)
	}
	id := memberID(t, p, "bing.data")

	op := p.browser(t)
	op.login("operator")
	r = op.post("/members/"+id+"/review", url.Values{"csrf": {op.csrf()}, "decision": {"reject"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-reason">驳回时必须说明理由`) {
		t.Fatalf("reject without reason: %d\n%s", r.Status, r.Body)
	}
	if r := op.post("/members/"+id+"/review", url.Values{"csrf": {op.csrf()}, "decision": {"reject"}, "reason": {"营业执照已过期"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reject: %d", r.Status)
	}

	token := v.csrf()
	if r := v.get("/home"); !strings.Contains(r.Body, "营业执照已过期") || !strings.Contains(r.Body, `action="/home/resubmit"`) {
		t.Fatalf("home after rejection:\n%s", r.Body)
	}
	resub := url.Values{"csrf": {token}}
	for _, k := range []string{"name", "uscc", "industry", "contact_name", "contact_phone", "contact_email", "storage_region", "supplier"} {
		resub.Set(k, form.Get(k))
	}
	if r := v.post("/home/resubmit", resub); r.Status != http.StatusSeeOther {
		t.Fatalf("resubmit: %d\n%s", r.Status, r.Body)
	}
	p.approve(t, id)

	if r := v.post("/home/agreement", url.Values{"csrf": {token}, "agreement_version": {p.Platform.Agreement}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-agree"`) {
		t.Errorf("sign without ticking: %d", r.Status)
	}
	if r := v.post("/home/agreement", url.Values{"csrf": {token}, "agree": {"on"}, "agreement_version": {"old-version"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-agreement_version"`) {
		t.Errorf("sign another version: %d", r.Status)
	}
	if r := v.post("/home/agreement", url.Values{"csrf": {token}, "agree": {"on"}, "agreement_version": {p.Platform.Agreement}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign: %d\n%s", r.Status, r.Body)
	}

	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	ed, _, _ := ed25519.GenerateKey(rand.Reader)
	xb64 := base64.StdEncoding.EncodeToString(x.PublicKey().Bytes())
	edb64 := base64.RawURLEncoding.EncodeToString(ed)
	for _, tc := range []struct{ x, ed, field string }{
		{"", edb64, "x25519_public_key"},
		{"not base64!", edb64, "x25519_public_key"},
		{xb64, base64.StdEncoding.EncodeToString(ed[:16]), "ed25519_public_key"},
	} {
		r := v.post("/home/keys", url.Values{"csrf": {token}, "x25519_public_key": {tc.x}, "ed25519_public_key": {tc.ed}})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-`+tc.field+`"`) {
			t.Errorf("keys %q %q: status %d, want an error at %s", tc.x, tc.ed, r.Status, tc.field)
		}
	}
	if r := v.post("/home/keys", url.Values{"csrf": {token}, "x25519_public_key": {" " + xb64[:20] + "\n" + xb64[20:]}, "ed25519_public_key": {edb64}}); r.Status != http.StatusSeeOther {
		t.Fatalf("keys: %d\n%s", r.Status, r.Body)
	}
	if got := p.stage(t, id); got != member.StageOpened {
		t.Fatalf("stage %s, want opened", got)
	}
	// html/template writes "+" as "&#43;", which a browser shows as "+".
	if r := v.get("/members/" + id); !strings.Contains(r.Body, strings.ReplaceAll(xb64, "+", "&#43;")) {
		t.Errorf("member page lacks the registered key")
	}
	if r := v.get("/home"); !strings.Contains(r.Body, "接入联调由贵单位节点自动完成") {
		t.Errorf("home when opened does not explain the integration test")
	}
}

func memberID(t *testing.T, p *platformT, login string) string {
	t.Helper()
	b := p.browser(t)
	b.login(login)
	r := b.get("/home")
	i := strings.Index(r.Body, `href="/members/`)
	if i < 0 {
		t.Fatalf("no member link on home:\n%s", r.Body)
	}
	rest := r.Body[i+len(`href="/members/`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestAccess checks what each role may reach through the console.
func TestAccess(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	p.staff(t, auth.RoleRegulator, "regulator")
	a := p.apply(t, 1, "甲公司", "jia.ltd")
	other := p.apply(t, 2, "乙公司", "yi.ltd")
	mem, reg := p.browser(t), p.browser(t)
	mem.login("jia.ltd")
	reg.login("regulator")

	if r := mem.get("/members"); r.Status != http.StatusForbidden {
		t.Errorf("member GET /members: %d", r.Status)
	}
	if r := mem.get("/members/" + other.ID); r.Status != http.StatusNotFound {
		t.Errorf("member GET another member: %d", r.Status)
	}
	if r := mem.get("/members/" + a.ID); r.Status != http.StatusOK {
		t.Errorf("member GET own page: %d", r.Status)
	}
	if r := mem.post("/members/"+a.ID+"/review", url.Values{"csrf": {mem.csrf()}, "decision": {"approve"}}); r.Status != http.StatusForbidden {
		t.Errorf("member approving itself: %d", r.Status)
	}
	r := reg.get("/members")
	if r.Status != http.StatusOK || strings.Contains(r.Body, "/review") {
		t.Errorf("regulator list: %d, review forms shown: %v", r.Status, strings.Contains(r.Body, "/review"))
	}
	if r := reg.post("/members/"+a.ID+"/review", url.Values{"csrf": {reg.csrf()}, "decision": {"approve"}}); r.Status != http.StatusForbidden {
		t.Errorf("regulator approving: %d", r.Status)
	}
	if got := p.stage(t, a.ID); got != member.StageApplied {
		t.Errorf("stage %s after refused reviews", got)
	}
	if r := reg.get("/members?stage=bogus"); r.Status != http.StatusBadRequest {
		t.Errorf("unknown stage filter: %d", r.Status)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	b := p.browser(t)
	b.login("operator")
	jarCookie := b.c.Jar.Cookies(mustURL(t, p.URL()))
	if r := b.post("/logout", url.Values{"csrf": {b.csrf()}}); r.Status != http.StatusSeeOther || r.Location != "/login" {
		t.Fatalf("logout: %d %q", r.Status, r.Location)
	}
	if r := b.get("/members"); r.Status != http.StatusSeeOther {
		t.Errorf("after logout GET /members: %d", r.Status)
	}
	// The old cookie is dead on the server, not only deleted in the browser.
	replay := p.browser(t)
	replay.c.Jar.SetCookies(mustURL(t, p.URL()), jarCookie)
	if r := replay.get("/members"); r.Status != http.StatusSeeOther {
		t.Errorf("replayed session cookie: %d", r.Status)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	b := p.browser(t)
	r := b.get("/static/console.css")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("css: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Cache-Control"))
	}
	if strings.Contains(r.Body, "http://") || strings.Contains(r.Body, "https://") || strings.Contains(r.Body, "@import") {
		t.Error("the style sheet refers to the network")
	}
}
