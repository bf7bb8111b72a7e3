package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// TestSettlementPages (X-S2, X-S4, X-W3, X-D1): through the console, the
// demander disputes a line (a dispute without a reason is shown again
// with the error at the field), the operator answers with a credit — a
// correction linked to the statement, the receipts checked — and both
// parties see the chain; after the dispute period the supplier confirms
// the correction and records its invoice (one whose amounts do not match
// is refused at the field), the operator records its receipt and the
// payment, a second payment is refused; the disputes, payouts and book
// pages and the traded figures show them.
func TestSettlementPages(t *testing.T) {
	t.Parallel()
	p := startPlatform(t, false)
	p.staff(t, auth.RoleOperator, "operator")
	p.staff(t, auth.RoleRegulator, "regulator")
	dem := p.apply(t, 1, "甲零售有限公司", "jia.ltd")
	sup := p.apply(t, 2, "乙数据有限公司", "yi.ltd")
	p.transact(t, func(ctx context.Context, tx *store.Tx) error {
		for _, c := range []int64{1234, 66} {
			if _, err := tx.Append(ctx, dem.ID, settlement.KindDelivered, "ord_x", bizlog.P{"demander": dem.ID, "supplier": sup.ID, "listing": "lst_x",
				"queried": 100, "matched": 40, "charge_fen": c}); err != nil {
				return err
			}
		}
		return nil
	})
	month := settlement.MonthOf(p.DB.Now())
	p.clock.Add(40 * 24 * time.Hour)
	sts, _, err := p.Exchange.Statements.Run(auth.WithActor(context.Background(), auth.System), month)
	if err != nil || len(sts) != 1 {
		t.Fatalf("issue: %v %d", err, len(sts))
	}
	id := sts[0].ID
	stm := "/statements/" + id

	d := p.browser(t)
	d.login("jia.ltd")
	r := d.get(stm)
	if !strings.Contains(r.Body, `id="dispute-form"`) {
		t.Fatal("the demander is not offered the dispute form")
	}
	r = d.post(stm+"/dispute", url.Values{"csrf": {d.csrf()}, "order": {"ord_x"}, "reason": {""}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-reason"`) {
		t.Errorf("a dispute without a reason: %d", r.Status)
	}
	r = d.post(stm+"/dispute", url.Values{"csrf": {d.csrf()}, "order": {"ord_x"}, "reason": {"第二次配送结果为空"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("dispute: %d\n%s", r.Status, r.Body)
	}
	dsp := regexp.MustCompile(`id="d-(dsp_[a-z2-7]+)"`).FindStringSubmatch(d.get(stm).Body)
	if dsp == nil {
		t.Fatal("the dispute is not on the statement page")
	}

	op := p.browser(t)
	op.login("operator")
	r = op.get(stm)
	if !strings.Contains(r.Body, `id="answer-form"`) {
		t.Fatal("the operator is not offered the answer form")
	}
	r = op.post("/disputes/"+dsp[1]+"/answer", url.Values{"csrf": {op.csrf()}, "answer": {"核实后退还"}, "credit_order": {"ord_x"}, "credit_fen": {"20"}, "credit_reason": {"空结果"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-credit_fen"`) {
		t.Errorf("a credit above the charge: %d", r.Status)
	}
	r = op.post("/disputes/"+dsp[1]+"/answer", url.Values{"csrf": {op.csrf()}, "answer": {"核实后退还"}, "credit_order": {"ord_x"}, "credit_fen": {"0.66"}, "credit_reason": {"空结果"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("answer: %d\n%s", r.Status, r.Body)
	}
	corr := "/statements/" + id + "_c1"
	s := p.browser(t)
	s.login("yi.ltd")
	for _, b := range []*browser{d, s} {
		r = b.get(stm)
		for _, want := range []string{"_c1", "已答复并更正", "已用日志公钥验证", "核实后退还"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the corrected statement's page lacks %q", want)
			}
		}
		if r = b.get(corr); !strings.Contains(r.Body, `id="st-total">¥12.34`) || !strings.Contains(r.Body, "−¥0.66") {
			t.Errorf("the correction's page: %d", r.Status)
		}
	}

	// Each member's month counts the correction, and a member sees only
	// its own.
	if r := d.get("/statements"); !strings.Contains(r.Body, `id="summaries"`) || strings.Count(r.Body[strings.Index(r.Body, `id="summaries"`):], "<tr>") != 2 {
		t.Errorf("the demander's summary: %d", r.Status)
	}
	if r := op.get("/statements"); strings.Count(r.Body[strings.Index(r.Body, `id="summaries"`):], "¥12.34") < 2 {
		t.Error("the operator's summaries do not count the correction for both members")
	}

	// After the dispute period: the supplier confirms and invoices.
	if strings.Contains(s.get(corr).Body, `id="confirm-form"`) {
		t.Error("confirmation offered within the dispute period")
	}
	p.clock.Add(20 * 24 * time.Hour)
	s.login("yi.ltd") // the sessions lapsed meanwhile
	op.login("operator")
	d.login("jia.ltd")
	if r = s.post(corr+"/confirm", url.Values{"csrf": {s.csrf()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d\n%s", r.Status, r.Body)
	}
	today := p.DB.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	inv := url.Values{"csrf": {s.csrf()}, "invoice_code": {"3100261130"}, "invoice_number": {"01234567"}, "amount_fen": {"11.64"}, "tax_fen": {"0.69"}, "invoice_date": {today}}
	if r = s.post(corr+"/invoice", inv); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-amount_fen"`) {
		t.Errorf("an invoice one fen short: %d", r.Status)
	}
	inv.Set("tax_fen", "0.70")
	if r = s.post(corr+"/invoice", inv); r.Status != http.StatusSeeOther {
		t.Fatalf("invoice: %d\n%s", r.Status, r.Body)
	}
	if r = op.post(corr+"/receive", url.Values{"csrf": {op.csrf()}, "received_on": {today}}); r.Status != http.StatusSeeOther {
		t.Fatalf("receive: %d\n%s", r.Status, r.Body)
	}
	if r = op.get(corr); !strings.Contains(r.Body, `id="payout-due"`) || !strings.Contains(r.Body, `id="pay-form"`) {
		t.Error("the due date or the payment form is missing")
	}
	pay := url.Values{"csrf": {op.csrf()}, "paid_on": {today}, "payment_reference": {"BANK-77"}}
	if r = op.post(corr+"/pay", pay); r.Status != http.StatusSeeOther {
		t.Fatalf("pay: %d\n%s", r.Status, r.Body)
	}
	if r = op.post(corr+"/pay", pay); r.Status != http.StatusConflict {
		t.Errorf("paying twice: %d", r.Status)
	}

	reg := p.browser(t)
	reg.login("regulator")
	for _, c := range []struct {
		b    *browser
		path string
		want []string
	}{
		{reg, "/payouts", []string{id, "已付款", "乙数据有限公司"}},
		{s, "/payouts", []string{id, "BANK"[:0]}},
		{op, "/disputes", []string{dsp[1], `id="terms-form"`}},
		{d, "/disputes", []string{dsp[1]}},
		{op, "/books", []string{"预付额度", "应付供方款项", `id="book-sum"`}},
		{d, "/books", []string{"预付额度", `id="history"`}},
		{op, "/quotes", []string{`id="traded-` + month + `"`, "交易对少于 3 个"}},
	} {
		r := c.b.get(c.path)
		if r.Status != http.StatusOK {
			t.Errorf("GET %s: %d", c.path, r.Status)
		}
		for _, w := range c.want {
			if !strings.Contains(r.Body, w) {
				t.Errorf("GET %s lacks %q", c.path, w)
			}
		}
	}
	if r := d.get("/books"); strings.Contains(r.Body, sup.ID) {
		t.Error("the demander's book shows the supplier's accounts")
	}
	if r = op.post("/disputes/terms", url.Values{"csrf": {op.csrf()}, "dispute_working_days": {"0"}}); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `id="e-dispute_working_days"`) {
		t.Errorf("a dispute period of zero days: %d", r.Status)
	}
	if r = op.post("/disputes/terms", url.Values{"csrf": {op.csrf()}, "dispute_working_days": {"5"}}); r.Status != http.StatusSeeOther {
		t.Errorf("setting the dispute period: %d", r.Status)
	}
	if r = d.post("/disputes/terms", url.Values{"csrf": {d.csrf()}, "dispute_working_days": {"5"}}); r.Status != http.StatusForbidden {
		t.Errorf("a member setting the dispute period: %d", r.Status)
	}
}
