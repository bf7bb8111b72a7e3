// Package sqlite is the embedded storage engine: one SQLite file per
// process, through the pure-Go modernc.org/sqlite driver (no cgo, so the
// binary cross-compiles and runs anywhere).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"hulian/internal/storage/sqlcol"
)

// Engine is the SQLite engine. It has no state.
type Engine struct{}

func (Engine) Name() string { return "sqlite" }

// Open opens the database file named by a "sqlite:///path" or "sqlite://./rel"
// URL (or a bare path) and returns two pools. SQLite allows one writer at a
// time: the write pool has a single connection, so writers queue in Go rather
// than spin on SQLITE_BUSY, and its transactions begin IMMEDIATE so a
// read-then-write transaction can never fail to upgrade its lock. Readers use
// their own pool and, in WAL mode, never wait for the writer.
func (Engine) Open(ctx context.Context, dsn string) (write, read *sql.DB, err error) {
	path, err := Path(dsn)
	if err != nil {
		return nil, nil, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, err
		}
	}
	// The database holds members' data and sealed keys: a new file is its
	// owner's only, and SQLite gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, nil, err
	}
	// busy_timeout still matters for other processes (hulian migrate, log
	// verify) opening the same file; foreign_keys is off by default in SQLite.
	// secure_delete zeroes what a change frees: a value rewritten sealed, a
	// deleted version, does not linger in free pages.
	base := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=secure_delete(1)" +
		"&_time_format=sqlite&_timezone=UTC"
	write, err = sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	// Processes starting together on a new file race to switch it to WAL,
	// which takes an exclusive lock that SQLite may refuse at once rather
	// than through busy_timeout: retry the connection briefly.
	for attempt := 0; ; attempt++ {
		err := write.PingContext(ctx)
		if err == nil {
			break
		}
		if attempt >= 50 || !(Engine{}).IsRetryable(err) {
			write.Close()
			return nil, nil, fmt.Errorf("open %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			write.Close()
			return nil, nil, ctx.Err()
		case <-time.After(time.Duration(10+attempt*10) * time.Millisecond):
		}
	}
	read, err = sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	read.SetMaxOpenConns(4)
	return write, read, nil
}

// Path extracts the file path from a sqlite URL.
func Path(dsn string) (string, error) {
	p, ok := strings.CutPrefix(dsn, "sqlite://")
	if !ok {
		p, ok = strings.CutPrefix(dsn, "sqlite:")
	}
	if !ok {
		return "", fmt.Errorf("not a sqlite URL: %q", dsn)
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "", errors.New("sqlite URL has no file path")
	}
	return p, nil
}

// Rebind turns the portable "$1" placeholders into SQLite's numbered "?1",
// which SQLite binds by number however often and in whatever order they
// appear (a "$1" in SQLite would be a named parameter instead).
func (Engine) Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q))
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
		case c == '$' && !inString && i+1 < len(q) && q[i+1] >= '0' && q[i+1] <= '9':
			c = '?'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ForUpdate is empty: the single write connection already serialises writers.
func (Engine) ForUpdate() string { return "" }

// IsUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure.
func (Engine) IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// IsUnavailable reports errors that say the database cannot serve now:
// the file is read-only, cannot be opened, the disk failed or is full, or
// it stayed busy through every retry.
func (Engine) IsUnavailable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// IsRetryable reports errors after which the whole transaction may be run
// again: the file was busy beyond busy_timeout (another process held it).
func (Engine) IsRetryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// In is an IN list of one parameter per value: SQLite has no array
// parameters, and preparing a statement costs it no round trip.
func (Engine) In(column string, first int, values []string) (string, []any) {
	var b strings.Builder
	args := make([]any, len(values))
	b.WriteString(column + " IN (")
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("$" + strconv.Itoa(first+i))
		args[i] = v
	}
	b.WriteByte(')')
	return b.String(), args
}

// InsertRows is one INSERT with a VALUES list of the rows, their values
// bound in row order.
func (Engine) InsertRows(table string, cols []sqlcol.Column, rows [][]any) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(cols)*len(rows))
	b.WriteString("INSERT INTO " + table + " (")
	for j, c := range cols {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.Name)
	}
	b.WriteString(") VALUES ")
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			args = append(args, r[j])
			b.WriteString("$" + strconv.Itoa(len(args)))
		}
		b.WriteByte(')')
	}
	return b.String(), args
}

// Loose reports whether the SQLite file at dsn can be read by users other
// than its owner: a file made before hulian made them private, or copied
// without care. Callers warn at start.
func Loose(dsn string) (string, bool) {
	path, err := Path(dsn)
	if err != nil {
		return "", false
	}
	fi, err := os.Stat(path)
	return path, err == nil && fi.Mode().Perm()&0o077 != 0
}
