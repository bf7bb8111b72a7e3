package storage

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// Backup is a verified copy of a database.
type Backup struct {
	Path   string
	Bytes  int64
	Schema int64 // the copy's schema version
}

// Backup copies a SQLite database, while it serves, to path — a new file,
// never an existing one — and checks the copy: SQLite's integrity check
// passes and the copy has the schema of the original. The copy is made
// with VACUUM INTO, one consistent snapshot that readers and the writer
// do not wait for. Sealed keys and encrypted fields stay sealed in it; the
// key-encryption key is not in it and must be kept apart.
//
// A PostgreSQL database is backed up by PostgreSQL's own means (base
// backups with WAL archiving for point-in-time recovery, or pg_dump):
// Backup says so rather than half-doing it.
func (db *DB) Backup(ctx context.Context, path string) (*Backup, error) {
	if db.eng.Name() != "sqlite" {
		return nil, errs.New(errs.FailedPrecondition, "--db",
			"PostgreSQL 数据库请用其自身的备份手段（pg_basebackup 加 WAL 归档以便时间点恢复，或 pg_dump），并把密钥加密密钥与备份分开保管",
			"back up a PostgreSQL database by its own means (pg_basebackup with WAL archiving for point-in-time recovery, or pg_dump), and keep the key-encryption key apart from the backups")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, errs.Invalidf("--out", "备份路径无效", "the backup path is not valid")
	}
	if _, err := os.Stat(abs); err == nil {
		return nil, errs.Invalidf("--out", "文件已存在，不会覆盖："+abs, "the file exists and is not overwritten: "+abs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, &errs.Error{Kind: errs.Invalid, Field: "--out", Err: err, Reason: i18n.T("无法检查备份路径："+errs.OSReason(err), "cannot check the backup path: "+errs.OSReason(err))}
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		os.Remove(abs)
		return nil, &errs.Error{Kind: errs.Unavailable, Field: "--out", Err: err, Reason: i18n.T("备份未能写成，请检查磁盘空间与目录权限后重试", "the backup could not be written; check the disk's space and the folder's permissions, and retry")}
	}
	// The copy holds the members' data and sealed keys: its owner's only.
	if err := os.Chmod(abs, 0o600); err != nil {
		os.Remove(abs)
		return nil, err
	}
	out := &Backup{Path: abs}
	if err := checkCopy(ctx, abs, db.schema.VersionTable, out); err != nil {
		os.Remove(abs)
		return nil, err
	}
	want := newestMigration(db.schema.Migrations(db.eng.Name()))
	if out.Schema != want {
		os.Remove(abs)
		return nil, errs.New(errs.Internal, "--out", "备份的数据库结构版本与原库不符", "the backup's schema version does not match the database's")
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	out.Bytes = fi.Size()
	return out, nil
}

// checkCopy opens the copy read-only, runs SQLite's integrity check and
// reads its schema version.
func checkCopy(ctx context.Context, path, versionTable string, out *Backup) error {
	c, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return err
	}
	defer c.Close()
	var verdict string
	if err := c.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&verdict); err != nil {
		return err
	}
	if verdict != "ok" {
		return errs.New(errs.Internal, "--out", "备份未通过完整性检查："+verdict, "the backup fails the integrity check: "+verdict)
	}
	return c.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+versionTable+` WHERE is_applied`).Scan(&out.Schema)
}
