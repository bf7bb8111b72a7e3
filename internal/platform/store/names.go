package store

import (
	"context"
)

// Names are what people call the members and accounts that IDs and actor
// references point to. They are not tenant data: an organisation's name is
// what the catalogue and every order already show its counterparties, and
// an account's display name is how its signature on an order reads. Any
// actor may look them up, and nothing else comes with them.

// MemberNames maps every member's ID to its organisation's name.
func (tx *Tx) MemberNames(ctx context.Context) (map[string]string, error) {
	rows, err := tx.query(ctx, `SELECT id, name FROM members`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// AccountNames maps the given account IDs to their display names; unknown
// IDs are left out.
func (tx *Tx) AccountNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := tx.Eng.In("id", 1, ids)
	rows, err := tx.query(ctx, `SELECT id, display_name FROM accounts WHERE `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

// ListingTitles maps the given listing IDs to their titles; unknown IDs
// are left out. It is for showing the parties of an order what they
// signed for, so it is not scoped: callers pass only IDs the actor may
// already see.
func (tx *Tx) ListingTitles(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := tx.Eng.In("id", 1, ids)
	rows, err := tx.query(ctx, `SELECT id, title FROM listings WHERE `+in, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, title string
		if err := rows.Scan(&id, &title); err != nil {
			return nil, err
		}
		out[id] = title
	}
	return out, rows.Err()
}
