package store

import (
	"context"
	"encoding/json"
	"fmt"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
)

// Append writes a business-log entry for a change made in this transaction.
// The entry's sequence number is taken under the lock on log_head, the one
// serialised append point: entries are gap-free and in commit order, and a
// rolled-back change leaves no entry.
func (tx *Tx) Append(ctx context.Context, member, kind, object string, p bizlog.P) (*bizlog.Entry, error) {
	payload, err := p.Encode()
	if err != nil {
		return nil, err
	}
	var size int64
	if err := tx.queryRow(ctx, `SELECT size FROM log_head WHERE id = 1`+tx.db.eng.ForUpdate()).Scan(&size); err != nil {
		return nil, fmt.Errorf("log head: %w", err)
	}
	e := &bizlog.Entry{Seq: size, At: tx.now, Actor: auth.ActorFrom(ctx).Ref(), Member: member, Kind: kind, Object: object, Payload: payload}
	leafHash := bizlog.LeafHash(e.Leaf())
	if _, err := tx.exec(ctx, `INSERT INTO log_entries (seq, at, actor, member_id, kind, object, payload, leaf_hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		e.Seq, e.At, e.Actor, e.Member, e.Kind, e.Object, []byte(e.Payload), leafHash); err != nil {
		return nil, fmt.Errorf("append log entry: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE log_head SET size = $1 WHERE id = 1`, size+1); err != nil {
		return nil, err
	}
	return e, nil
}

// LogFilter narrows LogEntries.
type LogFilter struct {
	Member string // only entries concerning this member
	Kind   string
	From   int64 // first sequence number
	Limit  int   // default 100, at most 1000
}

// LogEntries returns entries in sequence order. A member sees only entries
// that concern it; platform staff see all.
func (tx *Tx) LogEntries(ctx context.Context, f LogFilter) ([]bizlog.Entry, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		f.Member = own
	}
	q := `SELECT seq, at, actor, member_id, kind, object, payload FROM log_entries WHERE seq >= $1`
	args := []any{f.From}
	if f.Member != "" {
		args = append(args, f.Member)
		q += " AND member_id = $" + itoa(len(args))
	}
	if f.Kind != "" {
		args = append(args, f.Kind)
		q += " AND kind = $" + itoa(len(args))
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	q += " ORDER BY seq LIMIT $" + itoa(len(args))
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []bizlog.Entry
	for rows.Next() {
		var e bizlog.Entry
		var payload []byte
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Member, &e.Kind, &e.Object, &payload); err != nil {
			return nil, err
		}
		e.At, e.Payload = e.At.UTC(), json.RawMessage(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LogSize is the number of entries in the log.
func (tx *Tx) LogSize(ctx context.Context) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&n)
	return n, err
}
