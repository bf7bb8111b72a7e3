package platform_test

import (
	"fmt"
	"testing"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// TestComplaintAboutListing (X-G3): a complaint about a listing, once
// accepted, suspends the listing and every active order under it in the
// same transaction — a delivery under the order is refused from then on;
// the supplier answers; restoring resumes the listing and exactly the
// orders the complaint suspended; a listing that does not exist is refused
// at the field, nothing suspended. A complaint about a member as a whole
// does the same for its published listings and every active order it is
// party to.
func TestComplaintAboutListing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 10_000_000})
		cs := e.p.Complaints
		n := 0
		deliver := func() error {
			n++
			id := fmt.Sprintf("cl-%d", n)
			_, err := e.r.Deliver(e.demNode, e.order.ID, id, e.tokens(t, e.people[:10]), e.auth(e.order.ID, id, e.tokens(t, e.people[:10])), relay.Authorisations{})
			return err
		}
		if err := deliver(); err != nil {
			t.Fatal(err)
		}
		rc, err := cs.File(t.Context(), complaints.Filing{Kind: "privacy", Complainant: "张三", Contact: "zhangsan@example.com", Concerns: e.listing.ID,
			Description: "该挂牌的数据含未经同意的个人信息", Files: []complaints.File{{Name: "说明.txt", Data: []byte("a plain text statement")}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cs.Accept(e.op, rc.ID, "lst_doesnotexist", "初步成立")
		wantErr(t, "an unknown listing", err, errs.Invalid, "order")
		cp, err := cs.Accept(e.op, rc.ID, e.listing.ID, "初步成立，暂停该挂牌")
		if err != nil {
			t.Fatal(err)
		}
		if cp.Listing != e.listing.ID || cp.Supplier != e.sup.member.ID || len(cp.SuspendedOrders) != 1 || cp.SuspendedOrders[0] != e.order.ID {
			t.Fatalf("accepted: %+v", cp)
		}
		if l, _ := e.p.Listings.Listing(e.op, e.listing.ID); l.Status != catalog.StatusSuspended {
			t.Errorf("the listing after the complaint: %s", l.Status)
		}
		if err := deliver(); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a delivery under the listing after the complaint: %v", err)
		}
		if _, err := cs.Answer(e.sup.ctx, rc.ID, "数据均经单独同意", nil); err != nil {
			t.Fatalf("the supplier answers: %v", err)
		}
		if _, err := cs.Restore(e.op, rc.ID, "抗辩成立"); err != nil {
			t.Fatal(err)
		}
		if l, _ := e.p.Listings.Listing(e.op, e.listing.ID); l.Status != catalog.StatusPublished {
			t.Errorf("the listing after restoring: %s", l.Status)
		}
		if o, _ := e.p.Market.Order(e.op, e.order.ID); o.Status != market.Active {
			t.Errorf("the order after restoring: %s", o.Status)
		}
		if err := deliver(); err != nil {
			t.Errorf("a delivery after restoring: %v", err)
		}

		// A complaint about the supplier as a whole: its published listing
		// and every active order it is party to.
		rc, err = cs.File(t.Context(), complaints.Filing{Kind: "trade_secret", Complainant: "某公司", Contact: "legal@example.com", Concerns: "该供方",
			Description: "供方出售我司的客户数据", Files: []complaints.File{{Name: "说明.txt", Data: []byte("a plain text statement")}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = cs.Accept(e.op, rc.ID, "mem_nobody", "初步成立")
		wantErr(t, "an unknown member", err, errs.Invalid, "order")
		if cp, err = cs.Accept(e.op, rc.ID, e.sup.member.ID, "初步成立，暂停该成员的数据互联"); err != nil {
			t.Fatal(err)
		}
		if cp.Member != e.sup.member.ID || len(cp.SuspendedListings) != 1 || len(cp.SuspendedOrders) != 1 {
			t.Fatalf("accepted about a member: %+v", cp)
		}
		if err := deliver(); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a delivery after the complaint about the member: %v", err)
		}
		if _, err := cs.Answer(e.dem.ctx, rc.ID, "不是我", nil); err == nil {
			t.Error("a member the complaint is not about answered it")
		}
		if _, err := cs.Restore(e.op, rc.ID, "证据不足"); err != nil {
			t.Fatal(err)
		}
		if err := deliver(); err != nil {
			t.Errorf("a delivery after restoring the member: %v", err)
		}
	})
}
