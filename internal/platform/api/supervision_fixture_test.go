package api_test

import (
	"fmt"
	"testing"

	"hulian/internal/platform/sanctions"
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
	} {
		rules["/hulian.v1.SupervisionService/"+proc] = r
	}
}
