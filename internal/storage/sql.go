package storage

import (
	"context"
	"database/sql"
	"errors"

	"hulian/internal/errs"
)

// SQL runs statements written with the portable "$N" placeholders inside a
// transaction, on either engine. The platform's store and the nodes' stores
// both query through it.
type SQL struct {
	tx     *sql.Tx
	rebind func(string) string
}

// NewSQL wraps a transaction of an engine whose placeholders rebind adapts.
func NewSQL(tx *sql.Tx, rebind func(string) string) SQL { return SQL{tx: tx, rebind: rebind} }

// Exec runs a statement.
func (q SQL) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.tx.ExecContext(ctx, q.rebind(query), args...)
}

// Query runs a query returning rows.
func (q SQL) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.tx.QueryContext(ctx, q.rebind(query), args...)
}

// QueryRow runs a query returning at most one row.
func (q SQL) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.tx.QueryRowContext(ctx, q.rebind(query), args...)
}

// NotFound maps sql.ErrNoRows to a NotFound error about field.
func NotFound(err error, field, zh, en string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, field, zh, en)
	}
	return err
}
