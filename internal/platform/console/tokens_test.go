package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/errs"
)

var secretRe = regexp.MustCompile(`hlt_[a-z2-7]{52}`)

// TestTokensPage: a member creates a scoped, expiring token on the console;
// its secret is on that one response (not cached) and works; the list shows
// it by name, scope and Beijing time; revoking it ends it; a form without a
// scope is shown again with the error at the scope.
func TestTokensPage(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.apply(t, 41, "令牌测试有限公司", "tok.ltd")
	b := p.browser(t)
	b.login("tok.ltd")
	csrf := b.csrf()

	r := b.post("/tokens", url.Values{"csrf": {csrf}, "name": {"每日批量"}, "scope": {"exid", "quota"}, "ttl_days": {"30"}})
	if r.Status != http.StatusOK {
		t.Fatalf("create: status %d\n%s", r.Status, r.Body)
	}
	secrets := secretRe.FindAllString(r.Body, -1)
	if len(secrets) == 0 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the new token's secret is not shown, or the page may be cached (%q)", r.Header.Get("Cache-Control"))
	}
	for _, want := range []string{"每日批量", "exID 转换、额度查询", "(UTC&#43;8)", "只显示这一次"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page after creating lacks %q:\n%s", want, r.Body)
		}
	}
	tok, acct, err := p.Platform.TokenAccount(context.Background(), secrets[0])
	if err != nil || acct.Login != "tok.ltd" || tok.Scope.String() != "exid,quota" {
		t.Fatalf("the shown token: %+v %+v %v", tok, acct, err)
	}

	list := b.get("/tokens")
	if secretRe.MatchString(list.Body) {
		t.Error("the list shows a secret again")
	}
	if !strings.Contains(list.Body, tok.ID) || !strings.Contains(list.Body, "有效") {
		t.Errorf("the list lacks the token or its state")
	}

	r = b.post("/tokens/"+tok.ID+"/revoke", url.Values{"csrf": {csrf}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", r.Status)
	}
	if _, _, err := p.Platform.TokenAccount(context.Background(), secrets[0]); !errs.Is(err, errs.Unauthenticated) {
		t.Errorf("revoked token: %v", err)
	}
	if list := b.get("/tokens?done=revoked"); !strings.Contains(list.Body, "已撤销") || !strings.Contains(list.Body, "令牌已撤销。") {
		t.Error("the list does not show the revocation")
	}

	r = b.post("/tokens", url.Values{"csrf": {csrf}, "name": {"无范围"}, "ttl_days": {"30"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "须至少指定一个令牌范围") || !strings.Contains(r.Body, `value="无范围"`) {
		t.Errorf("a form without a scope: status %d\n%s", r.Status, r.Body)
	}
	b.lang = "en"
	if en := b.get("/tokens"); !strings.Contains(en.Body, "My tokens") || !strings.Contains(en.Body, "exID translation, quota") {
		t.Error("the English page is not in English")
	}
	anon := p.browser(t)
	if r := anon.get("/tokens"); r.Status == http.StatusOK {
		t.Error("an anonymous visitor sees a token page")
	}
	_ = auth.ScopeAll
}
