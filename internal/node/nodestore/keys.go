package nodestore

import (
	"context"
	"database/sql"
	"time"

	"hulian/internal/errs"
	"hulian/internal/storage"
)

// SealedKey is one of the node's key pairs as stored: the public half in
// the clear, the private half sealed under the key-encryption key.
type SealedKey struct {
	ID      string
	Purpose string // nodekey.PurposeX25519 or nodekey.PurposeEd25519
	Public  []byte
	Sealed  []byte // the private key sealed by Sealer under KEKID
	Sealer  string // sealing algorithm, e.g. "aes-256-gcm"
	KEKID   string // which key-encryption key sealed it
	Created time.Time
	Retired time.Time // zero while the key is in use
}

const keyColumns = `id, purpose, public_key, sealed_private, sealer, kek_id, created_at, retired_at`

func scanKey(sc interface{ Scan(...any) error }) (*SealedKey, error) {
	var k SealedKey
	var retired sql.NullTime
	if err := sc.Scan(&k.ID, &k.Purpose, &k.Public, &k.Sealed, &k.Sealer, &k.KEKID, &k.Created, &retired); err != nil {
		return nil, err
	}
	k.Created = k.Created.UTC()
	if retired.Valid {
		k.Retired = retired.Time.UTC()
	}
	return &k, nil
}

// ActiveKey returns the key in use for purpose, NotFound if there is none
// (the node has not generated its keys yet).
func (tx *Tx) ActiveKey(ctx context.Context, purpose string) (*SealedKey, error) {
	k, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM node_keys WHERE purpose = $1 AND retired_at IS NULL`, purpose))
	if err != nil {
		return nil, storage.NotFound(err, "key", "节点尚未生成该密钥", "the node has not generated this key yet")
	}
	return k, nil
}

// Keys lists every key, active and retired, oldest first.
func (tx *Tx) Keys(ctx context.Context) ([]*SealedKey, error) {
	rows, err := tx.Query(ctx, `SELECT `+keyColumns+` FROM node_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ks []*SealedKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		ks = append(ks, k)
	}
	return ks, rows.Err()
}

// InsertKey stores a new active key. A second active key for the same
// purpose is a Conflict: two processes generating keys at once must not
// both win.
func (tx *Tx) InsertKey(ctx context.Context, k *SealedKey) error {
	if k.Created.IsZero() {
		k.Created = tx.Now()
	}
	_, err := tx.Exec(ctx, `INSERT INTO node_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)`,
		k.ID, k.Purpose, k.Public, k.Sealed, k.Sealer, k.KEKID, k.Created.UTC())
	if tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "key", "该用途已有在用密钥", "an active key for this purpose exists already")
	}
	return err
}
