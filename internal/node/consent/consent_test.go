package consent_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/keyring"
	"hulian/internal/node"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
	"hulian/internal/storage/storagetest"
)

func openNode(t *testing.T, dsn string) *node.Node {
	t.Helper()
	n, err := node.Open(context.Background(), node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// notice is a valid first notice: marketing (no third party), exchange
// (provided to demanders through the exchange) and health (sensitive).
func notice(version int) *consent.Notice {
	return &consent.Notice{Version: version, Controller: "上海甲数据有限公司", Contact: "privacy@jia.example.cn",
		TextZH: "我们如何处理您的个人信息……", TextEN: "How we process your personal information…",
		Purposes: []consent.Purpose{
			{Code: "marketing", NameZH: "向您推荐本公司产品", NameEN: "recommending our products to you", Categories: []string{"手机号码", "购买记录"},
				Methods: []string{"collect", "store", "use"}, Retention: "2 年"},
			{Code: "exchange", NameZH: "经数据交易所向其他企业提供用户标签", NameEN: "providing user tags to other companies through the data exchange",
				Categories: []string{"消费偏好标签"}, Methods: []string{"store", "process", "provide"}, Recipients: []string{"经上海数据交易所撮合的需求方"},
				Retention: "1 年", ThirdParty: true},
			{Code: "health", NameZH: "健康管理服务", NameEN: "health management", Categories: []string{"体检结果"}, Methods: []string{"collect", "use"},
				Retention: "5 年", Sensitive: true, Impact: "体检结果用于为您制定健康计划；泄露可能影响您的就业与保险"},
		}}
}

func subject(i int) []byte {
	id := make([]byte, 17)
	id[0] = 1
	copy(id[1:], fmt.Sprintf("subject-%08d", i))
	return id
}

func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Field != field {
		t.Errorf("%s: %v, want an error naming %q", what, err, field)
	}
}

func TestNoticeCheck(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		edit  func(n *consent.Notice)
		field string
	}{
		{"version", func(n *consent.Notice) { n.Version = 0 }, "version"},
		{"no English", func(n *consent.Notice) { n.TextEN = "" }, "text_en"},
		{"no purposes", func(n *consent.Notice) { n.Purposes = nil }, "purposes"},
		{"bad code", func(n *consent.Notice) { n.Purposes[0].Code = "Marketing!" }, "purposes[0].code"},
		{"twice", func(n *consent.Notice) { n.Purposes[1].Code = "marketing" }, "purposes[1].code"},
		{"no categories", func(n *consent.Notice) { n.Purposes[0].Categories = nil }, "purposes[0].categories"},
		{"unknown method", func(n *consent.Notice) { n.Purposes[0].Methods = []string{"sell"} }, "purposes[0].methods"},
		{"provide without third party", func(n *consent.Notice) { n.Purposes[0].Methods = []string{"provide"} }, "purposes[0].third_party"},
		{"third party without recipients", func(n *consent.Notice) { n.Purposes[1].Recipients = nil }, "purposes[1].recipients"},
		{"no retention", func(n *consent.Notice) { n.Purposes[2].Retention = " " }, "purposes[2].retention"},
		{"sensitive without impact", func(n *consent.Notice) { n.Purposes[2].Impact = "" }, "purposes[2].impact"},
	} {
		n := notice(1)
		c.edit(n)
		wantField(t, c.name, n.Check(), c.field)
	}
	if err := notice(1).Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := consent.ParseNotice([]byte(`{"version":1,"purpses":[]}`)); err == nil {
		t.Error("a misspelt field is accepted")
	}
}

