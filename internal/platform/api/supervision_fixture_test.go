package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/member"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/incidents"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/store"
)

// The authorization rules of SupervisionService. A halt and a sanction
// are made for each call that acts on one, so that every allowed role
// succeeds. The halts made for the table are of member B, whose trading
// the procedures tried after these (TokenService) do not need.
func init() {
	everyone := append([]string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, public...)
	for proc, r := range map[string]rule{
		"StartHalt": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"scope":"member","target":%q,"cause":"technical_failure","notice":"节点升级"}`, f.B.ID)
		}},
		"LiftHalt": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			h, err := f.M.Exchange.Halts.Start(staffCtx(), "member", f.B.ID, "accident", "意外事件")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"id":%q}`, h.ID)
		}},
		"ImposeSanction": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"member_id":%q,"kind":"warning","basis":"rules","reason":"未按期提交销毁证明"}`, f.A.ID)
		}},
		"LiftSanction": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			sn, err := f.M.Exchange.Sanctions.Impose(staffCtx(), sanctions.Measure{Member: f.A.ID, Kind: "suspension", Basis: "rules", Reason: "整改期间暂停"})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"id":%q,"reason":"已整改"}`, sn.ID)
		}},
		"ListSanctions":    {allowed: seesA, body: func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"member_id":%q}`, f.A.ID) }},
		"ListNotices":      {allowed: seesA, body: func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"member_id":%q}`, f.A.ID) }},
		"GetAnnouncements": {allowed: everyone, body: func(t *testing.T, f *fixture) string { return `{}` }},
		"ReportIncident": {allowed: []string{"memberA", "memberB", "nodeA", "nodeB"}, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"kind":"availability","title":"节点中断","description":"节点宕机 20 分钟","grade":"general","found_at":%q}`,
				time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
		}},
		"RecordIncidentStep": {allowed: []string{"memberA", "nodeA"}, body: func(t *testing.T, f *fixture) string {
			in, err := f.M.Exchange.Incidents.Report(auth.WithActor(context.Background(), f.A.actor()), incidents.Report{Kind: "loss", Title: "备份损坏",
				Description: "一份备份无法恢复", Grade: "general", Found: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"id":%q,"step":"remediated","text":"从另一份备份恢复"}`, in.ID)
		}},
		"ListIncidents": {allowed: seesA, body: func(t *testing.T, f *fixture) string { return fmt.Sprintf(`{"member_id":%q}`, f.A.ID) }},
		"OpenOrderDispute": {allowed: []string{"memberA", "nodeA"}, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"order_id":%q,"reason":"配送结果为空"}`, f.demandingOrderOfA(t))
		}},
		"MediateOrderDispute": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			d, err := f.M.Exchange.Mediation.Open(auth.WithActor(context.Background(), f.A.actor()), f.demandingOrderOfA(t), "配送结果为空", false)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"id":%q,"step":"note","text":"已联系双方"}`, d.ID)
		}},
		"ListOrderDisputes": {allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, body: func(t *testing.T, f *fixture) string { return `{}` }},
		"GetOrderDispute": {allowed: seesA, body: func(t *testing.T, f *fixture) string {
			d, err := f.M.Exchange.Mediation.Open(auth.WithActor(context.Background(), f.A.actor()), f.demandingOrderOfA(t), "配送结果为空", false)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"id":%q}`, d.ID)
		}},
	} {
		rules["/hulian.v1.SupervisionService/"+proc] = r
	}
}

// filedComplaint files a complaint about an order of member A's.
func (f *fixture) filedComplaint(t *testing.T) (id, code string) {
	t.Helper()
	rc, err := f.M.Exchange.Complaints.File(context.Background(), complaints.Filing{Kind: "privacy", Complainant: "张三", Contact: "zhangsan@example.com",
		Concerns: "an order", Description: "未经同意", Files: []complaints.File{{Name: "说明.txt", Data: []byte("a plain text statement")}}})
	if err != nil {
		t.Fatal(err)
	}
	return rc.ID, rc.Code
}

// acceptedComplaint is a complaint accepted about an active order of A's,
// with the order.
func (f *fixture) acceptedComplaint(t *testing.T) string {
	t.Helper()
	id, _ := f.filedComplaint(t)
	o := f.demandingOrderOfA(t)
	if _, err := f.M.Exchange.Complaints.Accept(staffCtx(), id, o, "初步成立"); err != nil {
		t.Fatal(err)
	}
	return id
}

// demandingOrderOfA is a new active order A demands.
func (f *fixture) demandingOrderOfA(t *testing.T) string {
	t.Helper()
	// MemberService/Resubmit, tried before this service, leaves A a
	// supplier only; the order needs it to demand. LiftSanction's rule
	// leaves A suspended by the suspensions the roles refused could not
	// lift; the order needs it in good standing.
	ctx := staffCtx()
	if err := f.M.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := tx.Member(ctx, f.A.ID, true)
		if err != nil {
			return err
		}
		m.Demander, m.Standing = true, member.StandingGood
		return tx.UpdateMember(ctx, m)
	}); err != nil {
		t.Fatal(err)
	}
	return f.orderOfA(t, true).ID
}

func init() {
	everyone := append([]string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, public...)
	authenticated := []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}
	for proc, r := range map[string]rule{
		"FileComplaint": {allowed: everyone, body: func(t *testing.T, f *fixture) string {
			return `{"kind":"privacy","complainant":"张三","contact":"13800000000","concerns":"ord_x","description":"未经同意","evidence":[{"name":"a.txt","data":"` +
				base64.StdEncoding.EncodeToString([]byte("a plain text statement")) + `"}]}`
		}},
		"GetComplaintStatus": {allowed: everyone, body: func(t *testing.T, f *fixture) string {
			id, code := f.filedComplaint(t)
			return fmt.Sprintf(`{"id":%q,"code":%q}`, id, code)
		}},
		"ListComplaints": {allowed: authenticated, body: func(t *testing.T, f *fixture) string { return `{}` }},
		"DecideComplaint": {allowed: []string{"operator"}, body: func(t *testing.T, f *fixture) string {
			id, _ := f.filedComplaint(t)
			return fmt.Sprintf(`{"id":%q,"step":"decline","note":"证据不足"}`, id)
		}},
		"AnswerComplaint": {allowed: []string{"memberA", "nodeA"}, stage: member.StageActive, body: func(t *testing.T, f *fixture) string {
			return fmt.Sprintf(`{"id":%q,"answer":"已获授权"}`, f.acceptedComplaint(t))
		}},
	} {
		rules["/hulian.v1.SupervisionService/"+proc] = r
	}
}
