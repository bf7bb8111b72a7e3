package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"hulian/internal/platform/server"
	"hulian/internal/platform/store/storetest"
)

// TestDatabaseDownIsUnavailable: while the platform's database cannot
// answer, a signed node request, a bearer token and a console session are
// all "unavailable, retry" (503, Connect unavailable, in the caller's
// language) — never 401 or 403, and a session is never taken for
// anonymous.
func TestDatabaseDownIsUnavailable(t *testing.T) {
	t.Parallel()
	f := fixtureOn(t, startConfig(t, server.Config{DB: storetest.DSN(t, "sqlite"), MetricsListen: "127.0.0.1:0"}))
	ready := func() (int, string) {
		res, err := http.Get(f.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := ready(); code != http.StatusOK || !strings.Contains(body, `"write":true`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	f.M.DB.Close()
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, `"error":`) {
		t.Errorf("readyz with the database closed: %d %s", code, body)
	}
	const proc = "/hulian.v1.MemberService/GetMember"
	for _, ro := range roles {
		if ro.name != "nodeA" && ro.name != "memberA" && ro.name != "operator" {
			continue
		}
		req, err := http.NewRequest(http.MethodPost, f.URL+proc, strings.NewReader(`{"id":"`+f.A.ID+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "zh-CN")
		res, err := (&http.Client{Transport: ro.prepare(f, req), Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"code":"unavailable"`) || !strings.Contains(string(body), "数据库暂时无法访问") {
			t.Errorf("%s: %d %s", ro.name, res.StatusCode, body)
		}
	}
	// A console page with a session cookie: not a redirect to the login.
	req, _ := http.NewRequest(http.MethodGet, f.URL+"/home", nil)
	req.AddCookie(&http.Cookie{Name: "hulian_session", Value: "hls_" + strings.Repeat("a", 52)})
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("console with a session: %d, want 503", res.StatusCode)
	}
	// The operator sees them counted.
	res, err = http.Get(f.M.MetricsURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `hulian_db_errors_total{kind="unavailable"}`) || strings.Contains(string(b), `hulian_db_errors_total{kind="unavailable"} 0`) {
		t.Errorf("database errors by kind not counted:\n%s", grepLines(string(b), "hulian_db_errors_total"))
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