// TestLedger (P-2, P-3, S-3, X-P1, PIPL Art. 13–15, 23, 29, 31): events
// are refused naming the field — a basis outside Art. 13, consent by
// default, no separate consent where it is needed, a minor without a
// guardian, a withdrawal of nothing — and a batch with one bad event
// writes nothing; good events build each subject's history and state; the
// chain verifies and finds an event changed after it was recorded.
func TestLedger(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n := openNode(t, dsn)
		l := consent.New(n)
		at := n.Now().Add(-time.Hour)
		give := func(i int, purpose string) consent.Input {
			return consent.Input{ExID: subject(i), Purpose: purpose, Action: consent.Given, Basis: consent.BasisConsent, NoticeVersion: 1,
				Method: "app_opt_in", Evidence: fmt.Sprintf("form-%d", i), At: at, Separate: purpose != "marketing"}
		}
		if _, err := l.Record(ctx, []consent.Input{give(1, "marketing")}, "test"); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("recording before any notice: %v", err)
		}
		if _, err := l.Publish(ctx, notice(2), "test"); err == nil {
			t.Error("the first notice published as version 2")
		}
		if _, err := l.Publish(ctx, notice(1), "test"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			edit  func(in *consent.Input)
			field string
		}{
			{"legitimate interest", func(in *consent.Input) { in.Basis = "legitimate_interest" }, "basis"},
			{"pre-ticked", func(in *consent.Input) { in.Method = "pre_ticked" }, "method"},
			{"continued use", func(in *consent.Input) { in.Method = "continued_use" }, "method"},
			{"no separate consent to provision", func(in *consent.Input) { in.Separate = false }, "separate"},
			{"a minor alone", func(in *consent.Input) { in.Minor = true }, "guardian"},
			{"no evidence", func(in *consent.Input) { in.Evidence = "" }, "evidence"},
			{"unknown purpose", func(in *consent.Input) { in.Purpose = "resale" }, "purpose"},
			{"unknown notice", func(in *consent.Input) { in.NoticeVersion = 9 }, "notice_version"},
			{"future", func(in *consent.Input) { in.At = n.Now().Add(time.Hour) }, "at"},
		} {
			in := give(2, "exchange")
			c.edit(&in)
			_, err := l.Record(ctx, []consent.Input{give(1, "exchange"), in}, "test")
			var re *consent.RowError
			if !errors.As(err, &re) || re.Index != 1 {
				t.Errorf("%s: %v, want the second input named", c.name, err)
			}
			wantField(t, c.name, err, c.field)
		}
		sick := give(3, "health")
		sick.Minor, sick.Guardian = true, true
		evs, err := l.Record(ctx, []consent.Input{give(1, "exchange"), give(1, "marketing"), give(2, "exchange"), sick}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if evs[0].Seq != 1 || !evs[0].ThirdParty || evs[1].ThirdParty {
			t.Errorf("events: %+v %+v", evs[0], evs[1])
		}
		withdraw := consent.Input{ExID: subject(1), Purpose: "exchange", Action: consent.Withdrawn, NoticeVersion: 1, At: n.Now()}
		if _, err := l.Record(ctx, []consent.Input{withdraw}, "privacy-centre"); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Record(ctx, []consent.Input{withdraw}, "privacy-centre"); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("withdrawing twice: %v", err)
		}
		optOut := consent.Input{ExID: subject(9), Purpose: "marketing", Action: consent.OptedOut, NoticeVersion: 1, At: n.Now()}
		if _, err := l.Record(ctx, []consent.Input{optOut}, "privacy-centre"); err != nil {
			t.Errorf("an opt-out before any consent: %v", err)
		}
		h, err := l.History(ctx, subject(1))
		if err != nil || len(h) != 3 || h[2].Action != consent.Withdrawn || h[2].Basis != consent.BasisConsent {
			t.Fatalf("history: %+v %v", h, err)
		}
		if k, err := l.Verify(ctx); err != nil || k != 6 {
			t.Fatalf("verify: %d %v", k, err)
		}
		// An event changed in the database is found by its number.
		if err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE node_consent_events SET evidence = 'forged' WHERE seq = 3`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var b *consent.Broken
		if _, err := l.Verify(ctx); !errors.As(err, &b) || b.Seq != 3 {
			t.Errorf("a changed event: %v", err)
		}
	})
}

// TestNoticeChange (P-8, PIPL Art. 14): a new notice version that changes
// a purpose invalidates the consents given to it, in the same
// transaction, each in its history; purposes it leaves alone keep theirs;
// consent to the old wording is refused, to the new accepted.
func TestNoticeChange(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n := openNode(t, dsn)
		l := consent.New(n)
		if _, err := l.Publish(ctx, notice(1), "test"); err != nil {
			t.Fatal(err)
		}
		at := n.Now().Add(-time.Hour)
		var ins []consent.Input
		for i := 0; i < 5; i++ {
			for _, p := range []string{"exchange", "marketing"} {
				ins = append(ins, consent.Input{ExID: subject(i), Purpose: p, Action: consent.Given, Basis: consent.BasisConsent, NoticeVersion: 1,
					Method: "web_opt_in", Evidence: "form", At: at, Separate: p == "exchange"})
			}
		}
		if _, err := l.Record(ctx, ins, "test"); err != nil {
			t.Fatal(err)
		}
		v2 := notice(2)
		v2.Purposes[1].Categories = append(v2.Purposes[1].Categories, "地理位置")
		pub, err := l.Publish(ctx, v2, "test")
		if err != nil || pub.Invalidated != 5 || pub.ByPurpose["exchange"] != 5 || pub.ByPurpose["marketing"] != 0 {
			t.Fatalf("publish v2: %+v %v", pub, err)
		}
		var states []*nodestore.ConsentState
		n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { states, err = tx.SubjectConsents(ctx, subject(0)); return err })
		for _, s := range states {
			if want := map[string]string{"exchange": consent.StateInvalidated, "marketing": consent.StateActive}[s.Purpose]; s.State != want {
				t.Errorf("%s: %s, want %s", s.Purpose, s.State, want)
			}
		}
		old := ins[0]
		if _, err := l.Record(ctx, []consent.Input{old}, "test"); err == nil {
			t.Error("consent to the old wording of a changed purpose")
		}
		renewed := old
		renewed.NoticeVersion = 2
		if _, err := l.Record(ctx, []consent.Input{renewed}, "test"); err != nil {
			t.Errorf("consent under the new version: %v", err)
		}
		if _, err := l.Verify(ctx); err != nil {
			t.Error(err)
		}
	})
}

func exidText(i int) string { return exid.ExID(subject(i)).String() }

// TestImport: a file with one bad row is refused naming its line and
// column, and nothing of it is stored; a row that contradicts one above
// it (a withdrawal of a consent the file never gave) too; a good file is
// stored at once, in one transaction.
func TestImport(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n := openNode(t, dsn)
		l := consent.New(n)
		if _, err := l.Publish(ctx, notice(1), "test"); err != nil {
			t.Fatal(err)
		}
		head := "exid,purpose,action,basis,notice_version,method,evidence,at,separate,minor,guardian\n"
		row := func(i int, purpose, action, method, at, separate string) string {
			return fmt.Sprintf("%s,%s,%s,consent,1,%s,form-%d,%s,%s,,\n", exidText(i), purpose, action, method, i, at, separate)
		}
		good := row(1, "exchange", "given", "app_opt_in", "2026-11-01 10:00", "是") + row(2, "marketing", "given", "web_opt_in", "2026-11-01T02:00:00Z", "") +
			row(1, "exchange", "withdrawn", "privacy_centre", "2026-11-20 09:30", "")
		for _, c := range []struct {
			name, file, want string
		}{
			{"bad exid", head + good + "sub_x,exchange,given,consent,1,app_opt_in,f,2026-11-01 10:00,true,,\n", "line 5"},
			{"pre-ticked", head + row(3, "marketing", "given", "pre_ticked", "2026-11-01 10:00", "") + good, "line 2"},
			{"bad time", head + good + row(4, "marketing", "given", "app_opt_in", "yesterday", ""), "line 5"},
			{"bad flag", head + row(5, "exchange", "given", "app_opt_in", "2026-11-01 10:00", "maybe"), "separate"},
			{"withdrawn twice", head + good + row(1, "exchange", "withdrawn", "privacy_centre", "2026-11-21 09:30", ""), "line 5"},
			{"missing column", "exid,purpose\n" + exidText(1) + ",exchange\n", "action"},
		} {
			_, err := l.Import(ctx, "consents.csv", strings.NewReader(c.file), "", "test")
			if err == nil || !strings.Contains(errs.Message(err, "en"), c.want) || !strings.Contains(errs.Message(err, "en"), "consents.csv") {
				t.Errorf("%s: %v, want %q", c.name, err, c.want)
			}
		}
		var events int64
		n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { events, _, err = tx.ConsentHead(ctx); return err })
		if events != 0 {
			t.Fatalf("refused files stored %d events", events)
		}
		res, err := l.Import(ctx, "consents.csv", strings.NewReader(head+good), "", "test")
		if err != nil || res.Rows != 3 || res.ByAction[consent.Withdrawn] != 1 {
			t.Fatalf("good file: %+v %v", res, err)
		}
		if k, err := l.Verify(ctx); err != nil || k != 3 {
			t.Errorf("verify: %d %v", k, err)
		}
	})
}

// TestReceipt: the receipt of a consent in force carries Kantara v1.1's
// fields, verifies with the node's key, and fails once changed; there is
// none for a withdrawn consent.
func TestReceipt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	n := openNode(t, "sqlite://"+t.TempDir()+"/n.db")
	l := consent.New(n)
	if _, err := l.Publish(ctx, notice(1), "test"); err != nil {
		t.Fatal(err)
	}
	at := n.Now().Add(-time.Hour)
	in := consent.Input{ExID: subject(1), Purpose: "exchange", Action: consent.Given, Basis: consent.BasisConsent, NoticeVersion: 1, Method: "app_opt_in",
		Evidence: "form-1", At: at, Separate: true}
	if _, err := l.Record(ctx, []consent.Input{in}, "test"); err != nil {
		t.Fatal(err)
	}
	tok, r, err := l.Receipt(ctx, subject(1), "exchange", "https://jia.example.cn/privacy/v1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := consent.VerifyReceipt(tok, n.Keys.Signer.Public().(ed25519.PublicKey))
	if err != nil || got.ConsentReceiptID != r.ConsentReceiptID || !got.Services[0].Purposes[0].ThirdPartyDisclosure || got.Jurisdiction != "CN" ||
		got.ConsentTimestamp != at.Unix() || got.Extensions["separate"] != "true" {
		t.Fatalf("receipt: %+v %v", got, err)
	}
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + strings.Replace(parts[1], parts[1][10:14], "AAAA", 1) + "." + parts[2]
	if _, err := consent.VerifyReceipt(forged, n.Keys.Signer.Public().(ed25519.PublicKey)); err == nil {
		t.Error("a changed receipt verifies")
	}
	if _, err := l.Record(ctx, []consent.Input{{ExID: subject(1), Purpose: "exchange", Action: consent.Withdrawn, NoticeVersion: 1, At: n.Now()}}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Receipt(ctx, subject(1), "exchange", ""); !errs.Is(err, errs.NotFound) {
		t.Errorf("a receipt for a withdrawn consent: %v", err)
	}
}

func FuzzParseNotice(f *testing.F) {
	b, _ := json.Marshal(notice(1))
	f.Add(b)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"purposes":[{"code":"x"}]} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := consent.ParseNotice(b)
		if err == nil {
			n.Check() // must not panic
		}
	})
}

func FuzzVerifyReceipt(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	tok, _ := consent.SignReceipt(&consent.Receipt{Version: consent.ReceiptVersion}, priv)
	f.Add(tok)
	f.Add("a.b.c")
	f.Add("")
	pub := priv.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := consent.VerifyReceipt(s, pub); err == nil && r.Version != consent.ReceiptVersion {
			t.Fatal("a receipt of another version verifies")
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-01 10:00", "2026-11-01T02:00:00Z", "2026-11-01T10:00", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if tm, err := consent.ParseTime(s); err == nil && tm.IsZero() {
			t.Fatal("a zero time parses")
		}
	})
}

// TestLedgerSM3: a ledger begun on a node of the 国密 profile is chained
// with SM3, recorded with its first event; it verifies, and a changed
// event is found as under SHA-256.
func TestLedgerSM3(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		n, err := node.Open(ctx, node.Config{DB: dsn, KEKEnv: keyring.NewKEKText(), Region: "CN-SH", Crypto: "gm"})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		l := consent.New(n)
		if _, err := l.Publish(ctx, notice(1), "test"); err != nil {
			t.Fatal(err)
		}
		at := n.Now().Add(-time.Hour)
		var ins []consent.Input
		for i := range 5 {
			ins = append(ins, consent.Input{ExID: subject(i), Purpose: "marketing", Action: consent.Given, Basis: consent.BasisConsent, NoticeVersion: 1,
				Method: "app_opt_in", Evidence: fmt.Sprintf("form-%d", i), At: at})
		}
		if _, err := l.Record(ctx, ins, "test"); err != nil {
			t.Fatal(err)
		}
		if k, err := l.Verify(ctx); err != nil || k != 5 {
			t.Fatalf("verify: %d %v", k, err)
		}
		var alg string
		var evs []*nodestore.ConsentEvent
		if err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
			if alg, err = tx.Setting(ctx, nodestore.SettingConsentChainHash); err != nil {
				return err
			}
			evs, err = tx.ConsentEvents(ctx, nil, 1, 10)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if alg != "sm3" || !bytes.Equal(evs[0].Hash, consent.HashWith(digest.SM3, []byte{}, evs[0])) || bytes.Equal(evs[0].Hash, consent.Hash([]byte{}, evs[0])) {
			t.Fatalf("the chain's hash %q", alg)
		}
		if err := n.DB.Transact(ctx, func(tx *nodestore.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE node_consent_events SET evidence = 'forged' WHERE seq = 3`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var broken *consent.Broken
		if _, err := l.Verify(ctx); !errors.As(err, &broken) || broken.Seq != 3 {
			t.Errorf("a changed event: %v", err)
		}
	})
}
