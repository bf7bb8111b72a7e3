package platform_test

import (
	"strings"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/platform/incidents"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

// TestIncidents (X-P6, X-P14, C-13): a member reports an incident; bad
// reports are refused naming the field, writing nothing; a grade below the
// one its affected count implies is refused; a significant incident's
// authority deadline runs from when it was found and shows overdue once
// passed; the member records its steps and cannot close before the
// report, the notification and the remediation; another member neither
// sees nor touches it; staff see every incident, overdue first; the log
// holds the steps with commitments, not the member's texts.
func TestIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newRelayEnv(t, db, terms{topUp: 1_000_000})
		is := e.p.Incidents
		now := db.Now()
		good := incidents.Report{Kind: "leak", Title: "测试环境数据库被公网访问", Description: "一台测试数据库误配置为公网可访问，其中有 1,200,000 条客户标签记录。",
			Grade: "significant", Affected: 1_200_000, AffectsExchange: true, Orders: []string{e.order.ID}, Found: now.Add(-5 * time.Hour)}
		for _, c := range []struct {
			name  string
			edit  func(r *incidents.Report)
			field string
		}{
			{"kind", func(r *incidents.Report) { r.Kind = "fire" }, "kind"},
			{"title", func(r *incidents.Report) { r.Title = " " }, "title"},
			{"grade", func(r *incidents.Report) { r.Grade = "huge" }, "grade"},
			{"grade below the count's", func(r *incidents.Report) { r.Grade = "general" }, "grade"},
			{"negative count", func(r *incidents.Report) { r.Affected = -1 }, "affected"},
			{"future", func(r *incidents.Report) { r.Found = now.Add(time.Hour) }, "found_at"},
			{"no time", func(r *incidents.Report) { r.Found = time.Time{} }, "found_at"},
			{"not an order", func(r *incidents.Report) { r.Orders = []string{"x"} }, "orders"},
			{"another's order", func(r *incidents.Report) { r.Orders = []string{"ord_nobodys"} }, "orders"},
		} {
			r := good
			r.Orders = append([]string(nil), good.Orders...)
			c.edit(&r)
			_, err := is.Report(e.sup.ctx, r)
			wantErr(t, c.name, err, errs.Invalid, c.field)
		}
		if _, err := is.Report(e.op, good); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("the operator reporting a member's incident: %v", err)
		}
		if n := len(e.entries(t, incidents.KindReported)); n != 0 {
			t.Fatalf("refused reports logged %d entries", n)
		}

		in, err := is.Report(e.sup.ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		if want := good.Found.UTC().Truncate(time.Second).Add(incidents.DefaultReportWithin); !in.AuthorityDue.Equal(want) {
			t.Errorf("authority due %v, want %v", in.AuthorityDue, want)
		}
		if !incidents.Overdue(in, db.Now()) {
			t.Error("found five hours ago and not reported: not overdue")
		}
		minor, err := is.Report(e.dem.ctx, incidents.Report{Kind: "availability", Title: "节点中断", Description: "节点宕机 20 分钟", Grade: "general", Found: now.Add(-time.Hour)})
		if err != nil || !minor.AuthorityDue.IsZero() {
			t.Fatalf("a general incident: %+v %v", minor, err)
		}
		if _, err := is.Get(e.dem.ctx, in.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member reads the incident: %v", err)
		}
		if _, err := is.Record(e.dem.ctx, in.ID, incidents.Step{Kind: "remediated", Text: "x"}); !errs.Is(err, errs.NotFound) {
			t.Errorf("another member records a step: %v", err)
		}
		list, err := is.List(e.op, "")
		if err != nil || len(list) != 2 || list[0].ID != in.ID {
			t.Fatalf("staff list, overdue first: %v %v", list, err)
		}
		if mine, _ := is.List(e.dem.ctx, ""); len(mine) != 1 || mine[0].ID != minor.ID {
			t.Errorf("a member's list: %v", mine)
		}

		_, err = is.Record(e.sup.ctx, in.ID, incidents.Step{Kind: "closed", Text: "处理完毕"})
		if !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, "en"), "the report to the authorities") {
			t.Errorf("closing too early: %v", err)
		}
		if _, err := is.Record(e.sup.ctx, in.ID, incidents.Step{Kind: "notified", Count: 1_200_000, Method: ""}); err == nil {
			t.Error("a notification without its method")
		}
		for _, st := range []incidents.Step{
			{Kind: "authority", AuthorityName: "上海市网信办", AuthorityRef: "沪网信报〔2026〕12 号", At: now.Add(-30 * time.Minute)},
			{Kind: "notified", Count: 1_200_000, Method: "短信与 App 站内信，告知风险与改密建议"},
			{Kind: "remediated", Text: "关闭公网访问，轮换凭据，排查访问日志"},
		} {
			if in, err = is.Record(e.sup.ctx, in.ID, st); err != nil {
				t.Fatalf("%s: %v", st.Kind, err)
			}
		}
		_, err = is.Record(e.sup.ctx, in.ID, incidents.Step{Kind: "closed", Text: "处理完毕"})
		if !errs.Is(err, errs.FailedPrecondition) || !strings.Contains(errs.Message(err, "en"), "compensation") {
			t.Errorf("closing before the compensation: %v", err)
		}
		for _, bad := range []incidents.Step{
			{Kind: "compensated", Count: 3, AmountFen: 30_000},
			{Kind: "compensated", Count: -1, Text: "x"},
			{Kind: "compensated", AmountFen: 100, Text: "paid someone"},
			{Kind: "compensated", Count: 1, AmountFen: -5, Text: "x"},
		} {
			if _, err := is.Record(e.sup.ctx, in.ID, bad); !errs.Is(err, errs.Invalid) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		for _, st := range []incidents.Step{
			{Kind: "compensated", Count: 37, AmountFen: 37 * 50_000, Text: "经核实遭受诈骗损失的 37 人，每人赔付 500 元"},
			{Kind: "closed", Text: "已报告、已通知、已补救、已赔偿"},
		} {
			if in, err = is.Record(e.sup.ctx, in.ID, st); err != nil {
				t.Fatalf("%s: %v", st.Kind, err)
			}
		}
		if in.Closed.IsZero() || !incidents.Overdue(in, db.Now()) {
			t.Errorf("closed %v; reported after the deadline, so late: %v", in.Closed, incidents.Overdue(in, db.Now()))
		}
		if _, err := is.Record(e.sup.ctx, in.ID, incidents.Step{Kind: "remediated", Text: "again"}); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a step after closing: %v", err)
		}
		auth := e.entries(t, incidents.KindAuthority)
		if len(auth) != 1 || !strings.Contains(auth[0], `"late":true`) {
			t.Errorf("authority entries: %v", auth)
		}
		if in.CompensatedCount != 37 || in.CompensationFen != 1_850_000 {
			t.Errorf("compensation: %d people, %d fen", in.CompensatedCount, in.CompensationFen)
		}
		if es := e.entries(t, incidents.KindCompensated); len(es) != 1 || !strings.Contains(es[0], `"amount_fen":1850000`) || strings.Contains(es[0], "诈骗") {
			t.Errorf("compensation entries: %v", es)
		}
		for _, k := range []string{incidents.KindNotified, incidents.KindRemedied, incidents.KindClosed} {
			es := e.entries(t, k)
			if len(es) != 1 || strings.Contains(es[0], "短信") || strings.Contains(es[0], "公网") || !strings.Contains(es[0], "_sha256") {
				t.Errorf("%s entries hold the texts, not their commitments: %v", k, es)
			}
		}
	})
}
