package store

import (
	"context"
	"database/sql"
	"errors"

	"time"

	"hulian/internal/errs"
)

// Notice is a message to a member: its console inbox, and its webhook.
type Notice struct {
	ID      string
	Member  string
	Kind    string // the event, e.g. sanction.imposed
	Object  string
	TitleZH string
	TitleEN string
	Body    string
	Created time.Time
	Read    time.Time
}

// Notify records a notice and, if the member has a webhook, puts the
// event in the outbox in the same transaction: the member hears of it
// however the process ends.
func (tx *Tx) Notify(ctx context.Context, n *Notice) error {
	if err := canSee(ctx, ""); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO notices (id, member_id, kind, object, title_zh, title_en, body, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		n.ID, n.Member, n.Kind, n.Object, n.TitleZH, n.TitleEN, n.Body, n.Created); err != nil {
		return err
	}
	var url string
	err := tx.queryRow(ctx, `SELECT webhook_url FROM quota_accounts WHERE member_id = $1`, n.Member).Scan(&url)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case url == "":
		return nil
	}
	return tx.enqueueWebhook(ctx, n.Member, n.ID, n.Kind, map[string]string{"object": n.Object, "title": n.TitleZH, "title_en": n.TitleEN, "body": n.Body})
}

// Notices lists a member's notices, newest first; staff name the member.
func (tx *Tx) Notices(ctx context.Context, member string, limit int) ([]*Notice, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		if member != "" && member != own {
			return nil, errs.New(errs.NotFound, "member", "找不到该成员", "no such member")
		}
		member = own
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := tx.query(ctx, `SELECT id, member_id, kind, object, title_zh, title_en, body, created_at, read_at FROM notices WHERE member_id = $1
		ORDER BY created_at DESC, id LIMIT `+itoa(limit), member)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Notice
	for rows.Next() {
		var n Notice
		var read sql.NullTime
		if err := rows.Scan(&n.ID, &n.Member, &n.Kind, &n.Object, &n.TitleZH, &n.TitleEN, &n.Body, &n.Created, &read); err != nil {
			return nil, err
		}
		n.Created, n.Read = n.Created.UTC(), fromNull(read)
		out = append(out, &n)
	}
	return out, rows.Err()
}

// MarkNoticesRead marks the member's notices read (the member itself).
func (tx *Tx) MarkNoticesRead(ctx context.Context, member string) error {
	if err := canSee(ctx, member); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE notices SET read_at = $2 WHERE member_id = $1 AND read_at IS NULL`, member, tx.Now())
	return err
}
