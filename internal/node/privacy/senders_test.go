package privacy_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"hulian/internal/node/privacy"
)

// TestSMSGateway: a code goes to the gateway as JSON with the bearer
// token; a refusal by the gateway is an error to retry.
func TestSMSGateway(t *testing.T) {
	var got map[string]string
	var auth string
	ok := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		json.NewDecoder(r.Body).Decode(&got)
		if !ok {
			http.Error(w, "quota", http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	g := &privacy.SMSGateway{URL: srv.URL, Token: "tok"}
	if err := g.Send(context.Background(), privacy.ByMobile, "+8613800138000", "验证码 123456"); err != nil {
		t.Fatal(err)
	}
	if got["to"] != "+8613800138000" || got["text"] != "验证码 123456" || auth != "Bearer tok" {
		t.Errorf("the gateway got %v with %q", got, auth)
	}
	ok = false
	if err := g.Send(context.Background(), privacy.ByMobile, "+8613800138000", "x"); err == nil {
		t.Error("a refusal by the gateway was not an error")
	}
}

// TestSMTP: a code goes out as one UTF-8 plain-text message to the
// address, through the mail server's dialogue.
func TestSMTP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	msg := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { c.Write([]byte(s + "\r\n")) }
		say("220 test")
		var data strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch {
			case inData && line == ".\r\n":
				inData = false
				msg <- data.String()
				say("250 queued")
			case inData:
				data.WriteString(line)
			case strings.HasPrefix(line, "EHLO"), strings.HasPrefix(line, "HELO"):
				say("250 test")
			case strings.HasPrefix(line, "DATA"):
				inData = true
				say("354 go on")
			case strings.HasPrefix(line, "QUIT"):
				say("221 bye")
				return
			default:
				say("250 ok")
			}
		}
	}()
	m := &privacy.SMTP{Addr: ln.Addr().String(), From: "privacy@jia.example.cn"}
	if err := m.Send(context.Background(), privacy.ByEmail, "zhang.san@example.cn", "您的隐私中心验证码为 123456"); err != nil {
		t.Fatal(err)
	}
	got := <-msg
	for _, want := range []string{"To: zhang.san@example.cn", "From: privacy@jia.example.cn", "charset=UTF-8", "您的隐私中心验证码为 123456", "Subject: =?UTF-8?b?"} {
		if !strings.Contains(got, want) {
			t.Errorf("the message lacks %q:\n%s", want, got)
		}
	}
}

// TestSendersFromEnv: an outbox takes both channels; SMTP and the gateway
// each theirs; malformed settings are refused naming the variable.
func TestSendersFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	s, err := privacy.SendersFromEnv(env(map[string]string{privacy.EnvOutbox: t.TempDir() + "/outbox.txt"}))
	if err != nil || s[privacy.ByMobile] == nil || s[privacy.ByEmail] == nil {
		t.Fatalf("outbox: %v %v", s, err)
	}
	s, err = privacy.SendersFromEnv(env(map[string]string{privacy.EnvSMTP: "smtp://u:p@mail.example.cn?from=privacy@example.cn", privacy.EnvSMSURL: "https://sms.example.cn/send"}))
	if err != nil || s[privacy.ByEmail].(*privacy.SMTP).Addr != "mail.example.cn:587" || s[privacy.ByMobile] == nil {
		t.Fatalf("smtp and sms: %v %v", s, err)
	}
	if s, err := privacy.SendersFromEnv(env(nil)); err != nil || len(s) != 0 {
		t.Errorf("none: %v %v", s, err)
	}
	for k, v := range map[string]string{privacy.EnvSMTP: "smtp://mail.example.cn", privacy.EnvSMSURL: "ftp://x"} {
		if _, err := privacy.SendersFromEnv(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
