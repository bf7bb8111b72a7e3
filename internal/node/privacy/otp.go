package privacy

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
)

// Entry by a one-time code: a person who has no link from the member's app
// proves control of a mobile number or an e-mail address. The centre
// sends a six-digit code to any well-formed address without looking it up
// — the answer is the same whether the member knows the person or not —
// and only once the code is right computes the person's exID through the
// platform (the member's side of the OPRF, as `hulian exid` does), so an
// anonymous caller never costs the member an evaluation.
const (
	CodeTTL        = 10 * time.Minute
	CodeAttempts   = 5                // wrong tries before a code is spent
	CodesPerWindow = 3                // codes to one address per CodeWindow
	CodeWindow     = 15 * time.Minute //
	codeLabel      = "hulian privacy code v1\n"
	addressLabel   = "hulian privacy address v1\n"
	sealLabel      = "hulian privacy seal v1\n"
)

// otpLimits bound what anonymous callers may make the centre send: per
// client address (a fixed number of addresses remembered, so memory is
// bounded) and in all.
type otpLimits struct {
	mu      sync.Mutex
	clients map[string]*rate.Limiter
	all     *rate.Limiter
}

const maxClients = 10_000

func (l *otpLimits) allow(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.all == nil {
		l.all = rate.NewLimiter(rate.Every(time.Second), 60) // about 3,600 messages an hour at most
	}
	if l.clients == nil || len(l.clients) >= maxClients {
		l.clients = map[string]*rate.Limiter{}
	}
	c := l.clients[client]
	if c == nil {
		c = rate.NewLimiter(rate.Every(2*time.Minute), 5)
		l.clients[client] = c
	}
	return c.Allow() && l.all.Allow()
}

var errSlowDown = errs.New(errs.ResourceExhausted, "address", "请求过于频繁，请稍后再试", "too many requests; try again later")

// Channels are the ways the centre can send codes.
func (c *Centre) Channels() []Channel {
	var out []Channel
	for _, ch := range []Channel{ByMobile, ByEmail} {
		if c.Senders[ch] != nil {
			out = append(out, ch)
		}
	}
	return out
}

func identType(ch Channel) (ident.Type, error) {
	switch ch {
	case ByMobile:
		return ident.Mobile, nil
	case ByEmail:
		return ident.Email, nil
	}
	return "", errs.Invalidf("channel", "请选择手机号码或电子邮件地址", "choose a mobile number or an e-mail address")
}

// SendCode sends a code to address by ch and returns the code's ID, which
// the person's next page carries. client is the caller's network address,
// for the limit per client.
func (c *Centre) SendCode(ctx context.Context, ch Channel, address, client string) (string, error) {
	typ, err := identType(ch)
	if err != nil {
		return "", err
	}
	if c.Senders[ch] == nil {
		return "", errs.Invalidf("channel", "本隐私中心不支持该验证方式", "this privacy centre does not send codes that way")
	}
	norm, err := ident.Normalize(typ, strings.TrimSpace(address))
	if err != nil {
		return "", errs.Invalidf("address", map[Channel]string{ByMobile: "请填写有效的中国大陆手机号码", ByEmail: "请填写有效的电子邮件地址"}[ch],
			map[Channel]string{ByMobile: "give a valid mainland China mobile number", ByEmail: "give a valid e-mail address"}[ch])
	}
	if !c.limits.allow(client) {
		return "", errSlowDown
	}
	key, err := c.LinkKey(ctx)
	if err != nil {
		return "", err
	}
	code := sixDigits()
	now := c.N.Now().UTC()
	pc := &nodestore.PrivacyCode{ID: auth.NewID("otp_"), Channel: string(ch), AddressMAC: mac(key, addressLabel, []byte(string(ch)+"\x00"+norm)),
		Created: now, Expires: now.Add(CodeTTL)}
	pc.CodeMAC = mac(key, codeLabel, []byte(pc.ID+"\x00"+code))
	if pc.Sealed, err = seal(key, pc.ID, norm); err != nil {
		return "", err
	}
	err = c.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.PrunePrivacyCodes(ctx, now.Add(-CodeWindow)); err != nil {
			return err
		}
		n, err := tx.CountPrivacyCodes(ctx, pc.AddressMAC, now.Add(-CodeWindow))
		if err != nil {
			return err
		}
		if n >= CodesPerWindow {
			return errSlowDown
		}
		return tx.InsertPrivacyCode(ctx, pc)
	})
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("您的隐私中心验证码为 %s，%d 分钟内有效；如非本人操作，请忽略。Your privacy centre code is %s, valid for %d minutes.", code, int(CodeTTL.Minutes()), code, int(CodeTTL.Minutes()))
	if err := c.Senders.Send(ctx, ch, norm, text); err != nil {
		c.N.Logger().Warn("a privacy centre code was not sent", "channel", ch, "err", err)
		return "", err
	}
	return pc.ID, nil
}

