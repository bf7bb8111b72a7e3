// Package nodestore persists a member node's own state (its keys,
// settings, datasets, deliveries and audit trail) on the storage layer
// (internal/storage), on SQLite or PostgreSQL. The node's database is not
// the platform's: it has its own schema and migrations, and the two stores
// are siblings over one storage layer, so they cannot diverge in how they
// talk to a database. It imports nothing of the platform.
package nodestore

import (
	"context"
	"embed"
	"io/fs"

	"hulian/internal/storage"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Schema is the node's schema. Its goose table is apart from the
// platform's, so a node and a platform can share one PostgreSQL schema.
var Schema = storage.Schema{
	Name:         "node",
	Migrations:   Migrations,
	VersionTable: "node_goose_version",
}

// CheckURL reports whether dsn names a database engine the node supports.
func CheckURL(dsn string) error { return storage.CheckURL(dsn) }

// DB is an open node database.
type DB struct {
	*storage.DB
}

// Options tune Open.
type Options = storage.Options

// Open opens the node database at dsn (sqlite://… or postgres://…) and
// applies pending migrations.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	db, err := storage.Open(ctx, dsn, Schema, opt)
	if err != nil {
		return nil, err
	}
	return &DB{DB: db}, nil
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

// Tx is a node transaction.
type Tx struct {
	*storage.Tx
}

// Transact runs fn in a read-write transaction, committing if fn returns
// nil. Busy files and serialization failures are retried with backoff, so
// fn must have no effects outside the transaction.
func (db *DB) Transact(ctx context.Context, fn func(*Tx) error) error {
	return db.DB.Transact(ctx, func(st *storage.Tx) error { return fn(&Tx{st}) })
}

// Read runs fn in a read-only transaction on the read pool.
func (db *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return db.DB.Read(ctx, func(st *storage.Tx) error { return fn(&Tx{st}) })
}
