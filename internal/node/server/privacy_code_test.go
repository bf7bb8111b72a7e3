package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hulian/internal/node/consent"
	"hulian/internal/node/privacy"
	"hulian/internal/protocol/ident"
)

// TestPrivacyCodeEntry (O-4, S-6): a person without the app's link enters
// the privacy centre by a code sent to their mobile number. The page that
// follows an address is the same whether the member knows it or not;
// a malformed number is shown again with the error; a wrong code is
// refused and counted, the right one opens the centre as the person whose
// exID the number makes (computed through the platform only then), once;
// a fourth code to one number within the window is refused; the node's
// database keeps neither the number nor the code readable.
func TestPrivacyCodeEntry(t *testing.T) {
	t.Parallel()
	x := newExchange(t, "sqlite", 10)
	ctx := context.Background()
	base := x.supplier.URL()
	outbox := &privacy.Outbox{}
	x.supplier.Privacy.Senders = privacy.Senders{privacy.ByMobile: outbox, privacy.ByEmail: outbox}
	l := consent.New(x.supplier.Node)
	if _, err := l.Publish(ctx, exchangeNotice(), "test"); err != nil {
		t.Fatal(err)
	}
	const number = "13800138000"
	person := x.relay.exid.exidOf(t, ident.Mobile, number)
	in := give(1, "exchange", x.supplier.Node.Now().Add(-time.Hour))
	in.ExID = person[:]
	if _, err := l.Record(ctx, []consent.Input{in}, "test"); err != nil {
		t.Fatal(err)
	}

	code, _, body := get(t, base+"/privacy")
	if code != http.StatusUnauthorized || !strings.Contains(body, `id="start-link"`) {
		t.Fatalf("the centre without a session: %d", code)
	}
	_, _, body = get(t, base+"/privacy/start")
	wantAll(t, "the entry page", body, `id="start-form"`, `value="mobile"`, `value="email"`)
	if code, _, body := post(t, base+"/privacy/start", url.Values{"channel": {"mobile"}, "address": {"1380013800"}}); code != http.StatusBadRequest || !strings.Contains(body, `id="error"`) || !strings.Contains(body, `value="1380013800"`) {
		t.Errorf("a malformed number: %d", code)
	}
	codeOf := func(h http.Header) string {
		t.Helper()
		loc := h.Get("Location")
		if !strings.HasPrefix(loc, "/privacy/code?id=otp_") {
			t.Fatalf("after sending: %q", loc)
		}
		return strings.TrimPrefix(loc, "/privacy/code?id=")
	}
	// Known and unknown numbers: the same answer.
	_, h, known := post(t, base+"/privacy/start", url.Values{"channel": {"mobile"}, "address": {"138 0013 8000"}})
	id := codeOf(h)
	_, h2, unknown := post(t, base+"/privacy/start", url.Values{"channel": {"mobile"}, "address": {"13900139000"}})
	codeOf(h2)
	if known != unknown {
		t.Errorf("the answers differ for a known and an unknown number")
	}
	sent := outbox.Sent()
	if len(sent) != 2 || sent[0].To != "+8613800138000" || sent[0].Channel != privacy.ByMobile {
		t.Fatalf("sent: %+v", sent)
	}
	secret := regexp.MustCompile(`\d{6}`).FindString(sent[0].Text)
	if x.relay.exid.calls.Load() != 0 {
		t.Errorf("sending a code evaluated %d exIDs", x.relay.exid.calls.Load())
	}
	_, _, body = get(t, base+"/privacy/code?id="+id)
	wantAll(t, "the code page", body, `id="code-form"`, `value="`+id+`"`)
	wrong := "000000"
	if secret == wrong {
		wrong = "111111"
	}
	if code, _, body := post(t, base+"/privacy/code", url.Values{"id": {id}, "code": {wrong}}); code != http.StatusBadRequest || !strings.Contains(body, "验证码不正确") {
		t.Errorf("a wrong code: %d", code)
	}
	code, h, _ = post(t, base+"/privacy/code", url.Values{"id": {id}, "code": {secret}})
	var session *http.Cookie
	for _, ck := range (&http.Response{Header: h}).Cookies() {
		if ck.Name == privacy.Cookie {
			session = ck
		}
	}
	if code != http.StatusSeeOther || session == nil {
		t.Fatalf("the right code: %d", code)
	}
	_, _, body = get(t, base+"/privacy", session)
	wantAll(t, "the centre entered by code", body, `id="purpose-exchange" data-state="active"`)
	if code, _, _ := post(t, base+"/privacy/code", url.Values{"id": {id}, "code": {secret}}); code == http.StatusSeeOther {
		t.Error("a code used twice")
	}
	// Three codes to one number in the window: the fourth is refused.
	for i := range 3 {
		if code, _, _ := post(t, base+"/privacy/start", url.Values{"channel": {"email"}, "address": {"zhang.san@example.cn"}}); code != http.StatusSeeOther {
			t.Errorf("code %d to one address: %d", i+1, code)
		}
	}
	if code, _, _ := post(t, base+"/privacy/start", url.Values{"channel": {"email"}, "address": {"zhang.san@example.cn"}}); code != http.StatusTooManyRequests {
		t.Errorf("a fourth code to one address: %d", code)
	}
	// The database keeps no number or address readably (codes are kept as
	// MACs by construction; six digits would match timestamps by chance).
	db, err := os.ReadFile(filepath.Join(x.dir, "supplier.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(x.dir, "supplier.db-wal"))
	for _, s := range []string{number, "+8613800138000", "13900139000", "zhang.san@example.cn"} {
		if bytes.Contains(db, []byte(s)) || bytes.Contains(wal, []byte(s)) {
			t.Errorf("the node's database holds %q", s)
		}
	}
}
