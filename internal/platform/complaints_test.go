package platform_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/platform/trading"
	"hulian/internal/settlement"
)

var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// TestComplaints (X-G3): a stranger files a complaint with evidence (bad
// filings refused naming the field, nothing written; filing says nothing
// of whether what it names exists); the operator accepts it while
// deliveries run, and none that commits after the order's suspension is
// charged or delivered; both members are notified; the supplier answers
// with counter-evidence; the operator restores the order and deliveries
// work again; the complainant follows it with the receipt code alone.
func TestComplaints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 10_000_000})
		cs := e.p.Complaints
		anon := context.Background()
		good := complaints.Filing{Kind: "privacy", Complainant: "张三", Contact: "zhangsan@example.com", Concerns: e.order.ID,
			Description: "我的手机号未经同意被用于配送", Files: []complaints.File{{Name: "短信截图说明.pdf", Data: pdf}}}
		for _, c := range []struct {
			mutate func(f *complaints.Filing)
			field  string
		}{
			{func(f *complaints.Filing) { f.Kind = "noise" }, "kind"},
			{func(f *complaints.Filing) { f.Contact = "" }, "contact"},
			{func(f *complaints.Filing) { f.Files = nil }, "evidence"},
			{func(f *complaints.Filing) {
				f.Files = []complaints.File{{Name: "x.exe", Data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00")}}
			}, "evidence"},
			{func(f *complaints.Filing) {
				f.Files = []complaints.File{{Name: "big.txt", Data: make([]byte, complaints.MaxEvidence+1)}}
			}, "evidence"},
		} {
			f := good
			c.mutate(&f)
			_, err := cs.File(anon, f)
			wantErr(t, "filing "+c.field, err, errs.Invalid, c.field)
		}
		if n := len(e.entries(t, complaints.KindFiled)); n != 0 {
			t.Fatalf("refused filings logged %d entries", n)
		}
		nobody := good
		nobody.Concerns = "ord_doesnotexist"
		if _, err := cs.File(anon, nobody); err != nil {
			t.Errorf("a complaint naming what does not exist is not received like any other: %v", err)
		}
		rc, err := cs.File(anon, good)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := cs.Status(anon, rc.ID, rc.Code); err != nil || st.Status != complaints.Received || st.Contact != "zhangsan@example.com" {
			t.Errorf("status: %v %+v", err, st)
		}
		if _, err := cs.Status(anon, rc.ID, "WRONGCODE"); !errs.Is(err, errs.NotFound) {
			t.Errorf("a wrong code: %v", err)
		}

		// Deliveries run while the operator accepts the complaint.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var charged, refused int
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("cc-%d", i)
				_, err := e.r.Deliver(e.demNode, e.order.ID, id, e.tokens(t, e.people[:50]), e.auth(e.order.ID, id, e.tokens(t, e.people[:50])), relay.Authorisations{})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					charged++
				case errs.Is(err, errs.FailedPrecondition):
					refused++
				default:
					t.Errorf("delivery %d: %v", i, err)
				}
			}()
		}
		if _, err := cs.Accept(e.op, rc.ID, e.order.ID, "证据初步成立，暂停该订单"); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		// In the log, no delivery of the order follows its suspension.
		es, err := e.log.Entries(auth.WithActor(context.Background(), auth.System), store.LogFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		suspendedAt, deliveries := int64(-1), 0
		for _, x := range es {
			switch {
			case x.Kind == trading.KindOrderSuspended && x.Object == e.order.ID && suspendedAt < 0:
				suspendedAt = x.Seq
			case x.Kind == settlement.KindDelivered && x.Object == e.order.ID:
				deliveries++
				if suspendedAt >= 0 {
					t.Errorf("delivery entry %d follows the suspension at %d", x.Seq, suspendedAt)
				}
			}
		}
		if suspendedAt < 0 || deliveries != charged || charged+refused != 8 {
			t.Errorf("suspension at %d, %d delivery entries, %d charged, %d refused", suspendedAt, deliveries, charged, refused)
		}
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "after", e.tokens(t, e.people[:5]), e.auth(e.order.ID, "after", e.tokens(t, e.people[:5])), relay.Authorisations{}); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a delivery after the suspension: %v", err)
		}
		for _, ctx := range []context.Context{e.dem.ctx, e.sup.ctx} {
			if ns, _ := e.p.Notices(ctx, ""); len(ns) != 1 {
				t.Errorf("%d notices of the suspension", len(ns))
			}
		}

		_, err = cs.Answer(e.sup.ctx, rc.ID, "", nil)
		wantErr(t, "an empty answer", err, errs.Invalid, "answer")
		if _, err := cs.Answer(e.sup.ctx, rc.ID, "该号码持有人已签署授权，见附件", []complaints.File{{Name: "授权记录.txt", Data: []byte("authorisation record 2026-03-02 signed")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Restore(e.op, rc.ID, "抗辩证据充分，恢复订单"); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Restore(e.op, rc.ID, "again"); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("restoring twice: %v", err)
		}
		if _, err := e.r.Deliver(e.demNode, e.order.ID, "restored", e.tokens(t, e.people[:5]), e.auth(e.order.ID, "restored", e.tokens(t, e.people[:5])), relay.Authorisations{}); err != nil {
			t.Errorf("a delivery after the order was restored: %v", err)
		}
		st, err := cs.Status(anon, rc.ID, rc.Code)
		if err != nil || st.Status != complaints.Restored || st.Order != "" || st.Supplier != "" {
			t.Errorf("the complainant's view: %v %+v", err, st)
		}
		_, ev, err := cs.Get(e.sup.ctx, rc.ID)
		if err != nil || len(ev) != 2 {
			t.Errorf("evidence: %v %d", err, len(ev))
		}
		if other, err := cs.List(e.sup.ctx, ""); err != nil || len(other) != 1 {
			t.Errorf("the supplier sees %d complaints (not the one about nothing): %v", len(other), err)
		}
	})
}
