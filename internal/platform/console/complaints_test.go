package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hulian/internal/auth"
)

// complainForm is a multipart complaint with the given evidence files.
func complainForm(t *testing.T, fields map[string]string, files map[string][]byte) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := w.CreateFormFile("evidence", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	return w.FormDataContentType(), &b
}

// TestComplaintPages (X-G3): a stranger files a complaint on the public
// form (one without evidence is shown again with the error at the field)
// and gets a receipt code; the operator accepts it, suspending the order;
// the supplier sees it without the complainant's identity and answers;
// the operator restores the order; the complainant follows it by code.
func TestComplaintPages(t *testing.T) {
	t.Parallel()
	m := startMarket(t)
	m.staff(t, auth.RoleOperator, "operator")
	o := m.activeOrder(t)

	anon := m.browser(t)
	// A member's privacy centre escalates here with the form prefilled.
	if r := anon.get("/complain?kind=privacy&concerns=" + url.QueryEscape("成员 mem_x（其隐私中心请求 req_y）")); !strings.Contains(r.Body, `value="成员 mem_x（其隐私中心请求 req_y）"`) ||
		!strings.Contains(r.Body, `value="privacy" checked`) {
		t.Errorf("the prefilled form:\n%s", r.Body)
	}
	fields := map[string]string{"kind": "privacy", "complainant": "张三", "contact": "13800000000", "concerns": o.ID, "description": "未经同意使用我的号码"}
	ct, body := complainForm(t, fields, nil)
	req := func(ct string, body *bytes.Buffer) response {
		rq, _ := http.NewRequest(http.MethodPost, anon.base+"/complain", body)
		rq.Header.Set("Content-Type", ct)
		return anon.do(rq)
	}
	if r := req(ct, body); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-evidence"`) {
		t.Errorf("a complaint without evidence: %d", r.Status)
	}
	ct, body = complainForm(t, fields, map[string][]byte{"说明.txt": []byte("2026-03-01 收到营销短信，号码未授权")})
	r := req(ct, body)
	code := regexp.MustCompile(`id="receipt-code">([A-Z2-7]+)<`).FindStringSubmatch(r.Body)
	id := regexp.MustCompile(`(cpl_[a-z2-7]+)`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusOK || code == nil || id == nil {
		t.Fatalf("filing: %d\n%s", r.Status, r.Body)
	}
	if r := anon.get("/complain/status?id=" + id[1] + "&code=" + code[1]); !strings.Contains(r.Body, `data-status="received"`) {
		t.Errorf("status: %d", r.Status)
	}
	if r := anon.get("/complain/status?id=" + id[1] + "&code=AAAA"); r.Status != http.StatusNotFound {
		t.Errorf("a wrong code: %d", r.Status)
	}

	op := m.browser(t)
	op.login("operator")
	if r := op.get("/complaints"); !strings.Contains(r.Body, id[1]) {
		t.Error("the operator's list lacks the complaint")
	}
	if r := op.post("/complaints/"+id[1]+"/accept", url.Values{"csrf": {op.csrf()}, "order": {"ord_nope"}, "note": {"初步成立"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-order"`) {
		t.Errorf("accepting for no order: %d", r.Status)
	}
	if r := op.post("/complaints/"+id[1]+"/accept", url.Values{"csrf": {op.csrf()}, "order": {o.ID}, "note": {"初步成立"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", r.Status, r.Body)
	}
	sup := m.browser(t)
	sup.login("jia.data")
	r = sup.get("/complaints/" + id[1])
	if r.Status != http.StatusOK || strings.Contains(r.Body, "13800000000") || strings.Contains(r.Body, "张三") || !strings.Contains(r.Body, `id="answer-form"`) {
		t.Errorf("the supplier's view: %d", r.Status)
	}
	if r := sup.post("/complaints/"+id[1]+"/answer", url.Values{"csrf": {sup.csrf()}, "answer": {"号码持有人已授权"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", r.Status, r.Body)
	}
	if r := op.post("/complaints/"+id[1]+"/restore", url.Values{"csrf": {op.csrf()}, "note": {"抗辩成立"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("restore: %d", r.Status)
	}
	if r := anon.get("/complain/status?id=" + id[1] + "&code=" + code[1]); !strings.Contains(r.Body, `data-status="restored"`) {
		t.Errorf("the complainant's status: %d", r.Status)
	}
	if r := anon.get("/complaints/" + id[1]); r.Status == http.StatusOK {
		t.Error("a stranger opened the complaint's page")
	}
	// A complaint about the listing: the page names it and what it
	// suspended, by title.
	ct, body = complainForm(t, fields, map[string][]byte{"说明.txt": []byte("挂牌数据含未授权号码")})
	r = req(ct, body)
	id2 := regexp.MustCompile(`(cpl_[a-z2-7]+)`).FindStringSubmatch(r.Body)
	if id2 == nil {
		t.Fatalf("second filing: %d", r.Status)
	}
	if r := op.post("/complaints/"+id2[1]+"/accept", url.Values{"csrf": {op.csrf()}, "order": {m.Listing.ID}, "note": {"暂停该挂牌"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept a listing: %d\n%s", r.Status, r.Body)
	}
	if r := sup.get("/complaints/" + id2[1]); !strings.Contains(r.Body, `id="cp-listing"`) || !strings.Contains(r.Body, m.Listing.Title) || !strings.Contains(r.Body, o.ID) {
		t.Errorf("the listing complaint's page:\n%s", r.Body)
	}
}
