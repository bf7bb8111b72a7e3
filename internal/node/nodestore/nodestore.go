// Package nodestore persists a member node's own state (its keys, settings
// and audit trail) on SQLite or PostgreSQL. The node's database is not the
// platform's: it has its own schema and migrations, but it runs on the same
// engines (store/sqlite, store/postgres) for connections, placeholders and
// error codes, so the two cannot diverge in how they talk to a database.
// It does not depend on the platform's store package.
package nodestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/store"
	"hulian/internal/store/postgres"
	"hulian/internal/store/sqlite"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// versionTable is the node's goose table, apart from the platform's, so a
// node and a platform can share one PostgreSQL schema.
const versionTable = "node_goose_version"

// engine is what the node needs of a storage engine; store/sqlite and
// store/postgres provide it.
type engine interface {
	Name() string
	Open(ctx context.Context, dsn string) (write, read *sql.DB, err error)
	Rebind(query string) string
	IsUniqueViolation(error) bool
	IsRetryable(error) bool
}

// engineFor picks the engine for a database URL.
func engineFor(dsn string) (engine, error) {
	switch {
	case postgres.IsURL(dsn):
		return postgres.Engine{}, nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlite.Engine{}, nil
	}
	return nil, errs.Invalidf("--db", "数据库地址须以 sqlite:// 或 postgres:// 开头", "the database URL must start with sqlite:// or postgres://")
}

// CheckURL reports whether dsn names a database engine the node supports.
func CheckURL(dsn string) error {
	_, err := engineFor(dsn)
	return err
}

// DB is an open node database.
type DB struct {
	dsn   string
	eng   engine
	write *sql.DB
	read  *sql.DB
	now   func() time.Time
}

// Options tune Open.
type Options struct {
	// Now is the clock; tests stub it. Defaults to time.Now.
	Now func() time.Time
	// NoMigrate skips applying migrations.
	NoMigrate bool
}

// Open opens the node database at dsn (sqlite://… or postgres://…) and
// applies pending migrations.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	eng, err := engineFor(dsn)
	if err != nil {
		return nil, err
	}
	w, r, err := eng.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open node %s database: %w", eng.Name(), err)
	}
	db := &DB{dsn: dsn, eng: eng, write: w, read: r, now: opt.Now}
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

// Migrations returns the node's migrations for engine ("sqlite" or
// "postgres"): DDL differs between the engines, so each has its own files.
func Migrations(engine string) fs.FS {
	sub, err := fs.Sub(migrations, "migrations/"+engine)
	if err != nil {
		panic(err)
	}
	return sub
}

// Migrate applies pending migrations and returns the versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int64, error) {
	return store.Migrations(ctx, db.eng.Name(), db.write, db.dsn, Migrations(db.eng.Name()), versionTable)
}

// Engine returns the engine name, "sqlite" or "postgres".
func (db *DB) Engine() string { return db.eng.Name() }

// Now returns the store's clock in UTC, truncated to the microseconds both
// engines keep.
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

// Tx is a node transaction.
type Tx struct {
	store.SQL
	db  *DB
	now time.Time
}

// Now is the transaction's single instant.
func (tx *Tx) Now() time.Time { return tx.now }

// Transact runs fn in a read-write transaction, committing if fn returns
// nil. Busy files and serialization failures are retried with backoff, so
// fn must have no effects outside the transaction.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.write, false, fn)
}

// Read runs fn in a read-only transaction on the read pool.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, db.read, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*Tx) error) error {
	return store.RunTx(ctx, pool, db.eng, readOnly, func(sqlTx *sql.Tx) error {
		return fn(&Tx{SQL: store.NewSQL(sqlTx, db.eng.Rebind), db: db, now: db.Now()})
	})
}
