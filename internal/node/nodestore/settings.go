package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Setting names.
const (
	SettingMemberID    = "member_id"    // the member this node serves, as the platform knows it
	SettingPlatformURL = "platform_url" // the platform's base URL
	// SettingPeerKeyPrefix + a member ID holds the log index of the newest
	// registration of that member's node key this node has verified.
	SettingPeerKeyPrefix = "peer_key_index/"
	// SettingCryptoProfile is the cryptography profile the node was
	// deployed with (keyring.ProfileDefault or ProfileGM).
	SettingCryptoProfile = "crypto_profile"
	// SettingConsentChainHash is the hash the consent ledger is chained
	// with (package digest), recorded with its first event.
	SettingConsentChainHash = "consent_chain_hash"
)

// Setting returns a stored setting, "" if unset.
func (tx *Tx) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := tx.QueryRow(ctx, `SELECT value FROM node_settings WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting stores a setting, replacing any earlier value.
func (tx *Tx) SetSetting(ctx context.Context, name, value string) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_settings (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, tx.Now())
	return err
}

// Event is one entry of the node's own audit trail: what the node did on
// its own account (keys generated, registered, integration passed).
type Event struct {
	ID     int64
	At     time.Time
	Kind   string
	Detail string
}

// Event kinds.
const (
	EventKeysGenerated  = "keys.generated"
	EventCryptoProfile  = "crypto.profile_set"
	EventBackupMade     = "backup.made"
	EventKeysRegistered = "keys.registered"
	EventIntegrated     = "integration.passed"
)

// Record appends an event at the transaction's time.
func (tx *Tx) Record(ctx context.Context, kind, detail string) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_events (at, kind, detail) VALUES ($1, $2, $3)`, tx.Now(), kind, detail)
	return err
}

// Events returns the latest events, newest first, at most limit.
// LastEvent returns the newest event of kind, nil if there is none.
func (tx *Tx) LastEvent(ctx context.Context, kind string) (*Event, error) {
	var e Event
	err := tx.QueryRow(ctx, `SELECT id, at, kind, detail FROM node_events WHERE kind = $1 ORDER BY id DESC LIMIT 1`, kind).Scan(&e.ID, &e.At, &e.Kind, &e.Detail)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	e.At = e.At.UTC()
	return &e, err
}

func (tx *Tx) Events(ctx context.Context, limit int) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT id, at, kind, detail FROM node_events ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.At, &e.Kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		es = append(es, e)
	}
	return es, rows.Err()
}
