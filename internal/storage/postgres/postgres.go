// Package postgres is the production storage engine: PostgreSQL through
// pgx v5's database/sql driver, so that SQL common to both engines is written
// once in package storage.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"hulian/internal/storage/sqlcol"
)

// Engine is the PostgreSQL engine. It has no state.
type Engine struct{}

func (Engine) Name() string { return "postgres" }

// Open connects to a postgres:// or postgresql:// URL. PostgreSQL runs
// writers concurrently, so one pool serves both reads and writes.
//
// Pooled connections are not kept forever: each is replaced after
// ConnMaxLifetime and dropped after ConnMaxIdle unused, and one whose
// server reports itself read-only (a standby, or a database set
// default_transaction_read_only) is discarded before it is reused, so that
// after a failover the pool reaches the new primary within seconds rather
// than at the next restart.
func (Engine) Open(ctx context.Context, dsn string) (write, read *sql.DB, err error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	db := stdlib.OpenDB(*cfg, stdlib.OptionResetSession(func(_ context.Context, c *pgx.Conn) error {
		if readOnly(c.PgConn()) {
			return driver.ErrBadConn
		}
		return nil
	}))
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(16)
	db.SetConnMaxLifetime(ConnMaxLifetime)
	db.SetConnMaxIdleTime(ConnMaxIdle)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, db, nil
}

// Pool lifetimes: long enough that connecting costs nothing in the
// steady state, short enough that a pool drifts to a new primary and
// releases a server's memory.
const (
	ConnMaxLifetime = 30 * time.Minute
	ConnMaxIdle     = 5 * time.Minute
)

// readOnly reports whether the server told the connection (in its
// ParameterStatus reports, PostgreSQL 14 and later) that it is a standby
// or that its transactions default to read-only.
func readOnly(c *pgconn.PgConn) bool {
	return c.ParameterStatus("in_hot_standby") == "on" || c.ParameterStatus("default_transaction_read_only") == "on"
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

// IsUnavailable reports errors that say the database cannot serve now,
// not that the request is wrong: the connection failed or was lost (class
// 08, a network error, a closed connection), the server is shutting down
// or starting (57P01–57P03), has too many connections (53300) or is
// read-only (25006, a standby or a read-only default).
func (Engine) IsUnavailable(err error) bool {
	switch c := code(err); {
	case strings.HasPrefix(c, "08"), c == "57P01", c == "57P02", c == "57P03", c == "53300", c == "25006":
		return true
	case c != "":
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed")
}

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
