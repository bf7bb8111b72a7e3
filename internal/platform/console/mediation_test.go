package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/market"
)

// TestMediationPages (X-G4): the demander opens a dispute of its order on
// the form, suspending it (one without a reason is shown again with the
// error at the field); the supplier sees it; a member of neither side
// cannot; the operator extracts the order's log records, shown verified,
// notes the mediation and settles, resuming the order.
func TestMediationPages(t *testing.T) {
	t.Parallel()
	m := startMarket(t)
	m.staff(t, auth.RoleOperator, "operator")
	o := m.activeOrder(t)
	dem, sup, other, op := m.browser(t), m.browser(t), m.browser(t), m.browser(t)
	dem.login("bing.fin")
	sup.login("jia.data")
	other.login("yi.data")
	op.login("operator")

	if r := dem.post("/mediation", url.Values{"csrf": {dem.csrf()}, "order": {o.ID}, "reason": {" "}, "suspend": {"on"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-reason"`) {
		t.Errorf("a dispute without a reason: %d\n%s", r.Status, r.Body)
	}
	r := dem.post("/mediation", url.Values{"csrf": {dem.csrf()}, "order": {o.ID}, "reason": {"第二次配送结果为空"}, "suspend": {"on"}})
	id := regexp.MustCompile(`odp_[a-z2-7]+`).FindString(r.Header.Get("Location"))
	if r.Status != http.StatusSeeOther || id == "" {
		t.Fatalf("open: %d %q", r.Status, r.Body)
	}
	if got, _ := m.Market.Order(m.Dem.ctx(), o.ID); got.Status != market.Suspended {
		t.Errorf("the order after a dispute that affects the exchange: %s", got.Status)
	}
	if r := sup.get("/mediation/" + id); r.Status != http.StatusOK || !strings.Contains(r.Body, "第二次配送结果为空") {
		t.Errorf("the supplier's view: %d", r.Status)
	}
	if r := other.get("/mediation/" + id); r.Status != http.StatusNotFound {
		t.Errorf("a member of neither side: %d", r.Status)
	}
	if r := sup.post("/mediation/"+id+"/note", url.Values{"csrf": {sup.csrf()}, "text": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("a member mediating: %d", r.Status)
	}
	if _, err := m.Log.Checkpoint(auth.WithActor(context.Background(), auth.System)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		step string
		form url.Values
	}{
		{"extract", url.Values{}},
		{"note", url.Values{"text": {"双方核对了第二次请求的令牌承诺值"}}},
		{"settle", url.Values{"text": {"配送无误，恢复订单"}, "resume": {"on"}}},
	} {
		s.form.Set("csrf", op.csrf())
		if r := op.post("/mediation/"+id+"/"+s.step, s.form); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", s.step, r.Status, r.Body)
		}
	}
	r = dem.get("/mediation/" + id)
	if !strings.Contains(r.Body, `data-status="settled"`) || !strings.Contains(r.Body, "已验证") || strings.Contains(r.Body, "验证失败") || !strings.Contains(r.Body, "配送无误") {
		t.Errorf("the settled dispute's page:\n%s", r.Body)
	}
	if r := dem.get("/mediation/" + id + "/evidence.json"); r.Status != http.StatusOK || !strings.Contains(r.Body, `"checkpoint"`) {
		t.Errorf("the receipts file: %d", r.Status)
	}
	if got, _ := m.Market.Order(m.Dem.ctx(), o.ID); got.Status != market.Active {
		t.Errorf("the order after settling: %s", got.Status)
	}
}
