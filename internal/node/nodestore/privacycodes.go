package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
)

// PrivacyCode is a one-time code sent to a person's address to enter the
// privacy centre.
type PrivacyCode struct {
	ID         string
	Channel    string // mobile, email
	AddressMAC []byte
	Sealed     []byte // the normalised address, sealed by the centre
	CodeMAC    []byte
	Attempts   int
	Created    time.Time
	Expires    time.Time
}

// InsertPrivacyCode records a code sent.
func (tx *Tx) InsertPrivacyCode(ctx context.Context, c *PrivacyCode) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_privacy_codes (id, channel, address_mac, sealed, code_mac, attempts, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,0,$6,$7)`,
		c.ID, c.Channel, c.AddressMAC, c.Sealed, c.CodeMAC, c.Created.UTC(), c.Expires.UTC())
	return err
}

// PrivacyCodeByID reads a code; an unknown one is NotFound.
func (tx *Tx) PrivacyCodeByID(ctx context.Context, id string) (*PrivacyCode, error) {
	c := &PrivacyCode{ID: id}
	err := tx.QueryRow(ctx, `SELECT channel, address_mac, sealed, code_mac, attempts, created_at, expires_at FROM node_privacy_codes WHERE id = $1`, id).
		Scan(&c.Channel, &c.AddressMAC, &c.Sealed, &c.CodeMAC, &c.Attempts, &c.Created, &c.Expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "code", "验证码已失效，请重新获取", "the code has expired; ask for a new one")
	}
	return c, err
}

// CountPrivacyCodes counts the codes sent to an address since t.
func (tx *Tx) CountPrivacyCodes(ctx context.Context, addressMAC []byte, since time.Time) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM node_privacy_codes WHERE address_mac = $1 AND created_at >= $2`, addressMAC, since.UTC()).Scan(&n)
	return n, err
}

// FailPrivacyCode counts a wrong attempt at a code.
func (tx *Tx) FailPrivacyCode(ctx context.Context, id string) error {
	_, err := tx.Exec(ctx, `UPDATE node_privacy_codes SET attempts = attempts + 1 WHERE id = $1`, id)
	return err
}

// SpendPrivacyCode deletes a code used, and reports whether it was there:
// a code is good once.
func (tx *Tx) SpendPrivacyCode(ctx context.Context, id string) (bool, error) {
	res, err := tx.Exec(ctx, `DELETE FROM node_privacy_codes WHERE id = $1`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PrunePrivacyCodes forgets codes that expired before t, kept until then
// only for the per-address limit.
func (tx *Tx) PrunePrivacyCodes(ctx context.Context, before time.Time) error {
	_, err := tx.Exec(ctx, `DELETE FROM node_privacy_codes WHERE expires_at < $1`, before.UTC())
	return err
}
