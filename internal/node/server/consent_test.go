package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/consent"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

// exchangeNotice is a notice whose purpose "exchange" provides tags to
// third parties through the exchange, and "marketing" does not.
func exchangeNotice() *consent.Notice {
	return &consent.Notice{Version: 1, Controller: "甲数据", Contact: "privacy@jia.example.cn", TextZH: "隐私政策", TextEN: "Privacy notice",
		Purposes: []consent.Purpose{
			{Code: "exchange", NameZH: "经数据交易所向需求方提供消费标签", NameEN: "providing spending tags to demanders through the exchange",
				Categories: []string{"消费水平", "常住区域"}, Methods: []string{"store", "provide"}, Recipients: []string{"需求方"}, Retention: "1 年", ThirdParty: true},
			{Code: "marketing", NameZH: "本公司营销", NameEN: "our own marketing", Categories: []string{"消费水平"}, Methods: []string{"use"}, Retention: "1 年"},
		}}
}

func give(i int, purpose string, at time.Time) consent.Input {
	id := personID(i)
	return consent.Input{ExID: id[:], Purpose: purpose, Action: consent.Given, Basis: consent.BasisConsent, NoticeVersion: 1,
		Method: "app_opt_in", Evidence: fmt.Sprintf("form-%d", i), At: at, Separate: true}
}

func withdraw(i int, at time.Time) consent.Input {
	id := personID(i)
	return consent.Input{ExID: id[:], Purpose: "exchange", Action: consent.Withdrawn, NoticeVersion: 1, At: at}
}

// TestConsentAwareAnswers (X-P1, PIPL Art. 23): once the supplier's node
// publishes its notice it answers an order only when the order is bound
// to a purpose, and then only for subjects whose separate consent to
// provision for that purpose is in force — consent to another purpose
// does not count; a withdrawal, by this process or another, holds from the
// very next request.
func TestConsentAwareAnswers(t *testing.T) {
	t.Parallel()
	for _, eng := range storagetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			x := newExchange(t, eng, 100)
			ctx := context.Background()
			ids := []exid.ExID{personID(1), personID(2), personID(3), personID(4)}
			if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 4 {
				t.Fatalf("before the ledger: %+v %v", res, err)
			}
			l := consent.New(x.supplier.Node)
			if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
				t.Fatal(err)
			}
			if _, err := x.demander.Query(ctx, "ord_one", ids); !errs.Is(err, errs.FailedPrecondition) {
				t.Fatalf("an unbound order: %v", err)
			}
			if err := l.Bind(ctx, "ord_one", "resale", "test"); err == nil {
				t.Error("bound to a purpose the notice lacks")
			}
			if err := l.Bind(ctx, "ord_one", "exchange", "test"); err != nil {
				t.Fatal(err)
			}
			if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 0 {
				t.Fatalf("nobody consented: %+v %v", res, err)
			}
			at := x.supplier.Node.Now().Add(-time.Hour)
			// Subjects 1–3 and 5–16 consent to provision (enough that every
			// tag value has k = 2 of them), 4 to marketing only.
			ins := []consent.Input{give(1, "exchange", at), give(2, "exchange", at), give(3, "exchange", at), give(4, "marketing", at)}
			for i := 5; i <= 16; i++ {
				ins = append(ins, give(i, "exchange", at))
			}
			if _, err := l.Record(ctx, ins, "test"); err != nil {
				t.Fatal(err)
			}
			res, err := x.demander.Query(ctx, "ord_one", ids)
			if err != nil || res.Matched != 3 || res.Values[3] != nil {
				t.Fatalf("three consented to provision, one to marketing only: %+v %v", res, err)
			}
			if _, err := l.Record(ctx, []consent.Input{withdraw(2, x.supplier.Node.Now())}, "privacy-centre"); err != nil {
				t.Fatal(err)
			}
			if res, err = x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 2 || res.Values[1] != nil {
				t.Fatalf("the next request after a withdrawal: %+v %v", res, err)
			}
			if eng == "sqlite" {
				// Another process (the command line, the privacy centre's
				// own server) withdraws: the serving node sees it too.
				other, err := node.Open(ctx, node.Config{DB: "sqlite://" + filepath.Join(x.dir, "supplier.db"), KEKEnv: x.kek})
				if err != nil {
					t.Fatal(err)
				}
				_, err = consent.New(other).Record(ctx, []consent.Input{withdraw(3, other.Now())}, "privacy-centre")
				other.Close()
				if err != nil {
					t.Fatal(err)
				}
				if res, err = x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 1 || res.Values[2] != nil {
					t.Fatalf("after a withdrawal by another process: %+v %v", res, err)
				}
			}
		})
	}
}

