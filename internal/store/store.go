// Package store persists the platform's state on SQLite or PostgreSQL.
//
// SQL that both engines understand is written once, here, with "$1"
// placeholders; what differs (DDL, connection pools, locking, error codes)
// lives in the engine packages store/sqlite and store/postgres. One shared
// behaviour suite (store/storetest) runs against both, so they cannot drift.
//
// Tenant scoping is enforced here: every query on a member's objects filters
// by the actor in ctx, so a handler that forgets a check cannot leak another
// member's data.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/store/postgres"
	"hulian/internal/store/sqlcol"
	"hulian/internal/store/sqlite"
)

// Engine is what differs between SQLite and PostgreSQL.
type Engine interface {
	Name() string
	Open(ctx context.Context, dsn string) (write, read *sql.DB, err error)
	Migrations() fs.FS
	Rebind(query string) string
	ForUpdate() string
	// In is the condition that column is one of values, its parameters
	// numbered from first, and the arguments to bind to them.
	In(column string, first int, values []string) (cond string, args []any)
	// InsertRows is one INSERT of rows into table's columns, and the
	// arguments to bind. Every row has a value for each column, of the
	// same Go type down a column (string, int64, bool, time.Time, []byte).
	InsertRows(table string, cols []sqlcol.Column, rows [][]any) (query string, args []any)
	IsUniqueViolation(error) bool
	IsRetryable(error) bool
}

// DB is an open platform database.
type DB struct {
	dsn   string
	eng   Engine
	write *sql.DB
	read  *sql.DB
	now   func() time.Time
}

// Options tune Open.
type Options struct {
	// Now is the clock; tests stub it. Defaults to time.Now.
	Now func() time.Time
	// NoMigrate skips applying migrations (for read-only tools).
	NoMigrate bool
}

// EngineFor picks the engine for a database URL.
func EngineFor(dsn string) (Engine, error) {
	switch {
	case postgres.IsURL(dsn):
		return postgres.Engine{}, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlite.Engine{}, nil
	}
	return nil, errs.Invalidf("db", "数据库地址须以 sqlite:// 或 postgres:// 开头", "the database URL must start with sqlite:// or postgres://")
}

// Open opens the database at dsn and applies pending migrations.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	eng, err := EngineFor(dsn)
	if err != nil {
		return nil, err
	}
	w, r, err := eng.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", eng.Name(), err)
	}
	db := &DB{eng: eng, write: w, read: r, now: opt.Now, dsn: dsn}
	if db.now == nil {
		db.now = time.Now
	}
	if !opt.NoMigrate {
		if _, err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Migrate applies pending migrations and returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	return Migrations(ctx, db.eng.Name(), db.write, db.dsn, db.eng.Migrations(), "goose_db_version")
}

// Engine returns the engine name, "sqlite" or "postgres".
func (db *DB) Engine() string { return db.eng.Name() }

// Now returns the store's clock reading in UTC, truncated to microseconds
// (the precision both engines keep).
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Close closes the pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Tx is a transaction; every store operation is a method on it so that a
// state change and its log entry always commit together.
type Tx struct {
	tx  *sql.Tx
	sql SQL
	db  *DB
	now time.Time
	log *logTx // the business log's state once this transaction appends (log.go)
}

// Now is the transaction's time: one instant for everything it records.
func (tx *Tx) Now() time.Time { return tx.now }

const maxAttempts = 8

// Transact runs fn in a read-write transaction, committing if fn returns nil.
// Serialization failures and deadlocks are retried with backoff: fn must
// therefore have no effects outside the transaction.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.write, false, fn)
}

// Read runs fn in a read-only transaction on the read pool.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.read, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*Tx) error) error {
	return RunTx(ctx, pool, db.eng, readOnly, func(sqlTx *sql.Tx) error {
		tx := &Tx{tx: sqlTx, sql: NewSQL(sqlTx, db.eng.Rebind), db: db, now: db.Now()}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.flushLog(ctx)
	})
}

// RunTx runs fn in a transaction on pool and commits it, rolling back if fn
// fails or panics. Serialization failures and deadlocks (as eng reports
// them) are retried with backoff, so fn must have no effects outside the
// transaction. The platform's and the nodes' stores both run on it.
func RunTx(ctx context.Context, pool *sql.DB, eng interface {
	Name() string
	IsRetryable(error) bool
}, readOnly bool, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			d := time.Duration(1<<attempt)*time.Millisecond + rand.N(5*time.Millisecond)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		err = runOnce(ctx, pool, eng.Name() == "postgres" && readOnly, fn)
		if err == nil || !eng.IsRetryable(err) {
			return err
		}
	}
	return fmt.Errorf("transaction failed after %d attempts: %w", maxAttempts, err)
}

func runOnce(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*sql.Tx) error) (err error) {
	// SQLite's read-only connections are query_only; PostgreSQL shares one
	// pool, so it is asked for a read-only transaction.
	sqlTx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			sqlTx.Rollback()
		}
	}()
	if err = fn(sqlTx); err != nil {
		return err
	}
	return sqlTx.Commit()
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.sql.Exec(ctx, q, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.sql.Query(ctx, q, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.sql.QueryRow(ctx, q, args...)
}

var notFound = NotFound

// nullTime converts between Go's zero time and SQL NULL.
func nullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

func fromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
