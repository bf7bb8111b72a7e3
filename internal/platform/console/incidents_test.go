package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
)

// TestIncidentPages (X-P6, X-P14, C-13): a member reports an incident on
// the form (a grade below what the affected count implies is shown again
// with the error at the field); the authority deadline shows, overdue;
// the member cannot close before recording the report, the notification
// and the remediation, then closes; another member cannot open it; the
// operator lists it with the member's name.
func TestIncidentPages(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	a := p.apply(t, 1, "甲公司", "jia.ltd")
	p.approve(t, a.ID)
	b := p.apply(t, 2, "乙公司", "yi.ltd")
	p.approve(t, b.ID)
	mem, other, op := p.browser(t), p.browser(t), p.browser(t)
	mem.login("jia.ltd")
	other.login("yi.ltd")
	op.login("operator")

	if r := mem.get("/incidents"); r.Status != http.StatusOK || !strings.Contains(r.Body, `id="report-form"`) {
		t.Fatalf("the member's incidents page: %d", r.Status)
	}
	found := p.clock.Now().Add(-6 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	form := url.Values{"csrf": {mem.csrf()}, "kind": {"leak"}, "title": {"测试库被公网访问"}, "description": {"误配置导致公网可访问"},
		"grade": {"general"}, "affected": {"1500000"}, "found_at": {found}, "affects_exchange": {"on"}}
	if r := mem.post("/incidents", form); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-grade"`) || !strings.Contains(r.Body, "测试库被公网访问") {
		t.Fatalf("a grade below the count's: %d\n%s", r.Status, r.Body)
	}
	form.Set("grade", "significant")
	r := mem.post("/incidents", form)
	loc := r.Header.Get("Location")
	id := regexp.MustCompile(`inc_[a-z2-7]+`).FindString(loc)
	if r.Status != http.StatusSeeOther || id == "" {
		t.Fatalf("report: %d %q\n%s", r.Status, loc, r.Body)
	}
	r = mem.get("/incidents/" + id)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "报告逾期") || !strings.Contains(r.Body, `id="authority-form"`) {
		t.Fatalf("the incident page: %d\n%s", r.Status, r.Body)
	}
	if r := mem.post("/incidents/"+id+"/closed", url.Values{"csrf": {mem.csrf()}, "text": {"完毕"}}); r.Status != http.StatusConflict && r.Status != http.StatusBadRequest && r.Status != http.StatusPreconditionFailed {
		t.Errorf("closing early: %d", r.Status)
	} else if !strings.Contains(r.Body, "结案前须先记录") {
		t.Errorf("closing early does not say what is missing:\n%s", r.Body)
	}
	for _, s := range []struct {
		step string
		form url.Values
	}{
		{"authority", url.Values{"authority_name": {"上海市网信办"}, "authority_ref": {"沪网信报 12 号"}}},
		{"notified", url.Values{"count": {"1500000"}, "method": {"短信通知"}}},
		{"remediated", url.Values{"text": {"关闭公网访问"}}},
		{"compensated", url.Values{"comp_count": {"12"}, "comp_amount": {"6000.00"}, "comp_text": {"经核实受损的 12 人每人赔付 500 元"}}},
		{"closed", url.Values{"text": {"处置完毕"}}},
	} {
		if s.step == "compensated" {
			// Without saying how: the error is shown at the form's own field.
			r := mem.post("/incidents/"+id+"/compensated", url.Values{"csrf": {mem.csrf()}, "comp_count": {"12"}, "comp_amount": {"6000"}})
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-comp_text"`) || strings.Contains(r.Body, `id="e-text"`) {
				t.Errorf("a compensation without how: %d\n%s", r.Status, r.Body)
			}
		}
		s.form.Set("csrf", mem.csrf())
		if r := mem.post("/incidents/"+id+"/"+s.step, s.form); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", s.step, r.Status, r.Body)
		}
	}
	if r := mem.get("/incidents/" + id); !strings.Contains(r.Body, "已结案") || strings.Contains(r.Body, `id="authority-form"`) || !strings.Contains(r.Body, "¥6000.00") {
		t.Errorf("the closed incident's page:\n%s", mem.get("/incidents/"+id).Body)
	}
	if r := other.get("/incidents/" + id); r.Status != http.StatusNotFound {
		t.Errorf("another member opened it: %d", r.Status)
	}
	if r := op.get("/incidents"); !strings.Contains(r.Body, id) || !strings.Contains(r.Body, "甲公司") || strings.Contains(r.Body, `id="report-form"`) {
		t.Errorf("the operator's list:\n%s", r.Body)
	}
}
