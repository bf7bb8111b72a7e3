package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
)

// TestPagesGolden renders the key pages against a real platform and
// compares them with their golden files.
func TestPagesGolden(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	p.staff(t, auth.RoleRegulator, "regulator")
	applied := p.apply(t, 101, "上海甲数据科技有限公司", "jia.ltd")
	p.clock.Add(time.Hour) // the list is newest first
	qualified := p.apply(t, 102, "北京乙信息服务有限公司", "yi.ltd")
	p.approve(t, qualified.ID)

	anon := p.browser(t)
	op := p.browser(t)
	op.login("operator")
	reg := p.browser(t)
	reg.login("regulator")
	mem := p.browser(t)
	mem.login("yi.ltd")
	en := p.browser(t)
	en.lang = "en"

	badUSCC := url.Values{
		"name": {"Shanghai Bing Ltd"}, "uscc": {"91310000MA1FL0000X"}, "industry": {"I64"},
		"contact_name": {"Han Meimei"}, "contact_phone": {"021-1"}, "contact_email": {"han@example.com"},
		"storage_region": {"CN-SH"}, "demander": {"on"},
		"login": {"bing"}, "display_name": {"Han"}, "password": {password}, "password_confirm": {password},
	}
	tests := []struct {
		name   string
		res    func() response
		status int
	}{
		{"login_zh", func() response { return anon.get("/login") }, http.StatusOK},
		{"apply_zh", func() response { return anon.get("/apply") }, http.StatusOK},
		{"apply_invalid_en", func() response { return en.post("/apply", badUSCC) }, http.StatusBadRequest},
		{"members_operator", func() response { return op.get("/members") }, http.StatusOK},
		{"members_applied", func() response { return op.get("/members?stage=applied") }, http.StatusOK},
		{"members_regulator", func() response { return reg.get("/members") }, http.StatusOK},
		{"member_applied", func() response { return op.get("/members/" + applied.ID) }, http.StatusOK},
		{"home_qualified", func() response { return mem.get("/home") }, http.StatusOK},
		{"notfound_en", func() response { return en.get("/no/such/page") }, http.StatusNotFound},
		{"forbidden_zh", func() response { return mem.get("/members") }, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.res()
			if r.Status != tc.status {
				t.Errorf("status %d, want %d", r.Status, tc.status)
			}
			if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			golden(t, tc.name, r.Body)
		})
	}
}
