package storage

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"hulian/internal/storage/sqlite"
)

// Migrations applies the migrations in fsys to db, recording them in table,
// and returns the versions applied. Several processes may start on one
// database at once (replicas, a CLI beside a server): each engine makes them
// take turns, so that no migration runs twice. PostgreSQL uses goose's
// advisory-lock session locker (one lock ID per table); SQLite, where one
// file is shared by processes on one machine, an exclusive flock on a
// sidecar file.
func Migrations(ctx context.Context, engine string, db *sql.DB, dsn string, fsys fs.FS, table string) ([]int64, error) {
	opts := []goose.ProviderOption{goose.WithTableName(table)}
	dialect := goose.DialectSQLite3
	if engine == "postgres" {
		dialect = goose.DialectPostgres
		l, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID(table)))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(l))
	} else {
		path, err := sqlite.Path(dsn)
		if err != nil {
			return nil, err
		}
		unlock, err := flock(path + ".migrate-lock")
		if err != nil {
			return nil, fmt.Errorf("lock for migrations: %w", err)
		}
		defer unlock()
	}
	p, err := goose.NewProvider(dialect, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", engine, err)
	}
	var v []int64
	for _, r := range res {
		v = append(v, r.Source.Version)
	}
	return v, nil
}

// lockID derives a PostgreSQL advisory lock ID from a version table name.
func lockID(table string) int64 {
	var h int64 = lock.DefaultLockID
	for _, c := range table {
		h = h*31 + int64(c)
	}
	return h
}

func flock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
