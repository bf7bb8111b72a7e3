package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/exid"
)

// enter opens the privacy centre with a link token and returns the
// session cookie.
func enter(t *testing.T, base, token string) (int, *http.Cookie) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/privacy/enter?t=" + url.QueryEscape(token))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == privacy.Cookie {
			return res.StatusCode, ck
		}
	}
	return res.StatusCode, nil
}

// TestPrivacyCentre (O-4, S-6, X-P3): a customer arrives from the
// member's app through a signed link, spent on first use (a reused, a
// changed or an expired link gets nothing); the page lists the notice's
// purposes with the customer's own choices; a withdrawal there holds from
// the very next delivery; a refusal and a request with its due date in
// working days are recorded; forms need the session's token; another
// customer sees only their own.
func TestPrivacyCentre(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 100)
	ctx := context.Background()
	base := x.supplier.URL()
	l := consent.New(x.supplier.Node)
	if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	if err := l.Bind(ctx, "ord_one", "exchange", "test"); err != nil {
		t.Fatal(err)
	}
	at := x.supplier.Node.Now().Add(-time.Hour)
	var ins []consent.Input
	for i := 1; i <= 16; i++ {
		ins = append(ins, give(i, "exchange", at))
	}
	if _, err := l.Record(ctx, ins, "test"); err != nil {
		t.Fatal(err)
	}
	// The notice's public pages: the one in force, and each version.
	_, _, page := get(t, base+"/privacy/notice")
	wantAll(t, "the public notice", page, `data-version="1"`, `id="purpose-exchange"`, "需求方", "1 年")
	if code, _, _ := get(t, base+"/privacy/notice/9"); code != http.StatusNotFound {
		t.Errorf("a version never published: %d", code)
	}
	key, err := x.supplier.Privacy.LinkKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := x.supplier.Node.Now()
	if code, _, _ := get(t, base+"/privacy"); code != http.StatusUnauthorized {
		t.Errorf("the centre without a session: %d", code)
	}
	tok := privacy.MintLink(key, personID(1), now, 5*time.Minute)
	for name, bad := range map[string]string{
		"changed":  privacy.MintLink(key, personID(1), now, 5*time.Minute)[:30] + strings.Repeat("A", 3) + tok[33:],
		"expired":  privacy.MintLink(key, personID(1), now.Add(-time.Hour), 5*time.Minute),
		"foreign":  privacy.MintLink(make([]byte, 32), personID(1), now, 5*time.Minute),
		"nonsense": "x.y",
	} {
		if code, ck := enter(t, base, bad); code != http.StatusUnauthorized || ck != nil {
			t.Errorf("a %s link: %d %v", name, code, ck)
		}
	}
	code, session := enter(t, base, tok)
	if code != http.StatusSeeOther || session == nil {
		t.Fatalf("enter: %d", code)
	}
	if code, ck := enter(t, base, tok); code != http.StatusUnauthorized || ck != nil {
		t.Errorf("a link used twice: %d", code)
	}
	_, _, body := get(t, base+"/privacy", session)
	wantAll(t, "the centre", body, `id="purpose-exchange" data-state="active"`, `id="withdraw-exchange"`, `id="purpose-marketing" data-state=""`, "需求方")
	csrf := between(body, `name="csrf" value="`, `"`)

	ids := []exid.ExID{personID(1), personID(2)}
	if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 2 {
		t.Fatalf("before the withdrawal: %+v %v", res, err)
	}
	if code, _, _ := post(t, base+"/privacy/choice", url.Values{"purpose": {"exchange"}, "action": {"withdraw"}}, session); code != http.StatusForbidden {
		t.Errorf("a choice without the form's token: %d", code)
	}
	if code, _, body := post(t, base+"/privacy/choice", url.Values{"csrf": {csrf}, "purpose": {"exchange"}, "action": {"withdraw"}}, session); code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", code, body)
	}
	res, err := x.demander.Query(ctx, "ord_one", ids)
	if err != nil || res.Matched != 1 || res.Values[0] != nil {
		t.Fatalf("the next delivery after the withdrawal: %+v %v", res, err)
	}
	if code, _, _ := post(t, base+"/privacy/choice", url.Values{"csrf": {csrf}, "purpose": {"marketing"}, "action": {"refuse"}}, session); code != http.StatusSeeOther {
		t.Errorf("refuse: %d", code)
	}
	if code, _, body := post(t, base+"/privacy/request", url.Values{"csrf": {csrf}, "kind": {"delete"}, "details": {" "}}, session); code != http.StatusBadRequest || !strings.Contains(body, `id="error"`) {
		t.Errorf("a deletion request without details: %d", code)
	}
	if code, _, _ := post(t, base+"/privacy/request", url.Values{"csrf": {csrf}, "kind": {"delete"}, "details": {"请删除我的消费记录"}}, session, &http.Cookie{Name: "lang", Value: "en"}); code != http.StatusSeeOther {
		t.Errorf("request: %d", code)
	}
	_, _, body = get(t, base+"/privacy", session, &http.Cookie{Name: "lang", Value: "en"})
	wantAll(t, "the centre after", body, `id="purpose-exchange" data-state="withdrawn"`, `id="purpose-marketing" data-state="opted_out"`, `data-status="open"`, "to be answered by")
	rs, err := x.supplier.Privacy.Requests(ctx, nil)
	if err != nil || len(rs) != 1 || rs[0].DueOn == "" {
		t.Fatalf("requests: %+v %v", rs, err)
	}
	// Staff see it on the console's consent page and close it there.
	staff := login(t, x.supplier)
	_, _, page = get(t, base+"/consent", staff)
	wantAll(t, "the staff's requests", page, `id="req-`+rs[0].ID+`" data-status="open"`, "请删除我的消费记录")
	scsrf := between(page, `name="csrf" value="`, `"`)
	if code, _, _ := post(t, base+"/consent/requests/"+rs[0].ID, url.Values{"csrf": {scsrf}, "status": {"refused"}, "outcome": {" "}}, staff); code != http.StatusBadRequest {
		t.Errorf("a refusal without its reason: %d", code)
	}
	if code, _, _ := post(t, base+"/consent/requests/"+rs[0].ID, url.Values{"csrf": {scsrf}, "status": {"done"}, "outcome": {"已删除全部消费记录"}}, staff); code != http.StatusSeeOther {
		t.Errorf("close: %d", code)
	}
	_, _, body = get(t, base+"/privacy", session)
	wantAll(t, "the centre after the request is closed", body, `data-status="done"`, "已删除全部消费记录")
	// A deletion done leaves the person out of every dataset's answers.
	var excluded bool
	p1 := personID(1)
	if err := x.supplier.Node.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { excluded, err = tx.Excluded(ctx, "", p1[:]); return err }); err != nil || !excluded {
		t.Errorf("after the deletion request is done, excluded = %v %v", excluded, err)
	}
	if code, _, _ := post(t, base+"/consent/requests/"+rs[0].ID, url.Values{"csrf": {scsrf}, "status": {"refused"}, "outcome": {"改主意"}}, staff); code != http.StatusPreconditionFailed {
		t.Errorf("closing a closed request again: %d", code)
	}
	// A complaint links to the exchange operator's public form, prefilled.
	if code, _, _ := post(t, base+"/privacy/request", url.Values{"csrf": {csrf}, "kind": {"complain"}, "details": {"未经同意提供给第三方"}}, session); code != http.StatusSeeOther {
		t.Errorf("complain: %d", code)
	}
	_, _, body = get(t, base+"/privacy", session, &http.Cookie{Name: "lang", Value: "en"})
	wantAll(t, "the escalation link", body, `class="escalate"`, x.relay.URL()+"/complain?concerns=member", supplierID)
	// The node hands the complaint over to the operator in the person's
	// name: without a contact it is shown again with the error; then the
	// platform receives it, signed by the member's node, naming the member
	// and the request and not the person's exID, and the centre shows the
	// complaint's ID and code with a link to follow it. Twice is refused.
	rs, _ = x.supplier.Privacy.Requests(ctx, nil)
	var complaint string
	for _, r := range rs {
		if r.Kind == "complain" {
			complaint = r.ID
		}
	}
	if code, _, body := post(t, base+"/privacy/escalate", url.Values{"csrf": {csrf}, "request": {complaint}, "complainant": {"张三"}}, session); code != http.StatusBadRequest || !strings.Contains(body, `id="error"`) {
		t.Errorf("a hand-over without a contact: %d", code)
	}
	_, other := enter(t, base, privacy.MintLink(key, personID(2), now, 5*time.Minute))
	_, _, obody := get(t, base+"/privacy", other)
	if code, _, _ := post(t, base+"/privacy/escalate", url.Values{"csrf": {between(obody, `name="csrf" value="`, `"`)}, "request": {complaint}, "complainant": {"李四"}, "contact": {"13900000000"}}, other); code != http.StatusNotFound {
		t.Errorf("another person handing the complaint over: %d", code)
	}
	if code, _, body := post(t, base+"/privacy/escalate", url.Values{"csrf": {csrf}, "request": {complaint}, "complainant": {"张三"}, "contact": {"zhangsan@example.cn"}}, session); code != http.StatusSeeOther {
		t.Fatalf("hand over: %d %s", code, body)
	}
	filed, signers := x.relay.supervision.complaints()
	if len(filed) != 1 || signers[0] != supplierID || filed[0].Kind != "privacy" || filed[0].Complainant != "张三" || !strings.Contains(filed[0].Concerns, supplierID) ||
		!strings.Contains(filed[0].Concerns, complaint) || !strings.Contains(filed[0].Description, "未经同意提供给第三方") || strings.Contains(filed[0].Description+filed[0].Concerns, personID(1).String()) {
		t.Fatalf("the platform received %+v from %v", filed, signers)
	}
	_, _, body = get(t, base+"/privacy", session)
	wantAll(t, "the complaint handed over", body, `id="escalated-`+complaint+`"`, "cmp_test1", "code-1", x.relay.URL()+"/complain/status?code=code-1&amp;id=cmp_test1")
	if code, _, _ := post(t, base+"/privacy/escalate", url.Values{"csrf": {csrf}, "request": {complaint}, "complainant": {"张三"}, "contact": {"zhangsan@example.cn"}}, session); code == http.StatusSeeOther {
		t.Error("a complaint handed over twice")
	}
	if filed, _ := x.relay.supervision.complaints(); len(filed) != 1 {
		t.Errorf("the platform received %d complaints", len(filed))
	}
	// Another customer sees their own choices only.
	_, _, body = get(t, base+"/privacy", other)
	wantAll(t, "another customer's centre", body, `id="purpose-exchange" data-state="active"`)
	if strings.Contains(body, "data-status=") {
		t.Errorf("another customer sees the first's requests")
	}
}
