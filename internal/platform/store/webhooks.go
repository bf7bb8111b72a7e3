package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// The states of an outbox event.
const (
	WebhookDelivered = "delivered" // the receiver answered 2xx
	WebhookPending   = "pending"   // not yet sent, or to be retried
	WebhookFailed    = "failed"    // given up (webhooks.GiveUp after it was raised)
)

// WebhookEvent is one row of the outbox.
type WebhookEvent struct {
	ID         string
	Member     string
	Kind       string
	Body       []byte // the JSON sent, signed as it is
	Created    time.Time
	Next       time.Time // when it is due (or, while being sent, when the claim lapses)
	Attempts   int
	LastStatus string // the last attempt's outcome: an HTTP status ("200", "503") or a webhooks.Status… code
	Delivered  time.Time
	Failed     time.Time
}

// State is delivered, failed or pending.
func (e *WebhookEvent) State() string {
	switch {
	case !e.Delivered.IsZero():
		return WebhookDelivered
	case !e.Failed.IsZero():
		return WebhookFailed
	}
	return WebhookPending
}

// EnqueueWebhook writes an event for member's webhook into the outbox, in
// tx, if the member has set one; id is unique per event. The body is the
// event as JSON, with its ID, kind and time added.
func (tx *Tx) EnqueueWebhook(ctx context.Context, member, id, kind string, data any) error {
	var url string
	err := tx.queryRow(ctx, `SELECT webhook_url FROM quota_accounts WHERE member_id = $1`, member).Scan(&url)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && url == "") {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.enqueueWebhook(ctx, member, id, kind, data)
}

// enqueueWebhook writes the event for a member known to have a webhook.
func (tx *Tx) enqueueWebhook(ctx context.Context, member, id, kind string, data any) error {
	now := tx.Now()
	body, err := json.Marshal(struct {
		ID     string    `json:"id"`
		Kind   string    `json:"kind"`
		Member string    `json:"member"`
		At     time.Time `json:"at"`
		Data   any       `json:"data"`
	}{id, kind, member, now, data})
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO webhook_outbox (id, member_id, kind, body, created_at, next_at) VALUES ($1,$2,$3,$4,$5,$5)`,
		id, member, kind, string(body), now)
	return err
}

// SetWebhookSecret stores member's sealed webhook secret, replacing any.
func (tx *Tx) SetWebhookSecret(ctx context.Context, member string, sealed []byte) error {
	if err := canSee(ctx, member); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO webhook_secrets (member_id, secret_sealed, created_at) VALUES ($1,$2,$3)
		ON CONFLICT (member_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, created_at = excluded.created_at`, member, sealed, tx.Now())
	return err
}

// WebhookTarget is where and with what secret a member's events go.
type WebhookTarget struct {
	URL    string
	Sealed []byte // nil if the member has no secret
}

// WebhookTarget reads member's webhook URL and sealed secret; for the
// platform's sender.
func (tx *Tx) WebhookTarget(ctx context.Context, member string) (*WebhookTarget, error) {
	if err := canSee(ctx, member); err != nil {
		return nil, err
	}
	var t WebhookTarget
	err := tx.queryRow(ctx, `SELECT q.webhook_url, s.secret_sealed FROM quota_accounts q LEFT JOIN webhook_secrets s ON s.member_id = q.member_id
		WHERE q.member_id = $1`, member).Scan(&t.URL, &t.Sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return &WebhookTarget{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

const webhookColumns = `id, member_id, kind, body, created_at, next_at, attempts, last_status, delivered_at, failed_at`

func scanWebhook(row interface{ Scan(...any) error }) (*WebhookEvent, error) {
	var e WebhookEvent
	var body string
	var delivered, failed sql.NullTime
	if err := row.Scan(&e.ID, &e.Member, &e.Kind, &body, &e.Created, &e.Next, &e.Attempts, &e.LastStatus, &delivered, &failed); err != nil {
		return nil, err
	}
	e.Body, e.Delivered, e.Failed = []byte(body), fromNull(delivered), fromNull(failed)
	e.Created, e.Next = e.Created.UTC(), e.Next.UTC()
	return &e, nil
}

// WebhooksDue reports whether any event is due now: a read, so that an
// idle outbox costs the sender no write transaction.
func (tx *Tx) WebhooksDue(ctx context.Context) (bool, error) {
	if err := canSee(ctx, ""); err != nil {
		return false, err
	}
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM webhook_outbox WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= $1 LIMIT 1`, tx.Now()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ClaimWebhooks takes up to limit due events for sending: each is marked
// as being sent until lease from now, and its attempt counted, so that
// another replica does not send it meanwhile. An event whose sender died
// is due again when the lease lapses, and sent again with the same ID.
func (tx *Tx) ClaimWebhooks(ctx context.Context, limit int, lease time.Duration) ([]*WebhookEvent, error) {
	if err := canSee(ctx, ""); err != nil {
		return nil, err
	}
	now := tx.Now()
	rows, err := tx.query(ctx, `SELECT `+webhookColumns+` FROM webhook_outbox
		WHERE delivered_at IS NULL AND failed_at IS NULL AND next_at <= $1 ORDER BY next_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	var due []*WebhookEvent
	for rows.Next() {
		e, err := scanWebhook(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		due = append(due, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var claimed []*WebhookEvent
	for _, e := range due {
		// Conditional on the time read: a replica that claimed it first
		// has moved next_at on.
		res, err := tx.exec(ctx, `UPDATE webhook_outbox SET next_at = $3, attempts = attempts + 1 WHERE id = $1 AND next_at = $2`,
			e.ID, e.Next, now.Add(lease))
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			e.Attempts++
			e.Next = now.Add(lease)
			claimed = append(claimed, e)
		}
	}
	return claimed, nil
}

// WebhookAttempt records the outcome of sending e: delivered, or to be
// retried at next, or (next zero) given up.
func (tx *Tx) WebhookAttempt(ctx context.Context, id, status string, delivered bool, next time.Time) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	var err error
	switch {
	case delivered:
		_, err = tx.exec(ctx, `UPDATE webhook_outbox SET last_status = $2, delivered_at = $3 WHERE id = $1`, id, status, tx.Now())
	case next.IsZero():
		_, err = tx.exec(ctx, `UPDATE webhook_outbox SET last_status = $2, failed_at = $3 WHERE id = $1`, id, status, tx.Now())
	default:
		_, err = tx.exec(ctx, `UPDATE webhook_outbox SET last_status = $2, next_at = $3 WHERE id = $1`, id, status, next)
	}
	return err
}

// WebhookEvents lists member's most recent events, newest first, for its
// console.
func (tx *Tx) WebhookEvents(ctx context.Context, member string, limit int) ([]*WebhookEvent, error) {
	if err := canSee(ctx, member); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT `+webhookColumns+` FROM webhook_outbox WHERE member_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, member, pageSize(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*WebhookEvent
	for rows.Next() {
		e, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
