package storage

import (
	"context"
	"fmt"
)

// Scrub removes from a SQLite database's files what its last changes
// replaced: with secure_delete on, freed pages are zeroed in the database
// file, but the write-ahead log keeps the pages' former versions until it
// is checkpointed and truncated. It is for changes whose point is that
// the former data is gone — a field sealed, a subject's data erased. It
// waits for readers of older snapshots (busy_timeout) and says so if one
// still holds the log.
//
// On PostgreSQL, replaced rows stay in the table's files until VACUUM and
// in the WAL archive for as long as it is kept: there, the protection of
// what was replaced is the server's own (encrypted storage, the archive's
// retention), as docs/operations.md says.
func (db *DB) Scrub(ctx context.Context) error {
	if db.eng.Name() != "sqlite" {
		return nil
	}
	var busy, logged, checkpointed int
	if err := db.write.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &checkpointed); err != nil {
		return err
	}
	if busy != 0 {
		return fmt.Errorf("the write-ahead log could not be truncated: a reader still holds an older snapshot")
	}
	return nil
}
