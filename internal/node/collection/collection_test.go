package collection_test

import (
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/collection"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/storage/storagetest"
)

func open(t *testing.T, dsn string) *node.Node {
	t.Helper()
	n, err := node.Open(context.Background(), node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func plan(today calendar.Date, scenario string, fields string) string {
	return `{"name":"门店线索登记","purpose":"为到店咨询的客户安排看房","serves":"联系客户并记录其需求","necessity":"不联系客户即无法提供带看服务",
	"scenario":"` + scenario + `","sources":["门店前台","线上表单"],"methods":["offline_questionnaire","online_form"],"frequency":"continuous",
	"formats":["csv"],"fields":[` + fields + `],"valid_from":"` + today.String() + `","valid_until":"` + today.AddDays(90).String() + `"}`
}

func field(t *testing.T, err error) string {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("not an errs.Error: %v", err)
	}
	return e.Field
}

// TestPlans (C-2, O-2, S-4): a plan is checked field by field against the
// necessity catalogue for its scenario; a required unnecessary field
// blocks approval, an optional one and an unknown one are warnings; only
// a committee member who did not propose it decides, once; a rejection
// says why; bad plans name their field.
func TestPlans(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n := open(t, dsn)
		ps := collection.New(n)
		today := calendar.DateOf(n.Now())
		committee := &nodestore.Account{Login: "wang", Roles: []string{staff.RoleCommittee}}
		clerk := &nodestore.Account{Login: "li", Roles: []string{staff.RoleStaff}}

		in, err := collection.ParsePlan(strings.NewReader(plan(today, "房产中介",
			`{"name":"手机号","required":true,"id_type":"mobile"},{"name":"性别","required":true},{"name":"生日"},{"name":"意向小区"}`)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ps.Propose(ctx, in, "console:li")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range p.Findings {
			got[f.Field] = f.Severity
		}
		if len(got) != 3 || got["性别"] != collection.Block || got["生日"] != collection.Warn || got["意向小区"] != collection.Warn || !collection.Blocking(p) {
			t.Fatalf("findings: %+v", p.Findings)
		}
		if _, err := ps.Decide(ctx, p.ID, true, "", clerk); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("a clerk approves: %v", err)
		}
		if _, err := ps.Decide(ctx, p.ID, true, "", &nodestore.Account{Login: "li", Roles: []string{staff.RoleCommittee}}); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("the proposer approves: %v", err)
		}
		if _, err := ps.Decide(ctx, p.ID, true, "", committee); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a blocked plan approved: %v", err)
		}
		if _, err := ps.Decide(ctx, p.ID, false, " ", committee); field(t, err) != "note" {
			t.Errorf("a rejection without its reason: %v", err)
		}
		if p, err = ps.Decide(ctx, p.ID, false, "性别不是带看服务所必需", committee); err != nil || p.Status != collection.Rejected || p.DecidedBy != "wang" {
			t.Fatalf("reject: %+v %v", p, err)
		}
		if _, err := ps.Decide(ctx, p.ID, true, "", committee); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("decided twice: %v", err)
		}

		for name, c := range map[string]struct{ json, field string }{
			"unknown scenario": {plan(today, "房产中心", `{"name":"手机号"}`), "scenario"},
			"no fields":        {plan(today, "", ``), "fields"},
			"twice":            {plan(today, "", `{"name":"手机号"},{"name":"手机号"}`), "fields[1].name"},
			"bad id type":      {plan(today, "", `{"name":"手机号","id_type":"phone"}`), "fields[0].id_type"},
			"bad method":       {strings.Replace(plan(today, "", `{"name":"手机号"}`), "online_form", "telepathy", 1), "methods[1]"},
			"no purpose":       {strings.Replace(plan(today, "", `{"name":"手机号"}`), "为到店咨询的客户安排看房", " ", 1), "purpose"},
			"until before":     {strings.Replace(plan(today, "", `{"name":"手机号"}`), today.AddDays(90).String(), today.AddDays(-1).String(), 1), "valid_until"},
		} {
			in, err := collection.ParsePlan(strings.NewReader(c.json))
			if err == nil {
				_, err = ps.Propose(ctx, in, "cli:test")
			}
			if err == nil || field(t, err) != c.field {
				t.Errorf("%s: %v, want an error on %s", name, err, c.field)
			}
		}
		if _, err := collection.ParsePlan(strings.NewReader(`{"name":"x","colour":"red"}`)); err == nil || !strings.Contains(err.Error(), "colour") {
			t.Errorf("an unknown key: %v", err)
		}
	})
}

