package server_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// postFile posts a multipart form with one file, as the console's upload
// forms do.
func postFile(t *testing.T, u string, fields map[string]string, file, name, content string, cookies ...*http.Cookie) (int, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(file, name)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestChecksPage (issue 17, reports): the member's staff run each
// self-check on the node console and read its report — each finding with
// its clause, where it is and the fix — on a page that prints without its
// forms; bad input is shown again with the error; strangers get the login.
func TestChecksPage(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 10)
	base := x.supplier.URL()
	if code, h, _ := get(t, base+"/checks"); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("a stranger: %d", code)
	}
	staff := login(t, x.supplier)
	_, _, page := get(t, base+"/checks", staff)
	wantAll(t, "the checks page", page, `id="check-necessity"`, `<option>地图导航类</option>`, `id="check-pricing"`, `class="no-print"`)
	csrf := between(page, `name="csrf" value="`, `"`)

	code, _, body := post(t, base+"/checks/necessity", url.Values{"csrf": {csrf}, "app_type": {"地图导航类"}, "fields": {"位置信息,手机号"}}, staff)
	if code != http.StatusOK || !strings.Contains(body, `data-check="necessity"`) || !strings.Contains(body, `class="finding"`) || !strings.Contains(body, "1 个不属于必要个人信息") {
		t.Errorf("necessity: %d\n%s", code, body)
	}
	if code, _, body := post(t, base+"/checks/necessity", url.Values{"csrf": {csrf}, "app_type": {"地图导航类"}, "fields": {"身份正号"}}, staff); code != http.StatusBadRequest || !strings.Contains(body, "身份证号") {
		t.Errorf("an unknown field: %d", code)
	}
	if code, _, body := post(t, base+"/checks/consent-flow", url.Values{"csrf": {csrf}, "point": {"{\"name\": \"x\",\n\"colour\": 1}"}}, staff); code != http.StatusBadRequest || !strings.Contains(body, `id="error"`) {
		t.Errorf("a broken collection point: %d", code)
	}
	code, body = postFile(t, base+"/checks/policy", map[string]string{"csrf": csrf}, "policy", "policy.txt", "我们会收集您的手机号码、位置信息用于服务。\n投诉请联系我们：privacy@jia.example.cn", staff)
	if code != http.StatusOK || !strings.Contains(body, `data-check="policy"`) || !strings.Contains(body, "未找到保存期限") || !strings.Contains(body, "第 2 行") {
		t.Errorf("policy: %d\n%s", code, body)
	}
	var log strings.Builder
	log.WriteString("customer,product,time,price,channel,device\n")
	for i := range 40 {
		price := 100.0 + float64(i%4)*0.5
		if i%2 == 0 {
			price += 8
		}
		fmt.Fprintf(&log, "c%d,p1,2026-11-03 10:%02d,%.2f,app,%s\n", i, i, price, []string{"ios", "android"}[i%2])
	}
	code, body = postFile(t, base+"/checks/pricing", map[string]string{"csrf": csrf, "window": "1h"}, "prices", "prices.csv", log.String(), staff)
	if code != http.StatusOK || !strings.Contains(body, `data-check="pricing"`) || !strings.Contains(body, "价格随「device」而不同") {
		t.Errorf("pricing: %d\n%s", code, body)
	}
	if code, _ := postFile(t, base+"/checks/pricing", map[string]string{"csrf": csrf}, "prices", "prices.csv", "customer,product\n", staff); code != http.StatusBadRequest {
		t.Errorf("a bad price log: %d", code)
	}
	// An upload over the limit is named as such, not taken for a stale form.
	if code, body := postFile(t, base+"/checks/policy", map[string]string{"csrf": csrf}, "policy", "big.txt", strings.Repeat("隐私政策。", 3<<20), staff); code != http.StatusBadRequest || !strings.Contains(body, "32 MiB") {
		t.Errorf("an upload over 32 MiB: %d", code)
	}
}
