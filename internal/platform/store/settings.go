package store

import (
	"context"
	"database/sql"
	"errors"
)

// SettingCryptoProfile names the platform's cryptography profile.
const SettingCryptoProfile = "crypto_profile"

// Setting returns a setting's value, "" if it was never set.
func (tx *Tx) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM platform_settings WHERE name = $1`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting sets a setting's value.
func (tx *Tx) SetSetting(ctx context.Context, name, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO platform_settings (name, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, name, value, tx.Now())
	return err
}
