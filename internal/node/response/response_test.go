package response_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/response"
	"hulian/internal/storage/storagetest"
)

const plan = `{"lead":"信息安全负责人（首席信息安全官）",
"contacts":[{"role":"应急值班","name":"李明","reach":"021-12345678"},{"role":"法务","name":"王芳","reach":"legal@jia.example.cn"}],
"steps":{"containment":"值班人员 30 分钟内隔离受影响系统，吊销泄露的凭据",
 "evidence":"保全日志、镜像与告警记录，登记其 SHA-256（hulian node incident evidence add），原件只读保存",
 "assessment":"2 小时内按《网络安全事件分级指南》评估影响人数并定级",
 "notify_people":"按个人信息保护法第五十七条告知受影响的个人：发生原因、可能的危害、已采取的措施和个人可采取的措施",
 "report_authorities":"较大及以上事件 4 小时内报告网信部门，并在交易所报告事件",
 "recovery":"修复漏洞后从备份恢复，核对完整性",
 "review":"一个月内复盘，修订本预案"},
"drill_months":6}`

func field(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// TestResponse (C-13): a plan must describe every step, with its lead and
// contacts; a drill exercises the plan in force, and the inspection item
// follows the plan's interval; evidence is preserved by its hash, never
// replaced, and a changed copy is told apart.
func TestResponse(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		clock := &atomic.Int64{}
		clock.Store(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC).Unix())
		n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH", Now: func() time.Time { return time.Unix(clock.Load(), 0).UTC() }})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		r := response.New(n)
		due := func() (bool, string) {
			var ok bool
			var ev string
			if err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
				okv, text, err := response.DrillDue(ctx, tx, calendar.DateOf(n.Now()))
				ok, ev = okv, text.EN
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok, ev
		}
		drill := `{"held_on":"2026-12-05","scenario":"会员库疑似被拖库","participants":["李明","王芳"],"exercised":["containment","evidence","report_authorities"],"findings":"报告模板缺少受影响人数字段"}`
		if _, err := r.Record(ctx, mustDrill(t, drill), "cli:test"); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("a drill without a plan: %v", err)
		}
		if ok, ev := due(); ok || !strings.Contains(ev, "no response plan") {
			t.Errorf("without a plan: %v %q", ok, ev)
		}
		for change, want := range map[[2]string]string{
			{`"lead":"信息安全负责人（首席信息安全官）",`, `"lead":" ",`}:    "lead",
			{`"reach":"021-12345678"`, `"reach":""`}:         "contacts[0].reach",
			{`"review":"一个月内复盘，修订本预案"`, `"reveiw":"一个月内复盘"`}: "steps.reveiw",
			{",\n \"review\":\"一个月内复盘，修订本预案\"", ``}:          "steps.review",
			{`"drill_months":6`, `"drill_months":18`}:        "drill_months",
		} {
			p, err := response.ParsePlan(strings.NewReader(strings.Replace(plan, change[0], change[1], 1)))
			if err == nil {
				_, err = r.Publish(ctx, p, "cli:test")
			}
			if field(err) != want {
				t.Errorf("%s: %v, want an error on %s", want, err, want)
			}
		}
		if _, err := response.ParsePlan(strings.NewReader(`{"lead":"x","colour":1}`)); !errs.Is(err, errs.Invalid) {
			t.Errorf("an unknown key: %v", err)
		}
		p, err := r.Publish(ctx, mustPlan(t), "cli:test")
		if err != nil || p.Version != 1 {
			t.Fatalf("publish: %+v %v", p, err)
		}
		if ok, ev := due(); ok || !strings.Contains(ev, "never been drilled") {
			t.Errorf("never drilled: %v %q", ok, ev)
		}
		for change, want := range map[[2]string]string{
			{`"held_on":"2026-12-05"`, `"held_on":"2026-12-25"`}:  "held_on",
			{`"participants":["李明","王芳"]`, `"participants":[]`}:   "participants",
			{`"containment","evidence"`, `"containment","panic"`}: "exercised[1]",
			{`"findings":"报告模板缺少受影响人数字段"`, `"findings":""`}:       "findings",
		} {
			if _, err := r.Record(ctx, mustDrill(t, strings.Replace(drill, change[0], change[1], 1)), "cli:test"); field(err) != want {
				t.Errorf("%s: %v", want, err)
			}
		}
		d, err := r.Record(ctx, mustDrill(t, drill), "cli:test")
		if err != nil || d.PlanVersion != 1 {
			t.Fatalf("record: %+v %v", d, err)
		}
		if ok, ev := due(); !ok || !strings.Contains(ev, "2027-06-05") {
			t.Errorf("drilled: %v %q", ok, ev)
		}
		clock.Add(int64(200 * 24 * time.Hour / time.Second)) // 2027-06-25
		if ok, _ := due(); ok {
			t.Error("six months and more after the drill, it is not overdue")
		}
		st, err := r.Status(ctx)
		if err != nil || st.Plan.Version != 1 || len(st.Drills) != 1 || !st.Overdue || st.Due != "2027-06-05" {
			t.Errorf("status: %+v %v", st, err)
		}

		// Evidence.
		e, err := r.Preserve(ctx, "inc_abc", "/var/log/auth.log", strings.NewReader("Dec  7 01:02:03 sshd: accepted"), "cli:test")
		if err != nil || e.Name != "auth.log" || e.Bytes != 30 || len(e.Digest) != 64 || e.HashAlg != "sha256" {
			t.Fatalf("preserve: %+v %v", e, err)
		}
		if _, err := r.Preserve(ctx, "inc_abc", "auth.log", strings.NewReader("edited"), "cli:test"); !errs.Is(err, errs.Conflict) {
			t.Errorf("evidence replaced: %v", err)
		}
		if ok, _, err := r.Verify(ctx, "inc_abc", "auth.log", strings.NewReader("Dec  7 01:02:03 sshd: accepted")); err != nil || !ok {
			t.Errorf("the same copy: %v %v", ok, err)
		}
		if ok, _, err := r.Verify(ctx, "inc_abc", "auth.log", strings.NewReader("Dec  7 01:02:03 sshd: rejected")); err != nil || ok {
			t.Errorf("a changed copy: %v %v", ok, err)
		}
		if _, _, err := r.Verify(ctx, "inc_abc", "other.log", strings.NewReader("")); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown evidence: %v", err)
		}
	})
}

