// Package storage is the layer both halves of hulian store their state on:
// the platform's store (internal/platform/store) and each member node's
// store (internal/node/nodestore) are siblings over it. It owns what does
// not depend on a schema: choosing the engine from a database URL, the two
// connection pools, transactions and their retries, the portable "$N"
// placeholders, and migrations run in turn by processes that start
// together. What differs between SQLite and PostgreSQL lives in the engine
// packages storage/sqlite and storage/postgres; each store keeps its own
// migrations per engine, because DDL differs.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/storage/postgres"
	"hulian/internal/storage/sqlcol"
	"hulian/internal/storage/sqlite"
)

// Engine is what differs between SQLite and PostgreSQL.
type Engine interface {
	Name() string
	Open(ctx context.Context, dsn string) (write, read *sql.DB, err error)
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
	// IsUnavailable reports errors that say the database cannot serve
	// now (connection lost or refused, shutting down, read-only, busy
	// beyond retries), as opposed to a fault in the request.
	IsUnavailable(error) bool
}

// EngineFor picks the engine for a database URL.
func EngineFor(dsn string) (Engine, error) {
	switch {
	case postgres.IsURL(dsn):
		return postgres.Engine{}, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlite.Engine{}, nil
	}
	return nil, errs.Invalidf("--db", "数据库地址须以 sqlite:// 或 postgres:// 开头", "the database URL must start with sqlite:// or postgres://")
}

// CheckURL reports whether dsn names a supported engine, before anything is
// opened or created.
func CheckURL(dsn string) error {
	_, err := EngineFor(dsn)
	return err
}

// Schema is what a store brings to the storage layer: its migrations for
// each engine and the table that records which ran. The platform and the
// node keep apart version tables, so both can share one PostgreSQL schema.
type Schema struct {
	Name         string // "platform" or "node", for messages
	Migrations   func(engine string) fs.FS
	VersionTable string
}

// Options tune Open.
type Options struct {
	// Now is the clock; tests stub it. Defaults to time.Now.
	Now func() time.Time
	// NoMigrate skips applying migrations (for read-only tools).
	NoMigrate bool
}

// DB is an open database: a write pool and a read pool (the same pool on
// PostgreSQL), the engine and the clock.
type DB struct {
	dsn    string
	eng    Engine
	schema Schema
	write  *sql.DB
	read   *sql.DB
	now    func() time.Time
	faults faults
}

// Open opens the database at dsn and, unless opt says not to, applies the
// schema's pending migrations.
func Open(ctx context.Context, dsn string, schema Schema, opt Options) (*DB, error) {
	eng, err := EngineFor(dsn)
	if err != nil {
		return nil, err
	}
	w, r, err := eng.Open(ctx, dsn)
	if err != nil {
		return nil, unreachable(dsn, schema.Name, err)
	}
	db := &DB{dsn: dsn, eng: eng, schema: schema, write: w, read: r, now: opt.Now}
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

// unreachable says which database could not be opened, where, and why, in
// words a person starting a server can act on: host and port (never the
// password) or the file, and the network's or the file system's reason. It
// is Unavailable: nothing is wrong with the caller's request, and a retry
// may succeed once the database is up.
func unreachable(dsn, schema string, err error) error {
	cause := err.Error()
	var op *net.OpError
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		cause = "cannot resolve " + dns.Name + ": " + dns.Err
	case errors.As(err, &op) && op.Err != nil:
		cause = op.Err.Error()
	default:
		cause = errs.OSReason(err)
	}
	if postgres.IsURL(dsn) {
		where, db := dsn, ""
		if u, perr := url.Parse(dsn); perr == nil {
			where, db = u.Host, strings.TrimPrefix(u.Path, "/")
			if where == "" {
				where = "localhost:5432"
			} else if u.Port() == "" {
				where += ":5432"
			}
		}
		return &errs.Error{Kind: errs.Unavailable, Field: "--db", Err: err, Reason: i18n.T(
			fmt.Sprintf("无法连接 PostgreSQL 数据库 %s（库 %s，%s）：%s；请检查主机、端口、数据库名与服务是否在运行", where, db, schema, cause),
			fmt.Sprintf("cannot reach the PostgreSQL database at %s (database %s, %s): %s; check the host, the port, the database name and that the server is running", where, db, schema, cause))}
	}
	path := dsn
	if p, perr := sqlite.Path(dsn); perr == nil {
		path = p
	}
	return &errs.Error{Kind: errs.Unavailable, Field: "--db", Err: err, Reason: i18n.T(
		fmt.Sprintf("无法打开 SQLite 数据库文件 %s（%s）：%s", path, schema, cause),
		fmt.Sprintf("cannot open the SQLite database file %s (%s): %s", path, schema, cause))}
}

// Migrate applies pending migrations and returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	return Migrations(ctx, db.eng.Name(), db.write, db.dsn, db.schema.Migrations(db.eng.Name()), db.schema.VersionTable)
}

