package platform_test

import (
	"fmt"
	"strings"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/member"
	"hulian/internal/platform/halts"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// TestHaltsAndSanctions (X-H1, X-V1, X-G2): bad halts and sanctions are
// refused naming the field, writing nothing; a halt of the listing, of its
// category, of the whole platform or of a member stops deliveries with
// the halt's notice as the reason, and lifting it is one action; a
// suspension stops them through the member's standing until lifted, a
// termination for good; each is logged and notified to the member.
func TestHaltsAndSanctions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000})
		hs, ss := e.p.Halts, e.p.Sanctions
		n := 0
		deliver := func() error {
			n++
			id := fmt.Sprintf("h-%d", n)
			_, err := e.r.Deliver(e.demNode, e.order.ID, id, e.tokens(t, e.people[:20]), e.auth(e.order.ID, id, e.tokens(t, e.people[:20])), relay.Authorisations{})
			return err
		}
		if err := deliver(); err != nil {
			t.Fatal(err)
		}
		sup, dem := e.sup.member.ID, e.dem.member.ID

		for _, c := range []struct {
			scope, target, cause, notice, field string
		}{
			{"listing", e.listing.ID, "weather", "x", "cause"},
			{"listing", e.listing.ID, "accident", " ", "notice"},
			{"member", "mem_nobody", "accident", "x", "target"},
			{"moon", "", "accident", "x", "scope"},
			{"platform", "mem_x", "accident", "x", "target"},
			{"category", "no.such", "accident", "x", "target"},
		} {
			_, err := hs.Start(e.op, c.scope, c.target, c.cause, c.notice)
			wantErr(t, c.scope+" "+c.field, err, errs.Invalid, c.field)
		}
		if _, err := hs.Start(e.dem.ctx, "platform", "", "accident", "x"); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("a member halting: %v", err)
		}
		if n := len(e.entries(t, halts.KindStarted)); n != 0 {
			t.Fatalf("refused halts logged %d entries", n)
		}

		cats := e.listing.Tags[0].Category
		for _, c := range []struct{ scope, target string }{{"listing", e.listing.ID}, {"category", cats}, {"platform", ""}, {"member", sup}} {
			h, err := hs.Start(e.op, c.scope, c.target, "technical_failure", "节点证书轮换，预计一小时内恢复")
			if err != nil {
				t.Fatalf("halt %s: %v", c.scope, err)
			}
			err = deliver()
			if !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, "zh"), "节点证书轮换") || !strings.Contains(err.Error(), h.ID) {
				t.Errorf("a delivery under a %s halt: %v", c.scope, err)
			}
			if _, err := hs.Lift(e.op, h.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := hs.Lift(e.op, h.ID); !errs.Is(err, errs.Conflict) {
				t.Errorf("lifting twice: %v", err)
			}
			if err := deliver(); err != nil {
				t.Errorf("after the %s halt was lifted: %v", c.scope, err)
			}
		}
		if n := len(e.entries(t, halts.KindStarted)); n != 4 {
			t.Errorf("%d halt entries", n)
		}
		if ns, _ := e.p.Notices(e.sup.ctx, ""); len(ns) != 4 {
			t.Errorf("the supplier has %d notices, want 4 (its listing's and its own halts, started and lifted)", len(ns))
		}

		// Sanctions.
		for _, c := range []struct {
			m     sanctions.Measure
			field string
		}{
			{sanctions.Measure{Member: "mem_nobody", Kind: "warning", Basis: "rules", Reason: "x"}, "member"},
			{sanctions.Measure{Member: dem, Kind: "fine", Basis: "rules", Reason: "x"}, "kind"},
			{sanctions.Measure{Member: dem, Kind: "warning", Basis: "mood", Reason: "x"}, "basis"},
			{sanctions.Measure{Member: dem, Kind: "warning", Basis: "rules"}, "reason"},
			{sanctions.Measure{Member: dem, Kind: "warning", Basis: "authority", Reason: "x"}, "authority_ref"},
			{sanctions.Measure{Member: dem, Kind: "suspension", Basis: "rules", Reason: "x", Public: true}, "public"},
			{sanctions.Measure{Member: dem, Kind: "correction", Basis: "rules", Reason: "x", CorrectBy: "2020-01-01"}, "correct_by"},
		} {
			_, err := ss.Impose(e.op, c.m)
			wantErr(t, "sanction "+c.field, err, errs.Invalid, c.field)
		}
		if n := len(e.entries(t, sanctions.KindImposed)); n != 0 {
			t.Fatalf("refused sanctions logged %d entries", n)
		}
		if _, err := ss.Impose(e.op, sanctions.Measure{Member: dem, Kind: "warning", Public: true, Basis: "rules", Reason: "未按期提交销毁证明"}); err != nil {
			t.Fatal(err)
		}
		if pub, err := ss.Published(e.op); err != nil || len(pub) != 1 {
			t.Errorf("published warnings: %d %v", len(pub), err)
		}
		if err := deliver(); err != nil {
			t.Errorf("a warning stopped deliveries: %v", err)
		}
		susp, err := ss.Impose(e.op, sanctions.Measure{Member: dem, Kind: "suspension", Basis: "authority", AuthorityRef: "沪网信罚〔2026〕12号", Reason: "行政处罚"})
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := e.p.Member(e.op, dem); m.Standing != member.StandingSuspended {
			t.Errorf("standing %s", m.Standing)
		}
		if err := deliver(); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a delivery for a suspended member: %v", err)
		}
		if _, err := ss.Lift(e.op, susp.ID, "已整改"); err != nil {
			t.Fatal(err)
		}
		if err := deliver(); err != nil {
			t.Errorf("after the suspension was lifted: %v", err)
		}
		if _, err := ss.Impose(e.op, sanctions.Measure{Member: sup, Kind: "termination", Basis: "rules", Reason: "严重违规"}); err != nil {
			t.Fatal(err)
		}
		if err := deliver(); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a delivery from a terminated supplier: %v", err)
		}
		if _, err := ss.Impose(e.op, sanctions.Measure{Member: sup, Kind: "warning", Basis: "rules", Reason: "x"}); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a sanction on a cancelled member: %v", err)
		}
		if mine, err := ss.List(e.dem.ctx, ""); err != nil || len(mine) != 2 {
			t.Errorf("the demander sees %d sanctions: %v", len(mine), err)
		}
		if ns, _ := e.p.Notices(e.dem.ctx, ""); len(ns) != 3 {
			t.Errorf("the demander has %d notices, want 3 (warning, suspension, lifted)", len(ns))
		}
	})
}
