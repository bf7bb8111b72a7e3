// Package postgres is the production storage engine: PostgreSQL through
// pgx v5's database/sql driver, so that SQL common to both engines is written
// once in package storage.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"hulian/internal/storage/sqlcol"
)

// Engine is the PostgreSQL engine. It has no state.
type Engine struct{}

func (Engine) Name() string { return "postgres" }

// Open connects to a postgres:// or postgresql:// URL. PostgreSQL runs
// writers concurrently, so one pool serves both reads and writes.
func (Engine) Open(ctx context.Context, dsn string) (write, read *sql.DB, err error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, db, nil
}

// Rebind is the identity: PostgreSQL speaks "$1" natively.
func (Engine) Rebind(q string) string { return q }

// ForUpdate locks the rows a read-modify-write transaction reads.
func (Engine) ForUpdate() string { return " FOR UPDATE" }

func code(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// IsUniqueViolation reports SQLSTATE 23505.
func (Engine) IsUniqueViolation(err error) bool { return code(err) == "23505" }

// IsRetryable reports serialization failures and deadlocks, after which
// PostgreSQL expects the whole transaction to be run again.
func (Engine) IsRetryable(err error) bool {
	c := code(err)
	return c == "40001" || c == "40P01"
}

// IsURL reports whether dsn names a PostgreSQL database.
func IsURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// In binds the values as one text[] parameter: the statement's text is the
// same for any number of values, so pgx prepares it once per connection
// and PostgreSQL plans it once, where an IN list of n parameters is a new
// statement for every n.
func (Engine) In(column string, first int, values []string) (string, []any) {
	return column + " = ANY($" + strconv.Itoa(first) + ")", []any{values}
}

// InsertRows binds each column as one array and unnests them, so that the
// statement's text is the same for any number of rows: prepared once per
// connection, where a VALUES list is a new statement, parsed and planned
// anew, for every row count.
func (Engine) InsertRows(table string, cols []sqlcol.Column, rows [][]any) (string, []any) {
	names := make([]string, len(cols))
	arrays := make([]string, len(cols))
	args := make([]any, len(cols))
	for j, c := range cols {
		names[j] = c.Name
		arrays[j] = "$" + strconv.Itoa(j+1) + "::" + c.Type + "[]"
		args[j] = column(rows, j)
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT * FROM unnest(" + strings.Join(arrays, ", ") + ")", args
}

// column gathers column j of rows into a typed slice, which pgx encodes as
// an array.
func column(rows [][]any, j int) any {
	if len(rows) == 0 {
		return []string{}
	}
	switch rows[0][j].(type) {
	case string:
		return gather[string](rows, j)
	case int64:
		return gather[int64](rows, j)
	case bool:
		return gather[bool](rows, j)
	case time.Time:
		return gather[time.Time](rows, j)
	case []byte:
		return gather[[]byte](rows, j)
	}
	panic(fmt.Sprintf("postgres: no array type for column %d's %T", j, rows[0][j]))
}

func gather[T any](rows [][]any, j int) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = r[j].(T)
	}
	return out
}
