package storage

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Readiness is whether a database can serve: reads, writes, and the schema
// at the version this build expects. It is what /readyz reports.
type Readiness struct {
	Engine     string `json:"engine"`
	Read       bool   `json:"read"`
	Write      bool   `json:"write"`
	InRecovery bool   `json:"in_recovery,omitempty"` // PostgreSQL: a standby
	ReadOnly   bool   `json:"read_only,omitempty"`   // transactions default to read-only
	Schema     int64  `json:"schema_version"`
	Want       int64  `json:"schema_expected"`
	Error      string `json:"error,omitempty"`
}

// OK reports whether the database can serve every request.
func (r Readiness) OK() bool { return r.Read && r.Write && r.Schema == r.Want && r.Error == "" }

// Ready checks that the database answers reads, would accept a write (on
// PostgreSQL: not in recovery and not read-only; on SQLite: the write lock
// can be taken), and has the schema at the newest migration this build
// carries. It writes nothing.
func (db *DB) Ready(ctx context.Context) Readiness {
	r := Readiness{Engine: db.eng.Name(), Want: newestMigration(db.schema.Migrations(db.eng.Name()))}
	fail := func(what string, err error) Readiness {
		r.Error = what + ": " + err.Error()
		return r
	}
	if err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+db.schema.VersionTable+` WHERE is_applied`).Scan(&r.Schema); err != nil {
		return fail("read", err)
	}
	r.Read = true
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fail("write", err)
	}
	defer conn.Close()
	if db.eng.Name() == "postgres" {
		var ro string
		if err := conn.QueryRowContext(ctx, `SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only')`).Scan(&r.InRecovery, &ro); err != nil {
			return fail("write", err)
		}
		r.ReadOnly = ro == "on"
		r.Write = !r.InRecovery && !r.ReadOnly
		return r
	}
	// SQLite: taking the write lock proves the file writable and not held
	// by another process beyond the busy timeout.
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fail("write", err)
	}
	_, err = conn.ExecContext(ctx, `ROLLBACK`)
	if err != nil {
		return fail("write", err)
	}
	r.Write = true
	return r
}

// newestMigration is the highest version among the migration files
// (goose's "<version>_name.sql").
func newestMigration(fsys fs.FS) int64 {
	var newest int64
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		v, _, ok := strings.Cut(e.Name(), "_")
		if n, err := strconv.ParseInt(v, 10, 64); ok && err == nil && n > newest {
			newest = n
		}
	}
	return newest
}

// String is a one-line summary for logs.
func (r Readiness) String() string {
	return fmt.Sprintf("%s read=%t write=%t schema=%d/%d %s", r.Engine, r.Read, r.Write, r.Schema, r.Want, r.Error)
}
