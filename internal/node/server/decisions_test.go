package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/node/consent"
	"hulian/internal/node/decisions"
	"hulian/internal/node/privacy"
)

// TestDecisionsInCentre (P-4, PIPL Art. 24): the member registers its
// automated decisions (an opt-out purpose must be one of its notice's);
// the privacy centre shows each with its basic rules; the person asks for
// an explanation of any, for a person to decide only where the effect is
// significant, and refuses the personalised use in one press; a retired
// scenario is shown no more.
func TestDecisionsInCentre(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 10)
	ctx := context.Background()
	base := x.supplier.URL()
	if _, err := consent.New(x.supplier.Node).Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	reg := decisions.New(x.supplier.Node)
	if _, err := reg.Add(ctx, "个性化推荐", "按近 90 天的浏览与购买记录推荐商品", false, "nosuch", "test"); !errs.Is(err, errs.Invalid) {
		t.Errorf("an opt-out purpose not in the notice: %v", err)
	}
	rec, err := reg.Add(ctx, "个性化推荐", "按近 90 天的浏览与购买记录推荐商品", false, "marketing", "test")
	if err != nil {
		t.Fatal(err)
	}
	credit, err := reg.Add(ctx, "信用额度评估", "按收入证明、还款记录与负债情况评分，分数决定额度", true, "", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Add(ctx, "信用额度评估", "x", true, "", "test"); !errs.Is(err, errs.Conflict) {
		t.Errorf("a name twice: %v", err)
	}
	key, _ := x.supplier.Privacy.LinkKey(ctx)
	_, session := enter(t, base, privacy.MintLink(key, personID(1), x.supplier.Node.Now(), 5*time.Minute))
	_, _, body := get(t, base+"/privacy", session)
	wantAll(t, "the decisions", body, `id="decision-`+rec.ID+`"`, "按近 90 天的浏览与购买记录推荐商品", `id="explain-`+rec.ID+`"`, `id="optout-marketing"`,
		`id="review-`+credit.ID+`"`)
	if strings.Contains(body, `id="review-`+rec.ID+`"`) {
		t.Error("a human review offered for a decision without significant effect")
	}
	csrf := between(body, `name="csrf" value="`, `"`)
	if code, _, _ := post(t, base+"/privacy/request", url.Values{"csrf": {csrf}, "kind": {"review"}, "decision": {rec.ID}}, session); code != http.StatusBadRequest {
		t.Errorf("a review of a decision without significant effect: %d", code)
	}
	for _, kind := range []string{"explain", "review"} {
		if code, _, _ := post(t, base+"/privacy/request", url.Values{"csrf": {csrf}, "kind": {kind}, "decision": {credit.ID}}, session); code != http.StatusSeeOther {
			t.Errorf("%s: %d", kind, code)
		}
	}
	rs, _ := x.supplier.Privacy.Requests(ctx, nil)
	if len(rs) != 2 || rs[0].Decision != credit.ID || rs[0].DueOn == "" {
		t.Fatalf("requests: %+v", rs)
	}
	// Staff see the requests on the console, by the scenario's name.
	_, _, page := get(t, base+"/consent", login(t, x.supplier))
	wantAll(t, "the staff's requests", page, "由人工决定 · 信用额度评估", "解释说明自动化决策 · 信用额度评估")
	if code, _, _ := post(t, base+"/privacy/choice", url.Values{"csrf": {csrf}, "purpose": {"marketing"}, "action": {"refuse"}}, session); code != http.StatusSeeOther {
		t.Errorf("opting out of personalisation: %d", code)
	}
	_, _, body = get(t, base+"/privacy", session)
	wantAll(t, "after", body, `id="purpose-marketing" data-state="opted_out"`, "由人工决定")
	if err := reg.Retire(ctx, rec.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if _, _, body = get(t, base+"/privacy", session); strings.Contains(body, `id="decision-`+rec.ID+`"`) {
		t.Error("a retired scenario is still shown")
	}
	// Staff's register lists every scenario with its rules, the requests
	// it has had and the people who opted out; a retired one is marked.
	_, _, page = get(t, base+"/consent", login(t, x.supplier))
	reg1 := between(page, `id="decision-`+credit.ID+`"`, "</tr>")
	reg2 := between(page, `id="decision-`+rec.ID+`"`, "</tr>")
	wantAll(t, "the credit scenario", reg1, "信用额度评估", "按收入证明、还款记录与负债情况评分", "<td>1</td><td>1</td><td>2")
	wantAll(t, "the retired scenario", reg2, "已停用", "<td>1 <small")
}
