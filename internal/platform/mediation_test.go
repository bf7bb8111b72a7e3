package platform_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/platform/mediation"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// TestOrderDisputes (X-G4): a member of an order opens a dispute that
// affects the exchange, which suspends the order in the same transaction
// (a delivery after it is refused); the other member is notified; a second
// open dispute, a dispute of another's order and one without a reason are
// refused; only the operator mediates: it extracts the order's log records
// as receipts that verify with the log's key alone, notes the mediation and
// settles, resuming the order; both members are notified; the log holds
// the steps with a commitment to the reason, not its text.
func TestOrderDisputes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000})
		md := e.p.Mediation
		n := 0
		deliver := func() error {
			n++
			id := fmt.Sprintf("md-%d", n)
			_, err := e.r.Deliver(e.demNode, e.order.ID, id, e.tokens(t, e.people[:20]), e.auth(e.order.ID, id, e.tokens(t, e.people[:20])), relay.Authorisations{})
			return err
		}
		if err := deliver(); err != nil {
			t.Fatal(err)
		}
		if _, err := md.Open(e.dem.ctx, e.order.ID, " ", true); err == nil {
			t.Error("a dispute without a reason")
		}
		if _, err := md.Open(e.dem.ctx, "ord_nobodys", "x", false); !errs.Is(err, errs.NotFound) {
			t.Errorf("a dispute of no order of ours: %v", err)
		}
		d, err := md.Open(e.dem.ctx, e.order.ID, "第二次配送的结果全部为空，供方称已应答", true)
		if err != nil {
			t.Fatal(err)
		}
		if d.Other != e.sup.member.ID {
			t.Errorf("the other party: %s", d.Other)
		}
		if err := deliver(); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a delivery while the dispute suspends the order: %v", err)
		}
		if _, err := md.Open(e.sup.ctx, e.order.ID, "另一纠纷", false); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second open dispute: %v", err)
		}
		var notes []*store.Notice
		db.Read(e.sup.ctx, func(tx *store.Tx) (err error) { notes, err = tx.Notices(e.sup.ctx, "", 10); return err })
		if len(notes) == 0 || notes[0].Kind != mediation.KindOpened {
			t.Errorf("the supplier's notices: %v", notes)
		}
		if _, err := md.Mediate(e.sup.ctx, d.ID, mediation.Step{Kind: "note", Text: "x"}); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("a member mediating: %v", err)
		}
		if _, err := e.p.Log.Checkpoint(e.op); err != nil {
			t.Fatal(err)
		}
		if d, err = md.Mediate(e.op, d.ID, mediation.Step{Kind: "extract"}); err != nil {
			t.Fatal(err)
		}
		var rs []bizlog.Receipt
		if err := json.Unmarshal(d.Evidence, &rs); err != nil || len(rs) < 4 {
			t.Fatalf("evidence: %d receipts, %v", len(rs), err)
		}
		kinds := map[string]bool{}
		for _, r := range rs {
			if r.Entry.Object != e.order.ID {
				t.Errorf("a receipt of another object: %s", r.Entry.Object)
			}
			if err := r.Verify(e.vkey); err != nil {
				t.Errorf("receipt %d: %v", r.Entry.Seq, err)
			}
			kinds[r.Entry.Kind] = true
		}
		if !kinds["order.suspended"] {
			t.Errorf("the evidence lacks the suspension: %v", kinds)
		}
		if _, err := md.Mediate(e.op, d.ID, mediation.Step{Kind: "note", Text: "双方确认第二次请求的令牌与日志承诺值一致"}); err != nil {
			t.Fatal(err)
		}
		if d, err = md.Mediate(e.op, d.ID, mediation.Step{Kind: "settle", Text: "配送无误，恢复订单", Resume: true}); err != nil || d.Status != store.OrderDisputeSettled {
			t.Fatalf("settle: %+v %v", d, err)
		}
		if o, err := e.p.Market.Order(e.op, e.order.ID); err != nil || o.Status != market.Active {
			t.Errorf("the order after settling: %+v %v", o, err)
		}
		if err := deliver(); err != nil {
			t.Errorf("a delivery after the settlement: %v", err)
		}
		if _, err := md.Mediate(e.op, d.ID, mediation.Step{Kind: "note", Text: "x"}); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a step after settling: %v", err)
		}
		opened := e.entries(t, mediation.KindOpened)
		if len(opened) != 1 || strings.Contains(opened[0], "配送的结果") || !strings.Contains(opened[0], "reason_sha256") {
			t.Errorf("opened entries: %v", opened)
		}
		if got, err := md.List(e.dem.ctx); err != nil || len(got) != 1 || got[0].Notes == nil {
			t.Errorf("the demander's list: %v %v", got, err)
		}
	})
}
