// Package postgres is the production storage engine: PostgreSQL through
// pgx v5's database/sql driver, so that SQL common to both engines is written
// once in package store.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Engine is the PostgreSQL engine. It has no state.
type Engine struct{}

func (Engine) Name() string { return "postgres" }

// Migrations returns this engine's own migrations.
func (Engine) Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

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