// EnterByCode checks the code sent under id and returns the person's exID.
// A wrong code counts against the code; the fifth spends it; a right one
// is spent at once.
func (c *Centre) EnterByCode(ctx context.Context, id, code string) (exid.ExID, error) {
	key, err := c.LinkKey(ctx)
	if err != nil {
		return exid.ExID{}, err
	}
	// A wrong try and an expired code are recorded (the try counted, the
	// code spent) before the error is returned: the transaction commits.
	var pc *nodestore.PrivacyCode
	var refused error
	err = c.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		var err error
		refused = nil
		if pc, err = tx.PrivacyCodeByID(ctx, strings.TrimSpace(id)); err != nil {
			return err
		}
		if c.N.Now().After(pc.Expires) || pc.Attempts >= CodeAttempts {
			refused = errs.New(errs.FailedPrecondition, "code", "验证码已失效，请重新获取", "the code has expired; ask for a new one")
			_, err := tx.SpendPrivacyCode(ctx, pc.ID)
			return err
		}
		if !hmac.Equal(pc.CodeMAC, mac(key, codeLabel, []byte(pc.ID+"\x00"+strings.TrimSpace(code)))) {
			refused = errWrongCode
			return tx.FailPrivacyCode(ctx, pc.ID)
		}
		ok, err := tx.SpendPrivacyCode(ctx, pc.ID)
		if err == nil && !ok {
			err = errs.New(errs.FailedPrecondition, "code", "验证码已使用，请重新获取", "the code has been used; ask for a new one")
		}
		return err
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return exid.ExID{}, err
	}
	norm, err := unseal(key, pc.ID, pc.Sealed)
	if err != nil {
		return exid.ExID{}, err
	}
	typ, _ := identType(Channel(pc.Channel))
	return c.N.ExIDOf(ctx, typ, norm)
}

var errWrongCode = errs.New(errs.Invalid, "code", "验证码不正确", "the code is not right")

func sixDigits() string {
	var b [8]byte
	rand.Read(b[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%06d", binary.BigEndian.Uint64(b[:])%1_000_000)
}

// seal encrypts the normalised address for the code's life (AES-256-GCM
// under a key derived from the centre's link key, the code's ID as
// associated data), so that the table holds no readable address.
func seal(key []byte, id, address string) ([]byte, error) {
	g, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	rand.Read(nonce)
	return g.Seal(nonce, nonce, []byte(address), []byte(id)), nil
}

func unseal(key []byte, id string, sealed []byte) (string, error) {
	g, err := gcm(key)
	if err != nil {
		return "", err
	}
	if len(sealed) < g.NonceSize() {
		return "", errs.New(errs.FailedPrecondition, "code", "验证码已失效，请重新获取", "the code has expired; ask for a new one")
	}
	out, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], []byte(id))
	if err != nil {
		return "", errs.New(errs.FailedPrecondition, "code", "验证码已失效，请重新获取", "the code has expired; ask for a new one")
	}
	return string(out), nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(mac(key, sealLabel, nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}
