package thirdparty_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/collection"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/node/thirdparty"
	"hulian/internal/storage/storagetest"
)

func fieldOf(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

const terms = `{"purpose":"短信发送","scope":"手机号","ownership":"数据归本公司所有","security":"加密存储、访问控制","confidentiality":"不得向他人披露","liability":"违约赔偿","disposal":"合同终止后 7 日内删除并出具证明"`

// TestRegister (C-10, P-7): a party is assessed before selection (a
// failed assessment rejects it); a contract states every term, and a
// cross-border one its outbound route; audits run while the contract
// does, a failed one flagged as a violation; termination records the
// data's disposal; the sharing list holds the parties under contract and
// the collection list the approved plans' fields.
func TestRegister(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		r := thirdparty.New(n)
		in, err := thirdparty.ParseInput(strings.NewReader(`{"name":"云信短信服务有限公司","kind":"processor","purpose":"向会员发送验证码与通知","fields":["手机号"],
			"method":"接口调用","region":"SG","cross_border":true,"assessment":"查验其等级保护备案与 ISO 27001 证书","assessment_passed":true}`))
		if err != nil {
			t.Fatal(err)
		}
		p, err := r.Assess(ctx, in, "cli:test")
		if err != nil || p.Status != thirdparty.Assessed {
			t.Fatalf("assess: %+v %v", p, err)
		}
		bad, _ := thirdparty.ParseInput(strings.NewReader(`{"name":"某数据公司","kind":"recipient","purpose":"营销","fields":["手机号"],"method":"文件","region":"CN-SH","assessment":"无安全制度","assessment_passed":false}`))
		rej, err := r.Assess(ctx, bad, "cli:test")
		if err != nil || rej.Status != thirdparty.Rejected {
			t.Fatalf("a failed assessment: %+v %v", rej, err)
		}
		tm, route, err := thirdparty.ParseTerms(strings.NewReader(terms + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Contract(ctx, rej.ID, tm, route, "cli:test"); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("contracting a rejected party: %v", err)
		}
		if err := r.Contract(ctx, p.ID, tm, route, "cli:test"); fieldOf(err) != "route" {
			t.Errorf("cross-border without a route: %v", err)
		}
		noDisposal := *tm
		noDisposal.Disposal = " "
		if err := r.Contract(ctx, p.ID, &noDisposal, "standard_contract", "cli:test"); fieldOf(err) != "disposal" {
			t.Errorf("a contract without disposal: %v", err)
		}
		if err := r.Contract(ctx, p.ID, tm, "standard_contract", "cli:test"); err != nil {
			t.Fatal(err)
		}
		if err := r.Audit(ctx, p.ID, "发现未按约定加密备份", false, "cli:test"); err != nil {
			t.Fatal(err)
		}
		es, err := r.List(ctx)
		if err != nil || len(es) != 2 {
			t.Fatalf("list: %v", err)
		}
		for _, e := range es {
			if e.ID == p.ID && (!e.Violation || e.Route != "standard_contract" || len(e.Audits) != 1) {
				t.Errorf("the processor after a failed audit: %+v", e)
			}
		}
		sl, err := r.SharingList(ctx)
		if err != nil || len(sl) != 1 || sl[0].Name != "云信短信服务有限公司" || !sl[0].CrossBorder {
			t.Errorf("sharing list: %+v %v", sl, err)
		}
		if err := r.Terminate(ctx, p.ID, "审计发现违约", " ", "cli:test"); fieldOf(err) != "--disposal" {
			t.Errorf("termination without disposal: %v", err)
		}
		if err := r.Terminate(ctx, p.ID, "审计发现违约", "已删除，对方出具删除证明 2026-12-08", "cli:test"); err != nil {
			t.Fatal(err)
		}
		if sl, _ := r.SharingList(ctx); len(sl) != 0 {
			t.Errorf("a terminated party still on the sharing list: %+v", sl)
		}

		// The collection list: the approved plans' fields.
		today := calendar.DateOf(n.Now())
		pi, err := collection.ParsePlan(strings.NewReader(`{"name":"会员注册","purpose":"开通会员","serves":"识别会员","necessity":"无法识别即无法提供会员服务","sources":["App"],
			"methods":["online_form"],"frequency":"continuous","formats":["json"],"fields":[{"name":"手机号","required":true,"id_type":"mobile"},{"name":"生日"}],
			"valid_from":"` + today.String() + `","valid_until":"` + today.AddDays(10).String() + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := collection.New(n).Propose(ctx, pi, "cli:test")
		if err != nil {
			t.Fatal(err)
		}
		if cl, _ := r.CollectionList(ctx); len(cl) != 0 {
			t.Errorf("a plan not approved on the collection list: %+v", cl)
		}
		if _, err := collection.New(n).Decide(ctx, plan.ID, true, "", &nodestore.Account{Login: "wangwei", Roles: []string{staff.RoleCommittee}}); err != nil {
			t.Fatal(err)
		}
		cl, err := r.CollectionList(ctx)
		if err != nil || len(cl) != 2 || cl[0].Field != "手机号" || !cl[0].Required || cl[1].Required || cl[0].Purpose != "开通会员" {
			t.Errorf("collection list: %+v %v", cl, err)
		}
	})
}

func FuzzParseInput(f *testing.F) {
	f.Add(`{"name":"x","kind":"processor","fields":["手机号"]}`)
	f.Add(terms + `,"route":"standard_contract"}`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, s string) {
		thirdparty.ParseInput(strings.NewReader(s))
		thirdparty.ParseTerms(strings.NewReader(s))
	})
}