// TestBatches (C-5, C-6, C-8): a batch is recorded only under an approved
// plan in force, by a method and from a source it names, with its columns;
// identifiers are validated and normalised, required fields checked,
// people de-duplicated per channel; the report counts completeness,
// refusals by line and field (never the value) and the people whose values
// differ between channels; a retired plan takes no more batches.
func TestBatches(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n := open(t, dsn)
		ps := collection.New(n)
		today := calendar.DateOf(n.Now())
		in, err := collection.ParsePlan(strings.NewReader(plan(today, "",
			`{"name":"手机号","required":true,"id_type":"mobile"},{"name":"渠道","required":true},{"name":"意向区域"},{"name":"性别"}`)))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ps.Propose(ctx, in, "cli:test")
		if err != nil || len(p.Findings) != 0 {
			t.Fatalf("propose: %+v %v", p, err)
		}
		good := collection.BatchInput{PlanID: p.ID, Collector: "张三", Place: "徐汇门店", Source: "门店前台", Method: "offline_questionnaire", ChannelColumn: "渠道", By: "cli:test"}
		rows := "手机号,渠道,意向区域,性别\n" +
			"138 0013 8000,门店,徐汇,男\n" + // line 2: normalised
			"13800138000,门店,徐汇,男\n" + // line 3: the same person and channel
			"12345,门店,静安,女\n" + // line 4: not a mobile number
			"13800138001,,静安,女\n" + // line 5: the channel is required
			"13800138001,线上,静安,女\n" + // line 6
			"13800138000,线上,闵行,男\n" // line 7: another channel, another area
		b := good
		b.In = strings.NewReader(rows)
		if _, _, err := ps.Record(ctx, b); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a batch under a plan not approved: %v", err)
		}
		if _, err := ps.Decide(ctx, p.ID, true, "", &nodestore.Account{Login: "wang", Roles: []string{staff.RoleCommittee}}); err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]struct {
			mod   func(*collection.BatchInput)
			field string
		}{
			"column outside the plan": {func(b *collection.BatchInput) {
				b.In = strings.NewReader("手机号,渠道,收入\n13800138000,门店,1\n")
			}, "收入"},
			"required column missing": {func(b *collection.BatchInput) { b.In = strings.NewReader("手机号,性别\n13800138000,男\n") }, "渠道"},
			"method":                  {func(b *collection.BatchInput) { b.Method = "wifi_probe" }, "--method"},
			"source":                  {func(b *collection.BatchInput) { b.Source = "第三方名单" }, "--source"},
			"outside the term":        {func(b *collection.BatchInput) { b.Collected = n.Now().Add(-48 * time.Hour) }, "--at"},
			"no collector":            {func(b *collection.BatchInput) { b.Collector = " " }, "--collector"},
		} {
			b := good
			b.In = strings.NewReader(rows)
			c.mod(&b)
			if _, _, err := ps.Record(ctx, b); err == nil || field(t, err) != c.field {
				t.Errorf("%s: %v, want an error on %s", name, err, c.field)
			}
		}
		var out strings.Builder
		b = good
		b.In, b.Out = strings.NewReader(rows), &out
		rec, q, err := ps.Record(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if rec.RowsIn != 6 || rec.RowsKept != 3 || rec.RowsInvalid != 2 || rec.Duplicates != 1 || len(rec.OutputSHA256) != 64 {
			t.Errorf("batch: %+v", rec)
		}
		kept, _ := csv.NewReader(strings.NewReader(out.String())).ReadAll()
		if len(kept) != 4 || kept[1][0] != "+8613800138000" {
			t.Errorf("cleaned rows: %q", kept)
		}
		if len(q.Problems) != 2 || q.Problems[0].Line != 4 || q.Problems[0].Field != "手机号" || q.Problems[1].Line != 5 || q.Problems[1].Field != "渠道" ||
			strings.Contains(q.Problems[0].ZH+q.Problems[0].EN, "12345") {
			t.Errorf("problems: %+v", q.Problems)
		}
		if q.Multi != 1 || q.Channels["门店"] != 1 || q.Channels["线上"] != 2 || q.Fields[2].Name != "意向区域" || q.Fields[2].Inconsistent != 1 || q.Fields[3].Inconsistent != 0 || q.Fields[0].Filled != 3 {
			t.Errorf("quality: %+v", q)
		}
		if bs, err := ps.Batches(ctx, p.ID, 10); err != nil || len(bs) != 1 || bs[0].Collector != "张三" {
			t.Errorf("batches: %+v %v", bs, err)
		}
		if err := ps.Retire(ctx, p.ID, "cli:test"); err != nil {
			t.Fatal(err)
		}
		b = good
		b.In = strings.NewReader(rows)
		if _, _, err := ps.Record(ctx, b); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a batch under a retired plan: %v", err)
		}
	})
}

