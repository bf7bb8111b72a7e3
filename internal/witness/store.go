package witness

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/storage"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Schema is the witness's own schema, apart from the platform's and the
// nodes' (its goose table too), so a regulator may keep the copy in a
// PostgreSQL schema beside other data.
var Schema = storage.Schema{
	Name: "witness",
	Migrations: func(engine string) fs.FS {
		sub, err := fs.Sub(migrations, "migrations/"+engine)
		if err != nil {
			panic(err)
		}
		return sub
	},
	VersionTable: "witness_goose_version",
}

// Store is the witness's copy of the log, on SQLite or PostgreSQL.
type Store struct {
	db *storage.DB
}

// OpenStore opens (and migrates) the witness's database at dsn.
func OpenStore(ctx context.Context, dsn string) (*Store, error) {
	db, err := storage.Open(ctx, dsn, Schema, storage.Options{})
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// State is what the witness holds between rounds.
type State struct {
	LogKey       string
	Copied       int64    // entries copied: seq 0 … Copied-1
	Range        [][]byte // the compact range's hashes over the copied leaves
	VerifiedSize int64    // the newest checkpoint verified against the copy
	VerifiedRoot []byte
	Checkpoint   string // that checkpoint's note, with the witness's cosignature
	Audited      int64  // the rolling audit's next index
	Updated      time.Time
}

// State returns the witness's state; nil before the first round.
func (s *Store) State(ctx context.Context) (*State, error) {
	var st *State
	err := s.db.Read(ctx, func(tx *storage.Tx) error {
		st = &State{}
		var hashes []byte
		err := tx.QueryRow(ctx, `SELECT log_key, copied, range_hashes, verified_size, verified_root, checkpoint, audited, updated_at FROM witness_state WHERE id = 1`).
			Scan(&st.LogKey, &st.Copied, &hashes, &st.VerifiedSize, &st.VerifiedRoot, &st.Checkpoint, &st.Audited, &st.Updated)
		if errors.Is(err, sql.ErrNoRows) {
			st = nil
			return nil
		}
		if err != nil {
			return err
		}
		if len(hashes)%bizlog.HashSize != 0 {
			return fmt.Errorf("witness: stored range of %d bytes is not a list of hashes", len(hashes))
		}
		for i := 0; i < len(hashes); i += bizlog.HashSize {
			st.Range = append(st.Range, hashes[i:i+bizlog.HashSize])
		}
		return nil
	})
	return st, err
}

func saveState(ctx context.Context, tx *storage.Tx, st *State) error {
	st.Updated = tx.Now()
	_, err := tx.Exec(ctx, `INSERT INTO witness_state (id, log_key, copied, range_hashes, verified_size, verified_root, checkpoint, audited, updated_at)
		VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET log_key = excluded.log_key, copied = excluded.copied, range_hashes = excluded.range_hashes,
			verified_size = excluded.verified_size, verified_root = excluded.verified_root, checkpoint = excluded.checkpoint,
			audited = excluded.audited, updated_at = excluded.updated_at`,
		st.LogKey, st.Copied, bytes.Join(st.Range, nil), st.VerifiedSize, st.VerifiedRoot, st.Checkpoint, st.Audited, st.Updated)
	return err
}

// SaveState records st alone.
func (s *Store) SaveState(ctx context.Context, st *State) error {
	return s.db.Transact(ctx, func(tx *storage.Tx) error { return saveState(ctx, tx, st) })
}

// Append stores leaves as entries st.Copied … and st, in one transaction:
// after a crash the copy and the range over it agree.
func (s *Store) Append(ctx context.Context, first int64, leaves [][]byte, st *State) error {
	return s.db.Transact(ctx, func(tx *storage.Tx) error {
		for i, l := range leaves {
			if _, err := tx.Exec(ctx, `INSERT INTO witness_entries (seq, leaf) VALUES ($1, $2)`, first+int64(i), l); err != nil {
				return err
			}
		}
		return saveState(ctx, tx, st)
	})
}

// Truncate drops the entries from seq on (copied but never verified
// against a checkpoint) and records st.
func (s *Store) Truncate(ctx context.Context, from int64, st *State) error {
	return s.db.Transact(ctx, func(tx *storage.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM witness_entries WHERE seq >= $1`, from); err != nil {
			return err
		}
		return saveState(ctx, tx, st)
	})
}

// Leaves returns the copied leaves from seq from, at most limit of them.
func (s *Store) Leaves(ctx context.Context, from int64, limit int) ([][]byte, error) {
	var out [][]byte
	err := s.db.Read(ctx, func(tx *storage.Tx) error {
		rows, err := tx.Query(ctx, `SELECT seq, leaf FROM witness_entries WHERE seq >= $1 ORDER BY seq LIMIT $2`, from, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			var leaf []byte
			if err := rows.Scan(&seq, &leaf); err != nil {
				return err
			}
			if seq != from+int64(len(out)) {
				return fmt.Errorf("witness: the copy lacks entry %d", from+int64(len(out)))
			}
			out = append(out, leaf)
		}
		return rows.Err()
	})
	return out, err
}

// AlarmRecord is an alarm as stored.
type AlarmRecord struct {
	At     time.Time
	Index  int64
	Reason string
}

// RecordAlarm stores an alarm.
func (s *Store) RecordAlarm(ctx context.Context, a *Alarm) error {
	return s.db.Transact(ctx, func(tx *storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO witness_alarms (at, first_index, reason) VALUES ($1, $2, $3)`, tx.Now(), a.Index, a.Reason.EN)
		return err
	})
}

// Alarms lists the alarms raised, newest first.
func (s *Store) Alarms(ctx context.Context) ([]AlarmRecord, error) {
	var out []AlarmRecord
	err := s.db.Read(ctx, func(tx *storage.Tx) error {
		rows, err := tx.Query(ctx, `SELECT at, first_index, reason FROM witness_alarms ORDER BY at DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a AlarmRecord
			if err := rows.Scan(&a.At, &a.Index, &a.Reason); err != nil {
				return err
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}
