package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/member"
	"hulian/internal/platform/store"
)

// TestBulkReject: the operator rejects a wave of applications with one
// reason, all or none, each logged; nobody else can.
func TestBulkReject(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	spam1 := p.apply(t, 1, "垃圾申请一", "spam1")
	spam2 := p.apply(t, 2, "垃圾申请二", "spam2")
	real := p.apply(t, 3, "真实公司", "real.co")
	p.approve(t, real.ID)
	op := p.browser(t)
	op.login("operator")

	r := op.get("/members?stage=applied")
	for _, want := range []string{`form="bulk-reject"`, `value="` + spam1.ID + `"`, `action="/members/reject"`} {
		if !strings.Contains(r.Body, want) {
			t.Fatalf("the review queue lacks %q:\n%s", want, r.Body)
		}
	}
	// One that is no longer awaiting review holds back the rest, by name.
	r = op.post("/members/reject", url.Values{"csrf": {op.csrf()}, "id": {spam1.ID, real.ID, spam2.ID}, "reason": {"垃圾申请"}})
	if r.Status != http.StatusConflict && r.Status != http.StatusBadRequest && r.Status != http.StatusPreconditionFailed {
		t.Errorf("bulk rejection with an approved member: %d", r.Status)
	}
	if !strings.Contains(r.Body, "真实公司") || !strings.Contains(r.Body, `value="`+spam1.ID+`" form="bulk-reject" aria-label="选择 垃圾申请一" checked`) {
		t.Errorf("the refusal does not name the member or keep the ticks:\n%s", r.Body)
	}
	if p.stage(t, spam1.ID) != member.StageApplied {
		t.Fatal("part of a refused bulk rejection took effect")
	}
	if r := op.post("/members/reject", url.Values{"csrf": {op.csrf()}, "id": {spam1.ID}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "驳回时必须说明理由") {
		t.Errorf("without a reason: %d", r.Status)
	}
	r = op.post("/members/reject", url.Values{"csrf": {op.csrf()}, "id": {spam1.ID, spam2.ID, spam2.ID}, "reason": {"垃圾申请"}})
	if r.Status != http.StatusSeeOther || r.Location != "/members?stage=applied&rejected=2" {
		t.Fatalf("bulk rejection: %d %q", r.Status, r.Location)
	}
	if r := op.get(r.Location); !strings.Contains(r.Body, `id="bulk-done">已驳回的申请数： 2`) {
		t.Errorf("no confirmation:\n%s", r.Body)
	}
	for _, id := range []string{spam1.ID, spam2.ID} {
		if p.stage(t, id) != member.StageRejected {
			t.Errorf("%s not rejected", id)
		}
		p.transact(t, func(ctx context.Context, tx *store.Tx) error {
			es, err := tx.LogEntries(ctx, store.LogFilter{Member: id, Kind: bizlog.KindMemberRejected})
			if err != nil || len(es) != 1 || !strings.Contains(string(es[0].Payload), "垃圾申请") {
				t.Errorf("%s: log %v %v", id, es, err)
			}
			return nil
		})
	}
	// A member cannot.
	spam3 := p.apply(t, 4, "垃圾申请三", "spam3")
	mem := p.browser(t)
	mem.login("real.co")
	if r := mem.post("/members/reject", url.Values{"csrf": {mem.csrf()}, "id": {spam3.ID}, "reason": {"x"}}); r.Status != http.StatusForbidden {
		t.Errorf("a member rejecting: %d", r.Status)
	}
}
