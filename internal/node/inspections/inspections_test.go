package inspections_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/collection"
	"hulian/internal/node/consent"
	"hulian/internal/node/inspections"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/node/supply"
	"hulian/internal/node/thirdparty"
	"hulian/internal/protocol/exid"
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
		// Without a response plan that item fails; a SQLite node never
		// backed up fails that one too (PostgreSQL's backups are the
		// database's own).
		sqlite := strings.HasPrefix(dsn, "sqlite")
		want := 3
		if sqlite {
			want = 4
		}
		if len(in.Items) != len(inspections.Checklist) || len(failed) != want || !failed["roles"] || !failed["plans"] || !failed["response"] || failed["backup"] != sqlite || len(fs) != want || fs[0].DueOn != "2027-01-11" {
			t.Fatalf("items: %+v findings: %+v", in.Items, fs)
		}
		if !strings.Contains(fs[1].Evidence, "线索") {
			t.Errorf("the plan's finding: %q", fs[1].Evidence)
		}
		st, err := s.Status(ctx)
		if err != nil || st.QuarterDue || len(st.Findings) != want {
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

// TestGovernanceItems covers the checklist's items for C-7/O-5, S-7 and
// S-5: a sensitive field stored in clear is a finding, naming it; a SQLite
// node not backed up within a week is one; a recipient under contract that
// the notice in force does not name is one, until a notice names it.
func TestGovernanceItems(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		s := inspections.New(n)
		items := func() map[string]nodestore.InspectionItem {
			t.Helper()
			in, _, err := s.Run(ctx, inspections.Special, "test", "cli:test")
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]nodestore.InspectionItem{}
			for _, it := range in.Items {
				out[it.Code] = it
			}
			return out
		}
		listing := `{"id":"lst_t","version":1,"subject":"person","k":2,"tags":[{"key":"loan_intent","column":"贷款意向","value_type":"single","values":["强","弱"]},{"key":"level","column":"level","value_type":"single","values":["high","low"]}]}`
		var b strings.Builder
		b.WriteString("exid,贷款意向,level\n")
		for i := range 8 {
			var o [16]byte
			o[15] = byte(i + 1)
			fmt.Fprintf(&b, "%s,%s,%s\n", exid.FromOutput(1, o[:]), []string{"强", "弱"}[i%2], []string{"high", "low"}[i/4])
		}
		if _, err := supply.New(n).ImportDataset(ctx, supply.DatasetImport{Status: "deidentified", Source: "会员贷款咨询（会员协议约定）", Name: "loans",
			Listing: strings.NewReader(listing), In: strings.NewReader(b.String()), IDColumn: "exid"}); err != nil {
			t.Fatal(err)
		}
		it := items()
		if !it["grading"].Passed || !it["sharing"].Passed {
			t.Fatalf("grading %+v sharing %+v", it["grading"], it["sharing"])
		}
		// A grade raised behind the node's back leaves a sensitive
		// field in clear: found, by name.
		if err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			return tx.ConfirmGrade(ctx, "loans", "level", "property", 4, "test", "")
		}); err != nil {
			t.Fatal(err)
		}
		if g := items()["grading"]; g.Passed || !strings.Contains(g.EvidenceEN, "loans.level") {
			t.Errorf("a sensitive field in clear: %+v", g)
		}

		sqlite := strings.HasPrefix(dsn, "sqlite")
		if got := items()["backup"].Passed; got == sqlite {
			t.Errorf("never backed up: passed %v", got)
		}
		if sqlite {
			if _, err := n.Backup(ctx, filepath.Join(t.TempDir(), "b.db")); err != nil {
				t.Fatal(err)
			}
			if !items()["backup"].Passed {
				t.Error("a backup made today does not count")
			}
		}

		r := thirdparty.New(n)
		in, err := thirdparty.ParseInput(strings.NewReader(`{"name":"浦江商业银行","kind":"recipient","purpose":"联合营销","fields":["贷款意向"],"method":"文件","region":"CN-SH","assessment":"查验其安全制度","assessment_passed":true}`))
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Assess(ctx, in, "cli:test")
		if err != nil {
			t.Fatal(err)
		}
		tm, route, err := thirdparty.ParseTerms(strings.NewReader(`{"purpose":"联合营销","scope":"贷款意向","ownership":"数据归本公司所有","security":"加密存储","confidentiality":"不得向他人披露","liability":"违约赔偿","disposal":"合同终止后 7 日内删除"}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Contract(ctx, p.ID, tm, route, "cli:test"); err != nil {
			t.Fatal(err)
		}
		if sh := items()["sharing"]; sh.Passed || !strings.Contains(sh.EvidenceZH, "浦江商业银行") {
			t.Errorf("a recipient the notice does not name: %+v", sh)
		}
		notice := &consent.Notice{Version: 1, Controller: "甲数据", Contact: "privacy@jia.example.cn", TextZH: "隐私政策", TextEN: "Privacy notice",
			Purposes: []consent.Purpose{{Code: "joint", NameZH: "与浦江商业银行联合营销", NameEN: "joint marketing with the bank",
				Categories: []string{"贷款意向"}, Methods: []string{"provide"}, Recipients: []string{"浦江商业银行"}, Retention: "1 年", ThirdParty: true}}}
		if _, err := consent.New(n).Publish(ctx, notice, "test"); err != nil {
			t.Fatal(err)
		}
		if sh := items()["sharing"]; !sh.Passed {
			t.Errorf("once the notice names it: %+v", sh)
		}
	})
}