// TestProbeBatch (O-1): offline collection by Wi-Fi probes: a plan of the
// wifi_probe method records the MAC addresses a store's probe saw; each is
// normalised, and the broadcast address or a malformed one is refused by
// line, its value never quoted.
func TestProbeBatch(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n := open(t, dsn)
		ps := collection.New(n)
		today := calendar.DateOf(n.Now())
		in, err := collection.ParsePlan(strings.NewReader(`{"name":"门店客流统计","purpose":"统计到店客流的时段分布","serves":"按时段安排店员","necessity":"没有客流数据无法排班",
			"sources":["徐汇门店探针"],"methods":["wifi_probe","video_device"],"frequency":"continuous","formats":["csv"],
			"fields":[{"name":"设备MAC","required":true,"id_type":"mac"},{"name":"时段","required":true}],"valid_from":"` + today.String() + `","valid_until":"` + today.AddDays(30).String() + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ps.Propose(ctx, in, "cli:test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ps.Decide(ctx, p.ID, true, "", &nodestore.Account{Login: "wang", Roles: []string{staff.RoleCommittee}}); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		rec, q, err := ps.Record(ctx, collection.BatchInput{PlanID: p.ID, Collector: "探针 AP-3", Place: "徐汇门店", Source: "徐汇门店探针", Method: "wifi_probe", By: "cli:test",
			In: strings.NewReader("设备MAC,时段\n" +
				"A4-5E-60-C2-19-0B,10-11\n" + // line 2
				"a4:5e:60:c2:19:0b,10-11\n" + // line 3: the same device
				"FF:FF:FF:FF:FF:FF,11-12\n" + // line 4: broadcast
				"not-a-mac,11-12\n"), // line 5
			Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		if rec.RowsKept != 1 || rec.RowsInvalid != 2 || rec.Duplicates != 1 || rec.Method != "wifi_probe" {
			t.Errorf("batch: %+v", rec)
		}
		if len(q.Problems) != 2 || q.Problems[0].Line != 4 || q.Problems[1].Line != 5 || strings.Contains(q.Problems[1].ZH+q.Problems[1].EN, "not-a-mac") {
			t.Errorf("problems: %+v", q.Problems)
		}
		if _, _, err := ps.Record(ctx, collection.BatchInput{PlanID: p.ID, Collector: "x", Place: "徐汇门店", Source: "徐汇门店探针", Method: "mobile_device", By: "cli:test",
			In: strings.NewReader("设备MAC,时段\n")}); field(t, err) != "--method" {
			t.Errorf("a method the plan does not name: %v", err)
		}
	})
}

func FuzzParsePlan(f *testing.F) {
	f.Add(plan(calendar.Date{Year: 2026, Month: 12, Day: 1}, "房产中介", `{"name":"手机号","required":true}`))
	f.Add(`{"fields":[{"name":""}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		in, err := collection.ParsePlan(strings.NewReader(s))
		if err == nil && in == nil {
			t.Fatal("no plan and no error")
		}
	})
}
