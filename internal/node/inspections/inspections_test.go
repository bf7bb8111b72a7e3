package inspections_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/collection"
	"hulian/internal/node/inspections"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/storage/storagetest"
)

// TestInspections (C-14): the quarterly checklist is evaluated from the
// node's records: without a committee or security account, and with an
// approved plan past its term, those items fail and become findings due in
// 30 days; the quarter's inspection is then done; a finding is closed by
// its remedy, once; a special inspection names what it follows.
func TestInspections(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := &atomic.Int64{}
		clock.Store(time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC).Unix())
		n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH", Now: func() time.Time { return time.Unix(clock.Load(), 0).UTC() }})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		pi, err := collection.ParsePlan(strings.NewReader(`{"name":"线索","purpose":"看房","serves":"联系","necessity":"必要","sources":["前台"],"methods":["online_form"],
			"frequency":"once","formats":["csv"],"fields":[{"name":"手机号","id_type":"mobile"}],"valid_from":"2026-11-01","valid_until":"2026-11-30"}`))
		if err != nil {
			t.Fatal(err)
		}
		p, err := collection.New(n).Propose(ctx, pi, "cli:test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := collection.New(n).Decide(ctx, p.ID, true, "", &nodestore.Account{Login: "wangwei", Roles: []string{staff.RoleCommittee}}); err != nil {
			t.Fatal(err)
		}
		clock.Add(int64(40 * 24 * time.Hour / time.Second)) // 2026-12-12: the plan has expired
		s := inspections.New(n)
		if st, err := s.Status(ctx); err != nil || !st.QuarterDue || st.Quarter != "2026-Q4" {
			t.Fatalf("before: %+v %v", st, err)
		}
		in, fs, err := s.Run(ctx, inspections.Quarterly, "", "cli:test")
		if err != nil {
			t.Fatal(err)
		}
		failed := map[string]bool{}
		for _, it := range in.Items {
			if !it.Passed {
				failed[it.Code] = true
			}
		}
		if len(in.Items) != len(inspections.Checklist) || len(failed) != 2 || !failed["roles"] || !failed["plans"] || len(fs) != 2 || fs[0].DueOn != "2027-01-11" {
			t.Fatalf("items: %+v findings: %+v", in.Items, fs)
		}
		if !strings.Contains(fs[1].Evidence, "线索") {
			t.Errorf("the plan's finding: %q", fs[1].Evidence)
		}
		st, err := s.Status(ctx)
		if err != nil || st.QuarterDue || len(st.Findings) != 2 {
			t.Fatalf("after: %+v %v", st, err)
		}
		if err := s.Remedy(ctx, fs[0].ID, " ", "cli:test"); !errs.Is(err, errs.Invalid) {
			t.Errorf("a remedy without its note: %v", err)
		}
		if err := s.Remedy(ctx, fs[0].ID, "已指定王委员为数据管理委员会成员", "cli:test"); err != nil {
			t.Fatal(err)
		}
		if err := s.Remedy(ctx, fs[0].ID, "again", "cli:test"); !errs.Is(err, errs.NotFound) {
			t.Errorf("remedied twice: %v", err)
		}
		if _, _, err := s.Run(ctx, inspections.Special, " ", "cli:test"); !errs.Is(err, errs.Invalid) {
			t.Errorf("a special inspection without its trigger: %v", err)
		}
		if in, _, err := s.Run(ctx, inspections.Special, "投诉 cpl_abc", "cli:test"); err != nil || in.Trigger != "投诉 cpl_abc" || in.Quarter != "" {
			t.Errorf("special: %+v %v", in, err)
		}
	})
}
