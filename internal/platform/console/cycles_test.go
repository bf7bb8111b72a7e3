package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hulian/internal/settlement"
)

// TestCyclePages (X-S1): the demander proposes a quarterly cycle to the
// supplier it has an order with, picked by name; one for a month that has
// begun is shown again with the error at the field. The supplier accepts;
// a member of neither side sees nothing of it, and both parties see the
// cycle in force with their names.
func TestCyclePages(t *testing.T) {
	t.Parallel()
	m := startMarket(t)
	m.activeOrder(t)
	dem, sup, other := m.browser(t), m.browser(t), m.browser(t)
	dem.login("bing.fin")
	sup.login("jia.data")
	other.login("yi.data")

	page := dem.get("/cycles")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="propose-form"`) || !strings.Contains(page.Body, ">"+m.Sup.Name+"</option>") {
		t.Fatalf("the demander's page: %d\n%s", page.Status, page.Body)
	}
	month := settlement.MonthOf(m.clock.Now())
	q := settlement.AddMonths(month, 1)
	for !regexp.MustCompile(`-(01|04|07|10)$`).MatchString(q) {
		q = settlement.AddMonths(q, 1)
	}
	form := url.Values{"csrf": {dem.csrf()}, "counterparty": {m.Sup.ID}, "months": {"3"}, "from": {month}, "note": {"按季度对账"}}
	if r := dem.post("/cycles", form); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-from"`) {
		t.Errorf("a cycle from this month: %d\n%s", r.Status, r.Body)
	}
	form.Set("from", q)
	if r := dem.post("/cycles", form); r.Status != http.StatusSeeOther {
		t.Fatalf("propose: %d\n%s", r.Status, r.Body)
	}
	r := sup.get("/cycles")
	id := regexp.MustCompile(`action="/cycles/(cyc_[a-z2-7]+)/accept"`).FindStringSubmatch(r.Body)
	if id == nil || !strings.Contains(r.Body, "按季度对账") {
		t.Fatalf("the supplier is not asked:\n%s", r.Body)
	}
	if r := dem.get("/cycles"); strings.Contains(r.Body, "/accept") {
		t.Error("the proposer may answer its own proposal")
	}
	if r := other.get("/cycles"); strings.Contains(r.Body, id[1]) {
		t.Error("a member of neither side sees the proposal")
	}
	if r := other.post("/cycles/"+id[1]+"/accept", url.Values{"csrf": {other.csrf()}}); r.Status != http.StatusNotFound {
		t.Errorf("a member of neither side answering: %d", r.Status)
	}
	if r := sup.post("/cycles/"+id[1]+"/accept", url.Values{"csrf": {sup.csrf()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d\n%s", r.Status, r.Body)
	}
	for _, b := range []*browser{dem, sup} {
		r := b.get("/cycles")
		inForce := r.Body[strings.Index(r.Body, `id="in-force"`):strings.Index(r.Body, `id="proposals"`)]
		if !strings.Contains(inForce, m.Sup.Name) || !strings.Contains(inForce, m.Dem.Name) || !strings.Contains(r.Body, `data-status="agreed"`) {
			t.Errorf("the cycle in force:\n%s", r.Body)
		}
	}
}