// TestConsentProperty: over random interleavings of consents given,
// withdrawn, refused and given again with deliveries, no answer ever holds
// a subject whose ledger, at the request's time, lacks separate consent to
// provision for the order's purpose — and every subject that has it is
// answered.
func TestConsentProperty(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 60)
	ctx := context.Background()
	l := consent.New(x.supplier.Node)
	if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	if err := l.Bind(ctx, "ord_one", "exchange", "test"); err != nil {
		t.Fatal(err)
	}
	const people = 40 // 0…29 are rows of the dataset; 30… are persons 70… it lacks
	ids := make([]exid.ExID, people)
	for i := range ids {
		ids[i] = personID(i + (i/30)*40)
	}
	// A base of consented subjects the test never asks about keeps every
	// tag value above k, so that the gate over consented rows never stops
	// the answers (TestConsentGate tests that).
	at0 := x.supplier.Node.Now().Add(-2 * time.Hour)
	var base []consent.Input
	for i := 40; i < 60; i++ {
		base = append(base, give(i, "exchange", at0))
	}
	if _, err := l.Record(ctx, base, "test"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	model := map[int]string{} // subject index → state of its "exchange" history
	at := x.supplier.Node.Now().Add(-time.Hour)
	for round := 0; round < 40; round++ {
		var ins []consent.Input
		for k := rng.IntN(6); k > 0; k-- {
			i := rng.IntN(people)
			id := ids[i]
			in := consent.Input{ExID: id[:], Purpose: "exchange", NoticeVersion: 1, At: at}
			switch st := model[i]; {
			case st == consent.StateActive && rng.IntN(2) == 0:
				in.Action = consent.Withdrawn
				model[i] = consent.StateWithdrawn
			case st == consent.StateActive:
				in.Action = consent.OptedOut
				model[i] = consent.StateOptedOut
			default:
				in.Action, in.Basis, in.Method, in.Evidence, in.Separate = consent.Given, consent.BasisConsent, "web_opt_in", "f", true
				model[i] = consent.StateActive
			}
			ins = append(ins, in)
		}
		if _, err := l.Record(ctx, ins, "test"); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		res, err := x.demander.Query(ctx, "ord_one", ids)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for i := range ids {
			inData := i < 30
			want := inData && model[i] == consent.StateActive
			if got := res.Values[i] != nil; got != want {
				t.Fatalf("round %d: subject %d (state %q, in the dataset %v) answered %v", round, i, model[i], inData, got)
			}
		}
	}
	if _, err := l.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestDemanderAsksOnlyConsented (X-P1): a demander's node that runs its
// consent ledger sends tokens only for customers whose ledger has the
// order's purpose in force; the others are not asked — the platform never
// sees their tokens — and a withdrawal holds from the next query.
func TestDemanderAsksOnlyConsented(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 100)
	ctx := context.Background()
	dn := x.demander.Node
	l := consent.New(dn)
	n := &consent.Notice{Version: 1, Controller: "乙银行", Contact: "privacy@yi.example.cn", TextZH: "隐私政策", TextEN: "Privacy notice",
		Purposes: []consent.Purpose{
			{Code: "risk", NameZH: "贷前风险评估", NameEN: "pre-loan risk assessment", Categories: []string{"消费水平"}, Methods: []string{"collect", "use"}, Retention: "3 年"},
			{Code: "marketing", NameZH: "营销", NameEN: "marketing", Categories: []string{"消费水平"}, Methods: []string{"use"}, Retention: "1 年"},
		}}
	if _, err := l.Publish(ctx, n, "test"); err != nil {
		t.Fatal(err)
	}
	ids := []exid.ExID{personID(1), personID(2), personID(3), personID(4)}
	if _, err := x.demander.Query(ctx, "ord_one", ids); !errs.Is(err, errs.FailedPrecondition) {
		t.Fatalf("an unbound order: %v", err)
	}
	if err := l.Bind(ctx, "ord_one", "risk", "test"); err != nil {
		t.Fatal(err)
	}
	at := dn.Now().Add(-time.Hour)
	in := func(i int, purpose string) consent.Input {
		id := personID(i)
		return consent.Input{ExID: id[:], Purpose: purpose, Action: consent.Given, Basis: consent.BasisContract, NoticeVersion: 1, Method: "contract", At: at}
	}
	if _, err := l.Record(ctx, []consent.Input{in(1, "risk"), in(2, "risk"), in(3, "marketing")}, "test"); err != nil {
		t.Fatal(err)
	}
	sentTo := func() [][]byte {
		x.relay.mu.Lock()
		defer x.relay.mu.Unlock()
		return x.relay.sent["ord_one"]
	}
	before := len(sentTo())
	res, err := x.demander.Query(ctx, "ord_one", ids)
	if err != nil || res.Matched != 2 || fmt.Sprint(res.Unauthorised) != "[2 3]" {
		t.Fatalf("query: %+v %v", res, err)
	}
	sent := sentTo()
	if len(sent) != before+1 || len(sent[len(sent)-1]) != 2*16 {
		t.Fatalf("the platform saw %d requests, the last of %d bytes", len(sent)-before, len(sent[len(sent)-1]))
	}
	id1 := personID(1)
	if _, err := l.Record(ctx, []consent.Input{{ExID: id1[:], Purpose: "risk", Action: consent.OptedOut, NoticeVersion: 1, At: dn.Now()}}, "test"); err != nil {
		t.Fatal(err)
	}
	if res, err = x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 1 || fmt.Sprint(res.Unauthorised) != "[0 2 3]" {
		t.Fatalf("after an opt-out: %+v %v", res, err)
	}
}

