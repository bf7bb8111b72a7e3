// Package store persists the platform's state on the storage layer
// (internal/storage), on SQLite or PostgreSQL.
//
// SQL that both engines understand is written once, here, with "$1"
// placeholders; DDL lives in migrations/sqlite and migrations/postgres. One
// shared behaviour suite (store/storetest) runs against both engines, so
// they cannot drift.
//
// Tenant scoping is enforced here: every query on a member's objects filters
// by the actor in ctx, so a handler that forgets a check cannot leak another
// member's data.
package store

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"time"

	"hulian/internal/storage"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Schema is the platform's schema: its migrations for each engine.
var Schema = storage.Schema{
	Name: "platform",
	Migrations: func(engine string) fs.FS {
		sub, err := fs.Sub(migrations, "migrations/"+engine)
		if err != nil {
			panic(err)
		}
		return sub
	},
	VersionTable: "goose_db_version",
}

// DB is an open platform database.
type DB struct {
	*storage.DB
}

// Options tune Open.
type Options = storage.Options

// Open opens the platform database at dsn and applies pending migrations.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db, err := storage.Open(ctx, dsn, Schema, opt)
	if err != nil {
		return nil, err
	}
	return &DB{DB: db}, nil
}

// Tx is a transaction; every store operation is a method on it so that a
// state change and its log entry always commit together.
type Tx struct {
	*storage.Tx
	db  *DB
	log *logTx // the business log's state once this transaction appends (log.go)
}

// Transact runs fn in a read-write transaction, committing if fn returns nil.
// Serialization failures and deadlocks are retried with backoff: fn must
// therefore have no effects outside the transaction.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, false, fn)
}

// Read runs fn in a read-only transaction on the read pool.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.run(ctx, true, fn)
}

func (db *DB) run(ctx context.Context, readOnly bool, fn func(*Tx) error) error {
	return db.DB.Run(ctx, readOnly, func(st *storage.Tx) error {
		tx := &Tx{Tx: st, db: db}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.flushLog(ctx)
	})
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.Exec(ctx, q, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return tx.Query(ctx, q, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.QueryRow(ctx, q, args...)
}

var notFound = storage.NotFound

func nullTime(t time.Time) sql.NullTime { return storage.NullTime(t) }

func fromNull(t sql.NullTime) time.Time { return storage.FromNull(t) }
