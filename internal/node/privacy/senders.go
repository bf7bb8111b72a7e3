package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"hulian/internal/errs"
)

// Channel is how a one-time code reaches a person.
type Channel string

// The channels.
const (
	ByMobile Channel = "mobile" // a text message
	ByEmail  Channel = "email"
)

// Sender delivers a one-time code's message to a normalised address.
type Sender interface {
	Send(ctx context.Context, ch Channel, to, text string) error
}

// Senders routes each channel to its sender; a channel without one is not
// offered.
type Senders map[Channel]Sender

// Send sends with the channel's sender.
func (s Senders) Send(ctx context.Context, ch Channel, to, text string) error {
	if x := s[ch]; x != nil {
		return x.Send(ctx, ch, to, text)
	}
	return errs.Invalidf("channel", "本隐私中心不支持该验证方式", "this privacy centre does not send codes that way")
}

// SMTP sends codes by e-mail through a mail server (STARTTLS when the
// server offers it, as net/smtp does; PLAIN authentication only over TLS).
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string
	Password string
}

// Send writes one plain-text UTF-8 message.
func (m *SMTP) Send(_ context.Context, _ Channel, to, text string) error {
	host, _, err := net.SplitHostPort(m.Addr)
	if err != nil {
		return errs.Invalidf("smtp", "邮件服务器地址须写作 主机:端口", "the mail server is host:port")
	}
	var a smtp.Auth
	if m.Username != "" {
		a = smtp.PlainAuth("", m.Username, m.Password, host)
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\nDate: %s\r\n\r\n%s\r\n",
		m.From, to, mime.BEncoding.Encode("UTF-8", "隐私中心验证码 / Privacy centre code"), time.Now().UTC().Format(time.RFC1123Z), text)
	if err := smtp.SendMail(m.Addr, a, m.From, []string{to}, msg.Bytes()); err != nil {
		return errs.New(errs.Unavailable, "smtp", "验证码邮件发送失败，请稍后重试", "the code's e-mail could not be sent; retry shortly")
	}
	return nil
}

// SMSGateway sends codes as text messages through an HTTP gateway: a POST
// of {"to": "+86…", "text": "…"} as JSON with a bearer token, answered
// with any 2xx. Carriers' own gateways are reached through an adapter
// that speaks this.
type SMSGateway struct {
	URL    string
	Token  string
	Client *http.Client
}

// Send posts one message.
func (g *SMSGateway) Send(ctx context.Context, _ Channel, to, text string) error {
	body, _ := json.Marshal(map[string]string{"to": to, "text": text}) // two strings: cannot fail
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return errs.Invalidf("sms", "短信网关地址无效", "the SMS gateway's URL is invalid")
	}
	req.Header.Set("Content-Type", "application/json")
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	c := g.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := c.Do(req)
	if err == nil {
		io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			err = fmt.Errorf("gateway answered %s", res.Status)
		}
	}
	if err != nil {
		return errs.New(errs.Unavailable, "sms", "验证码短信发送失败，请稍后重试", "the code's text message could not be sent; retry shortly")
	}
	return nil
}

// Outbox keeps the messages instead of sending them: for the demo and
// tests, and for trying a node out. With a path it appends each to the
// file, one a line.
type Outbox struct {
	Path string
	mu   sync.Mutex
	sent []Message
}

// Message is one message an Outbox kept.
type Message struct {
	Channel Channel
	To      string
	Text    string
}

// Send keeps the message.
func (o *Outbox) Send(_ context.Context, ch Channel, to, text string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, Message{ch, to, text})
	if o.Path == "" {
		return nil
	}
	f, err := os.OpenFile(o.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%s\t%s\t%s\t%s\n", time.Now().UTC().Format(time.RFC3339), ch, to, strings.ReplaceAll(text, "\n", " "))
	return errors.Join(err, f.Close())
}

// Sent are the messages kept so far.
func (o *Outbox) Sent() []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.sent...)
}

// Environment variables that configure the senders.
const (
	EnvSMTP     = "HULIAN_PRIVACY_SMTP"      // smtp://user:password@host:port?from=address
	EnvSMSURL   = "HULIAN_PRIVACY_SMS_URL"   // the gateway's URL
	EnvSMSToken = "HULIAN_PRIVACY_SMS_TOKEN" // its bearer token
	EnvOutbox   = "HULIAN_PRIVACY_OUTBOX"    // a file: keep codes there instead of sending (trying a node out)
)

// SendersFromEnv configures the senders from the environment: an outbox
// file takes both channels; otherwise SMTP for e-mail and the gateway for
// text messages, each when set. None: entry by code is not offered.
func SendersFromEnv(getenv func(string) string) (Senders, error) {
	if p := getenv(EnvOutbox); p != "" {
		o := &Outbox{Path: p}
		return Senders{ByMobile: o, ByEmail: o}, nil
	}
	s := Senders{}
	if v := getenv(EnvSMTP); v != "" {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "smtp" || u.Host == "" || u.Query().Get("from") == "" {
			return nil, errs.Invalidf(EnvSMTP, EnvSMTP+" 须写作 smtp://用户:密码@主机:端口?from=发件地址", EnvSMTP+" is smtp://user:password@host:port?from=address")
		}
		m := &SMTP{Addr: u.Host, From: u.Query().Get("from"), Username: u.User.Username()}
		m.Password, _ = u.User.Password()
		if u.Port() == "" {
			m.Addr = net.JoinHostPort(u.Hostname(), "587")
		}
		s[ByEmail] = m
	}
	if v := getenv(EnvSMSURL); v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, errs.Invalidf(EnvSMSURL, EnvSMSURL+" 须为 http(s) 地址", EnvSMSURL+" is an http(s) URL")
		}
		s[ByMobile] = &SMSGateway{URL: v, Token: getenv(EnvSMSToken)}
	}
	return s, nil
}