// Engine returns the engine name, "sqlite" or "postgres".
func (db *DB) Engine() string { return db.eng.Name() }

// Eng returns the engine itself, for the SQL that differs.
func (db *DB) Eng() Engine { return db.eng }

// Writer is the pool that writes (a single connection on SQLite).
func (db *DB) Writer() *sql.DB { return db.write }

// Reader is the pool for read-only work.
func (db *DB) Reader() *sql.DB { return db.read }

// Now returns the clock's reading in UTC, truncated to microseconds (the
// precision both engines keep).
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Close closes the pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Tx is a transaction as a store sees it: SQL with portable placeholders,
// the engine, and one instant for everything it records.
type Tx struct {
	SQL
	Raw *sql.Tx // for what SQL does not wrap (savepoints)
	Eng Engine
	now time.Time
}

// Now is the transaction's time.
func (tx *Tx) Now() time.Time { return tx.now }

// Transact runs fn in a read-write transaction, committing if fn returns
// nil. Serialization failures, deadlocks and busy files are retried with
// backoff: fn must therefore have no effects outside the transaction.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	return db.Run(ctx, false, fn)
}

// Read runs fn in a read-only transaction on the read pool.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.Run(ctx, true, fn)
}

// Run runs fn in a transaction, read-only on the read pool or read-write
// on the write pool.
func (db *DB) Run(ctx context.Context, readOnly bool, fn func(*Tx) error) error {
	pool := db.write
	if readOnly {
		pool = db.read
	}
	return runTx(ctx, pool, db.eng, &db.faults, readOnly, func(sqlTx *sql.Tx) error {
		return fn(&Tx{SQL: NewSQL(sqlTx, db.eng.Rebind), Raw: sqlTx, Eng: db.eng, now: db.Now()})
	})
}

const maxAttempts = 8

// TxEngine is what RunTx needs to know of an engine.
type TxEngine interface {
	Name() string
	IsRetryable(error) bool
	IsUnavailable(error) bool
}

// runTx runs fn in a transaction on pool and commits it, rolling back if fn
// fails or panics. Serialization failures and deadlocks (as eng reports
// them) are retried with backoff, and so is a database that cannot serve
// (a lost or refused connection, a server shutting down) as long as the
// transaction had not reached its commit: it then did nothing, and the
// pool opens another connection. fn must therefore have no effects
// outside the transaction. A database still unavailable after the retries
// is an errs.Unavailable error naming the cause, never an internal one:
// callers answer "retry", and nothing that depends on the database (a
// login, a signature's key) is taken for refused. Each fault is counted
// in f by kind.
func runTx(ctx context.Context, pool *sql.DB, eng TxEngine, f *faults, readOnly bool, fn func(*sql.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if attempt > 0 {
			base := time.Millisecond
			if eng.IsUnavailable(err) {
				// A restart takes seconds, not milliseconds: the
				// attempts span about two and a half.
				base = 10 * time.Millisecond
			}
			d := time.Duration(1<<attempt)*base + rand.N(5*time.Millisecond)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		var committing bool
		committing, err = runOnce(ctx, pool, eng.Name() == "postgres" && readOnly, fn)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if attempt == maxAttempts-1 {
			break
		}
		if eng.IsRetryable(err) {
			f.add(FaultConflict)
			continue
		}
		if eng.IsUnavailable(err) && !committing {
			f.add(FaultRetried)
			continue
		}
		break
	}
	if eng.IsUnavailable(err) || eng.IsRetryable(err) || closed(err) {
		f.add(FaultUnavailable)
		return Unavailable(err)
	}
	return err
}

// closed reports a pool or connection already closed: a process shutting
// down while requests are still served.
func closed(err error) bool {
	return errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed")
}

// Unavailable is a database that cannot serve now, with its cause.
func Unavailable(cause error) error {
	return &errs.Error{Kind: errs.Unavailable, Reason: i18n.T("数据库暂时无法访问，请稍后重试", "the database is unavailable for now; retry shortly"), Err: cause}
}

// runOnce runs one attempt; committing reports that fn succeeded and the
// commit was sent, after which an error leaves the outcome unknown.
func runOnce(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*sql.Tx) error) (committing bool, err error) {
	// SQLite's read-only connections are query_only; PostgreSQL shares one
	// pool, so it is asked for a read-only transaction.
	sqlTx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return false, err
	}
	defer func() {
		if p := recover(); p != nil {
			sqlTx.Rollback()
			panic(p)
		}
		if err != nil && !committing {
			sqlTx.Rollback()
		}
	}()
	if err = fn(sqlTx); err != nil {
		return false, err
	}
	return true, sqlTx.Commit()
}

// NullTime converts Go's zero time to SQL NULL, and other times to UTC.
func NullTime(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

// FromNull converts SQL NULL back to Go's zero time.
func FromNull(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// Redact is a database URL fit to print: its password, if any, masked.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}
