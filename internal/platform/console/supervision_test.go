package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hulian/internal/auth"
)

// TestSupervisionPages (X-H1, X-V1): the operator halts the platform from
// the console (a halt without a notice is shown again with the error at
// the field), the public announcements page shows it to anyone, and the
// operator resumes it; a sanction imposed on a member appears in the
// member's notices with the member's name on the operator's page; the
// regulator sees the page without its forms; a member cannot open it.
func TestSupervisionPages(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	p.staff(t, auth.RoleRegulator, "regulator")
	dem := p.apply(t, 1, "甲零售有限公司", "jia.ltd")

	op := p.browser(t)
	op.login("operator")
	r := op.post("/supervision/halts", url.Values{"csrf": {op.csrf()}, "scope": {"platform"}, "cause": {"technical_failure"}, "notice": {""}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-notice"`) {
		t.Errorf("a halt without a notice: %d", r.Status)
	}
	r = op.post("/supervision/halts", url.Values{"csrf": {op.csrf()}, "scope": {"platform"}, "cause": {"technical_failure"}, "notice": {"数据库主备切换，预计三十分钟"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("halt: %d\n%s", r.Status, r.Body)
	}
	anon := p.browser(t)
	if r := anon.get("/announcements"); r.Status != http.StatusOK || !strings.Contains(r.Body, "数据库主备切换") || !strings.Contains(r.Body, "整个平台") {
		t.Errorf("announcements: %d", r.Status)
	}
	h := regexp.MustCompile(`id="h-(hlt_[a-z2-7]+)" data-in-force="true"`).FindStringSubmatch(op.get("/supervision").Body)
	if h == nil {
		t.Fatal("the halt is not on the supervision page")
	}
	if r = op.post("/supervision/halts/"+h[1]+"/lift", url.Values{"csrf": {op.csrf()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("lift: %d", r.Status)
	}
	if r := anon.get("/announcements"); !strings.Contains(r.Body, "数据互联服务正常") {
		t.Error("the lifted halt is still shown as in force")
	}

	r = op.post("/supervision/sanctions", url.Values{"csrf": {op.csrf()}, "member": {dem.ID}, "kind": {"correction"}, "basis": {"rules"}, "reason": {"未落实最小必要"}, "correct_by": {"2020-01-01"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-correct_by"`) {
		t.Errorf("an order to correct with a past deadline: %d", r.Status)
	}
	r = op.post("/supervision/sanctions", url.Values{"csrf": {op.csrf()}, "member": {dem.ID}, "kind": {"warning"}, "public": {"on"}, "basis": {"rules"}, "reason": {"未按期提交销毁证明"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sanction: %d\n%s", r.Status, r.Body)
	}
	if r := op.get("/supervision"); !strings.Contains(r.Body, "甲零售有限公司") || !strings.Contains(r.Body, "未按期提交销毁证明") {
		t.Error("the sanction is not on the supervision page by the member's name")
	} else if !strings.Contains(r.Body, `id="volume-chart"`) || !regexp.MustCompile(`<title>\d{4}-\d{2} 违规处置: 1</title>`).MatchString(r.Body) {
		t.Error("the supervision page's chart does not count the sanction from the log")
	}
	if r := anon.get("/announcements"); !strings.Contains(r.Body, `id="warnings"`) || !strings.Contains(r.Body, "甲零售有限公司") {
		t.Error("the published warning is not announced")
	}
	mem := p.browser(t)
	mem.login("jia.ltd")
	if r := mem.get("/notices"); r.Status != http.StatusOK || !strings.Contains(r.Body, "运营方对贵方采取措施：警示") || !strings.Contains(r.Body, `class="card unread"`) {
		t.Errorf("the member's notices: %d", r.Status)
	}
	if r := mem.get("/notices"); strings.Contains(r.Body, `class="card unread"`) {
		t.Error("a notice seen is still unread")
	}
	if r := mem.get("/supervision"); r.Status != http.StatusForbidden {
		t.Errorf("a member opening the supervision page: %d", r.Status)
	}
	reg := p.browser(t)
	reg.login("regulator")
	if r := reg.get("/supervision"); r.Status != http.StatusOK || strings.Contains(r.Body, `id="halt-form"`) || !strings.Contains(r.Body, "未按期提交销毁证明") {
		t.Errorf("the regulator's page: %d", r.Status)
	}
}