func mustPlan(t *testing.T) *response.Plan {
	t.Helper()
	p, err := response.ParsePlan(strings.NewReader(plan))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustDrill(t *testing.T, s string) *response.Drill {
	t.Helper()
	d, err := response.ParseDrill(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func FuzzParsePlan(f *testing.F) {
	f.Add(plan)
	f.Add(`{"steps":{"x":1}}`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := response.ParsePlan(strings.NewReader(s))
		if err != nil {
			return
		}
		if err := p.Check(); err != nil && !errs.Is(err, errs.Invalid) {
			t.Fatalf("a check error of another kind: %v", err)
		}
	})
}

// TestEvidenceSM3: a node of the 国密 profile preserves evidence by its SM3
// digest, and checks copies by it.
func TestEvidenceSM3(t *testing.T) {
	ctx := context.Background()
	n, err := node.Open(ctx, node.Config{DB: storagetest.DSN(t, "sqlite"), KEKEnv: keyring.NewKEKText(), Region: "CN-SH", Crypto: "gm"})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	r := response.New(n)
	e, err := r.Preserve(ctx, "inc_gm", "a.log", strings.NewReader("abc"), "cli:test")
	if err != nil || e.HashAlg != "sm3" || e.Digest != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("preserved %+v, %v", e, err)
	}
	if ok, _, err := r.Verify(ctx, "inc_gm", "a.log", strings.NewReader("abc")); !ok || err != nil {
		t.Errorf("the same copy: %v %v", ok, err)
	}
	if ok, _, _ := r.Verify(ctx, "inc_gm", "a.log", strings.NewReader("abd")); ok {
		t.Error("a changed copy passed")
	}
}
