// Package webhooks sends members' webhook events from the outbox: the
// events (a low balance, a suspension, an order's change) are written to
// the outbox in the transaction that causes them (store.EnqueueWebhook),
// so that none is lost however the process ends; the sender claims due
// events, signs each with the member's HMAC secret, posts it, and records
// the outcome, retrying with backoff. Replicas share the outbox: a claim
// is a lease, so an event is sent by one replica at a time, and again —
// with the same ID — only if its sender died or it failed.
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"hulian/internal/auth"
	"hulian/internal/keyring"
	"hulian/internal/netguard"
	"hulian/internal/platform/store"
)

// The headers of a webhook call. The signature is HMAC-SHA256, under the
// member's secret, of the event ID, the timestamp and the body joined by
// ".": a receiver checks it (Verify), refuses a timestamp far from its
// clock, and keeps the IDs it has handled to drop a repeat.
const (
	HeaderID        = "Hulian-Webhook-Id"
	HeaderTimestamp = "Hulian-Webhook-Timestamp"
	HeaderSignature = "Hulian-Webhook-Signature"
)

// Sending policy. Retries back off from FirstRetry, doubling up to
// MaxRetry; an event not delivered within GiveUp of its creation is
// marked failed. Lease is how long a claim holds: longer than a call may
// take (Timeout), so that a live sender is never overtaken.
const (
	FirstRetry = 10 * time.Second
	MaxRetry   = time.Hour
	GiveUp     = 24 * time.Hour
	Timeout    = 10 * time.Second
	Lease      = time.Minute
	batch      = 32
)

// NewSecret makes a member's webhook secret, shown to the member once.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// secretAAD binds a sealed secret to its member.
func secretAAD(member string) []byte { return []byte("hulian/webhook-secret/v1/" + member) }

// Seal seals member's secret for storage.
func Seal(s keyring.Sealer, member, secret string) ([]byte, error) {
	if s == nil {
		return nil, errors.New("webhooks: no key-encryption key to seal the secret with")
	}
	return s.Seal([]byte(secret), secretAAD(member))
}

// Sign is the signature header's value for an event.
func Sign(secret, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%s.%d.", id, ts)
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver runs: the signature must be the secret's over
// this ID, timestamp and body, and the timestamp within tolerance of now.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return errors.New("webhooks: missing or malformed timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhooks: timestamp outside the tolerance")
	}
	want := Sign(secret, h.Get(HeaderID), ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(HeaderSignature))) {
		return errors.New("webhooks: signature does not match")
	}
	return nil
}

// Sender sends the outbox's due events.
type Sender struct {
	DB     *store.DB
	Sealer keyring.Sealer
	Client *http.Client // netguard's: members' addresses are checked at dial time
	Logger *slog.Logger
}

// NewSender returns a sender whose calls go only where policy allows.
func NewSender(db *store.DB, sealer keyring.Sealer, policy netguard.Policy, logger *slog.Logger) *Sender {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{DB: db, Sealer: sealer, Client: policy.Client(Timeout), Logger: logger}
}

// Run sends due events every interval until ctx ends.
func (s *Sender) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("webhooks: the outbox could not be read", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue claims the events due now, sends them (a few at once) and
// records each outcome; it returns how many it claimed.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	ctx = auth.WithActor(ctx, auth.System)
	var pending bool
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) { pending, err = tx.WebhooksDue(ctx); return err }); err != nil || !pending {
		return 0, err
	}
	var due []*store.WebhookEvent
	err := s.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		due, err = tx.ClaimWebhooks(ctx, batch, Lease)
		return err
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, e := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.send(ctx, e)
		}()
	}
	wg.Wait()
	return len(due), nil
}

// send makes one attempt at e and records it.
func (s *Sender) send(ctx context.Context, e *store.WebhookEvent) {
	status, ok := s.post(ctx, e)
	var next time.Time
	if !ok {
		wait := min(FirstRetry<<min(e.Attempts-1, 16), MaxRetry)
		if next = s.DB.Now().Add(wait); next.Sub(e.Created) > GiveUp {
			next = time.Time{}
		}
		s.Logger.Warn("webhook not delivered", "event", e.ID, "member", e.Member, "attempt", e.Attempts, "status", status, "retry_at", next)
	}
	err := s.DB.Transact(ctx, func(tx *store.Tx) error { return tx.WebhookAttempt(ctx, e.ID, status, ok, next) })
	if err != nil {
		// The claim lapses and the event is sent again, with its ID.
		s.Logger.Warn("webhooks: an outcome could not be recorded", "event", e.ID, "err", err)
	}
}

// Outcomes of an attempt besides an HTTP status (kept as its number): the
// console names each in the reader's language; details go to the log.
const (
	StatusRefused     = "refused"        // the address is not one the platform may call
	StatusUnreachable = "unreachable"    // no connection or no answer in time
	StatusNoWebhook   = "no_webhook"     // the member removed its webhook
	StatusNoKEK       = "no_kek"         // the platform has no key to open the secret
	StatusBadSecret   = "bad_secret"     // the sealed secret does not open
	StatusBadURL      = "bad_url"        // the stored URL does not make a request
	StatusNoDatabase  = "db_unavailable" // the target could not be read
)

// post sends e to its member's current URL, reporting the status to keep
// and whether it was delivered.
func (s *Sender) post(ctx context.Context, e *store.WebhookEvent) (string, bool) {
	var t *store.WebhookTarget
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		t, err = tx.WebhookTarget(ctx, e.Member)
		return err
	})
	if err != nil {
		return StatusNoDatabase, false
	}
	if t.URL == "" || t.Sealed == nil {
		return StatusNoWebhook, false
	}
	if s.Sealer == nil {
		return StatusNoKEK, false
	}
	secret, err := s.Sealer.Open(t.Sealed, secretAAD(e.Member))
	if err != nil {
		return StatusBadSecret, false
	}
	ts := time.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(e.Body))
	if err != nil {
		return StatusBadURL, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hulian-webhooks/1")
	req.Header.Set(HeaderID, e.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(string(secret), e.ID, ts, e.Body))
	res, err := s.Client.Do(req)
	if err != nil {
		s.Logger.Warn("webhook call failed", "event", e.ID, "member", e.Member, "err", shorten(err.Error()))
		if errors.Is(err, netguard.ErrRefused) {
			return StatusRefused, false
		}
		return StatusUnreachable, false
	}
	res.Body.Close()
	return strconv.Itoa(res.StatusCode), res.StatusCode >= 200 && res.StatusCode < 300
}

func shorten(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 120 {
		s = s[i+2:]
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