// TestConsentGate (X-E8 after consent changes): the dataset passed the
// gate with k = 2; when the subjects consenting to the order's purpose
// leave a tag value with fewer than k of them (but some), the supplier
// stops answering the order, saying why, until enough consent; a
// withdrawal can stop it again.
func TestConsentGate(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 100)
	ctx := context.Background()
	l := consent.New(x.supplier.Node)
	if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	if err := l.Bind(ctx, "ord_one", "exchange", "test"); err != nil {
		t.Fatal(err)
	}
	at := x.supplier.Node.Now().Add(-time.Hour)
	ids := []exid.ExID{personID(0), personID(3), personID(6), personID(9)}
	// 0 and 3 live in the north; one has a high level, one a low: each
	// level has one consenting person, fewer than k.
	if _, err := l.Record(ctx, []consent.Input{give(0, "exchange", at), give(3, "exchange", at)}, "test"); err != nil {
		t.Fatal(err)
	}
	_, err := x.demander.Query(ctx, "ord_one", ids)
	if !errs.Is(err, errs.FailedPrecondition) {
		t.Fatalf("one person behind a value: %v", err)
	}
	if _, err := l.Record(ctx, []consent.Input{give(6, "exchange", at), give(9, "exchange", at)}, "test"); err != nil {
		t.Fatal(err)
	}
	if res, err := x.demander.Query(ctx, "ord_one", ids); err != nil || res.Matched != 4 {
		t.Fatalf("two behind every value: %+v %v", res, err)
	}
	if _, err := l.Record(ctx, []consent.Input{withdraw(9, x.supplier.Node.Now())}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.demander.Query(ctx, "ord_one", ids); !errs.Is(err, errs.FailedPrecondition) {
		t.Fatalf("a withdrawal leaves one behind a value: %v", err)
	}
}

// TestConsentConsolePage: the node console's consent ledger page shows the
// notice in force with each purpose's histories by state, binds an order
// to a purpose (a purpose the notice lacks refused at the field), looks a
// subject's history up by exID and verifies the chain — in both languages.
func TestConsentConsolePage(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 20)
	ctx := context.Background()
	sup := login(t, x.supplier)
	en := &http.Cookie{Name: "lang", Value: "en"}
	_, _, body := get(t, x.supplier.URL()+"/consent", sup)
	wantAll(t, "consent before a notice", body, "尚未发布隐私告知")
	l := consent.New(x.supplier.Node)
	if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	at := x.supplier.Node.Now().Add(-time.Hour)
	if _, err := l.Record(ctx, []consent.Input{give(1, "exchange", at), give(2, "exchange", at), withdraw(2, x.supplier.Node.Now())}, "test"); err != nil {
		t.Fatal(err)
	}
	_, _, body = get(t, x.supplier.URL()+"/consent", sup, en)
	wantAll(t, "consent", body, `id="purpose-exchange"`, "provided to third parties (separate consent)", "In force: version 1", "withdrawn")
	csrf := between(body, `name="csrf" value="`, `"`)
	code, _, body := post(t, x.supplier.URL()+"/consent/bind", url.Values{"csrf": {csrf}, "order": {"ord_one"}, "purpose": {"resale"}}, sup, en)
	if code != http.StatusBadRequest || !strings.Contains(body, `aria-invalid`) && !strings.Contains(body, "resale") {
		t.Errorf("binding to a purpose the notice lacks: %d", code)
	}
	if code, _, _ := post(t, x.supplier.URL()+"/consent/bind", url.Values{"csrf": {csrf}, "order": {"ord_one"}, "purpose": {"exchange"}}, sup); code != http.StatusSeeOther {
		t.Fatalf("bind: %d", code)
	}
	if code, _, _ := post(t, x.supplier.URL()+"/consent/bind", url.Values{"order": {"ord_one"}, "purpose": {"exchange"}}, sup); code != http.StatusForbidden {
		t.Errorf("binding without the CSRF token: %d", code)
	}
	_, _, body = get(t, x.supplier.URL()+"/consent?exid="+personID(2).String(), sup)
	wantAll(t, "history", body, `id="history"`, "撤回", "单独同意", "ord_one")
	if code, _, _ := get(t, x.supplier.URL()+"/consent?exid=nonsense", sup); code != http.StatusBadRequest {
		t.Errorf("a bad exID: %d", code)
	}
	_, _, body = post(t, x.supplier.URL()+"/consent/verify", url.Values{"csrf": {csrf}}, sup, en)
	wantAll(t, "verify", body, `id="verified"`, "events checked 3")
}
