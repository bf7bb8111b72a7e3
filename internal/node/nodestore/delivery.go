package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/storage"
)

// Settings and events of delivery.
const (
	// SettingPublicURL is the base URL the node registered as its
	// AnswerService endpoint.
	SettingPublicURL = "public_url"
	// SettingVerifierKey is the platform's log verifier key, pinned when the
	// node first registered its endpoint (or first learned it from an
	// order): relayed requests and receipts must verify with it.
	SettingVerifierKey = "platform_verifier_key"
	// SettingExclusionsGen counts changes to the exclusions, so that a
	// serving node notices an exclusion made by another process (the
	// command line) on its next answer.
	SettingExclusionsGen = "exclusions_gen"

	EventEndpointRegistered = "endpoint.registered"
	EventDeliveryDestroyed  = "delivery.destroyed"
	EventDeliveryAttested   = "delivery.attested"
)

// BumpExclusionsGen increments the exclusions' generation.
func (tx *Tx) BumpExclusionsGen(ctx context.Context) error {
	v, err := tx.Setting(ctx, SettingExclusionsGen)
	if err != nil {
		return err
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return tx.SetSetting(ctx, SettingExclusionsGen, strconv.FormatInt(n+1, 10))
}

// ExclusionsGen returns the exclusions' generation, 0 before any.
func (tx *Tx) ExclusionsGen(ctx context.Context) (int64, error) {
	v, err := tx.Setting(ctx, SettingExclusionsGen)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// Exclusions returns the exIDs excluded from dataset (by name or from
// every dataset), 17 bytes each.
func (tx *Tx) Exclusions(ctx context.Context, dataset string) ([][]byte, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT exid FROM node_dataset_exclusions WHERE dataset IN ('', $1)`, dataset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CurrentVersionForListing returns the current version of the dataset
// listed as listingID, NotFound if no dataset's current version is. Were
// two datasets listed under one listing, the one imported last answers.
func (tx *Tx) CurrentVersionForListing(ctx context.Context, listingID string) (*DatasetVersion, error) {
	v, err := scanVersion(tx.QueryRow(ctx, `SELECT `+prefixed("v.", versionColumns)+` FROM node_datasets d
		JOIN node_dataset_versions v ON v.dataset = d.name AND v.version = d.current_version
		WHERE v.listing_id = $1 ORDER BY v.imported_at DESC, v.id DESC LIMIT 1`, listingID))
	if err != nil {
		return nil, storage.NotFound(err, "listing_id", "本节点没有该挂牌的数据集："+listingID, "this node holds no dataset for listing "+listingID)
	}
	return v, nil
}

// EachDatasetRow calls fn with every row of version versionID in
// ascending order of exID: its exID and its values as stored (a JSON
// array). The slices are the driver's own (no copy per row, which matters
// at ten million rows): fn must not keep them past its return.
func (tx *Tx) EachDatasetRow(ctx context.Context, versionID int64, fn func(exid, vals []byte) error) error {
	rows, err := tx.Query(ctx, `SELECT exid, vals FROM node_dataset_rows WHERE version_id = $1 ORDER BY exid`, versionID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var id, vals sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &vals); err != nil {
			return err
		}
		if err := fn(id, vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// RememberNonce records the nonce of a relayed request and reports
// whether it is new: false means the request is a replay.
func (tx *Tx) RememberNonce(ctx context.Context, nonce string) (bool, error) {
	res, err := tx.Exec(ctx, `INSERT INTO node_relay_nonces (nonce, seen_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING`, nonce, tx.Now())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PruneNonces forgets nonces seen before t.
func (tx *Tx) PruneNonces(ctx context.Context, before time.Time) (int64, error) {
	res, err := tx.Exec(ctx, `DELETE FROM node_relay_nonces WHERE seen_at < $1`, before.UTC())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Delivery is a delivery the node received as a demander.
type Delivery struct {
	OrderID     string
	RequestID   string
	Supplier    string
	Queried     uint64
	Matched     uint64
	ChargeFen   int64
	Commitment  string // hex SHA-256 of the sealed answer
	Seq         int64  // the delivery's entry in the platform's log
	Receipt     string // the platform's signed receipt
	RetainUntil string // YYYY-MM-DD, Asia/Shanghai
	Files       []string
	DeliveredAt time.Time
	// DestroyedAt is set once the data is destroyed; DestroyReason is
	// "deadline" or "request".
	DestroyedAt   *time.Time
	DestroyReason string
	// AttestedAt is set once the platform recorded the destruction, in log
	// entry AttestSeq.
	AttestedAt *time.Time
	AttestSeq  int64
	// KeyType is the identifier type of the files' keys when they are the
	// member's raw IDs, "" when they are exIDs.
	KeyType string
}

const deliveryColumns = `order_id, request_id, supplier, queried, matched, charge_fen, commitment, seq, receipt, retain_until, files, delivered_at, destroyed_at, destroy_reason, attested_at, attest_seq, key_type`

func scanDelivery(sc interface{ Scan(...any) error }) (*Delivery, error) {
	var d Delivery
	var files string
	var destroyed, attested sql.NullTime
	var attestSeq sql.NullInt64
	var queried, matched int64
	if err := sc.Scan(&d.OrderID, &d.RequestID, &d.Supplier, &queried, &matched, &d.ChargeFen, &d.Commitment, &d.Seq, &d.Receipt,
		&d.RetainUntil, &files, &d.DeliveredAt, &destroyed, &d.DestroyReason, &attested, &attestSeq, &d.KeyType); err != nil {
		return nil, err
	}
	d.Queried, d.Matched = uint64(queried), uint64(matched)
	if err := json.Unmarshal([]byte(files), &d.Files); err != nil {
		return nil, fmt.Errorf("delivery %s/%s: files: %w", d.OrderID, d.RequestID, err)
	}
	d.DeliveredAt = d.DeliveredAt.UTC()
	if destroyed.Valid {
		t := destroyed.Time.UTC()
		d.DestroyedAt = &t
	}
	if attested.Valid {
		t := attested.Time.UTC()
		d.AttestedAt = &t
	}
	d.AttestSeq = attestSeq.Int64
	return &d, nil
}

// RecordDelivery stores a delivery received. Recording one again (a
// replayed request) adds its files to those recorded and changes nothing
// else; a delivery already destroyed stays destroyed.
func (tx *Tx) RecordDelivery(ctx context.Context, d *Delivery) error {
	old, err := tx.Delivery(ctx, d.OrderID, d.RequestID)
	switch {
	case errs.Is(err, errs.NotFound):
		files, err := json.Marshal(append([]string{}, d.Files...))
		if err != nil {
			return err
		}
		if d.DeliveredAt.IsZero() {
			d.DeliveredAt = tx.Now()
		}
		_, err = tx.Exec(ctx, `INSERT INTO node_deliveries (order_id, request_id, supplier, queried, matched, charge_fen, commitment, seq, receipt, retain_until, files, delivered_at, key_type)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			d.OrderID, d.RequestID, d.Supplier, int64(d.Queried), int64(d.Matched), d.ChargeFen, d.Commitment, d.Seq, d.Receipt, d.RetainUntil, string(files), d.DeliveredAt.UTC(), d.KeyType)
		return err
	case err != nil:
		return err
	}
	merged := old.Files
	for _, f := range d.Files {
		if !slices.Contains(merged, f) {
			merged = append(merged, f)
		}
	}
	if len(merged) == len(old.Files) {
		return nil
	}
	files, err := json.Marshal(merged)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE node_deliveries SET files = $1 WHERE order_id = $2 AND request_id = $3`, string(files), d.OrderID, d.RequestID)
	return err
}

// Delivery returns one delivery, NotFound if the node has no record of it.
func (tx *Tx) Delivery(ctx context.Context, orderID, requestID string) (*Delivery, error) {
	d, err := scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM node_deliveries WHERE order_id = $1 AND request_id = $2`, orderID, requestID))
	if err != nil {
		return nil, storage.NotFound(err, "request_id", "本节点没有该配送的记录", "the node has no record of this delivery")
	}
	return d, nil
}

// DeliveryFilter selects deliveries.
type DeliveryFilter struct {
	OrderID string // "" for every order
	// Live selects those not destroyed yet; DueBefore, with Live, those
	// whose retain_until is before the date (YYYY-MM-DD).
	Live       bool
	DueBefore  string
	Unattested bool // destroyed but not attested to the platform
	Limit      int  // 0: no limit
}

// Deliveries lists deliveries, the latest first.
func (tx *Tx) Deliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.OrderID != "" {
		where = append(where, "order_id = "+arg(f.OrderID))
	}
	if f.Live {
		where = append(where, "destroyed_at IS NULL")
	}
	if f.DueBefore != "" {
		where = append(where, "retain_until < "+arg(f.DueBefore))
	}
	if f.Unattested {
		where = append(where, "destroyed_at IS NOT NULL AND attested_at IS NULL")
	}
	q := `SELECT ` + deliveryColumns + ` FROM node_deliveries`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY delivered_at DESC, order_id, request_id`
	if f.Limit > 0 {
		q += ` LIMIT ` + arg(f.Limit)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkDestroyed records that a delivery's data was destroyed. It reports
// false if the delivery was destroyed already.
func (tx *Tx) MarkDestroyed(ctx context.Context, orderID, requestID, reason string, at time.Time) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_deliveries SET destroyed_at = $1, destroy_reason = $2 WHERE order_id = $3 AND request_id = $4 AND destroyed_at IS NULL`,
		at.UTC(), reason, orderID, requestID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkAttested records that the platform logged the destruction of a
// delivery in entry seq.
func (tx *Tx) MarkAttested(ctx context.Context, orderID, requestID string, seq int64) error {
	res, err := tx.Exec(ctx, `UPDATE node_deliveries SET attested_at = $1, attest_seq = $2 WHERE order_id = $3 AND request_id = $4 AND destroyed_at IS NOT NULL`,
		tx.Now(), seq, orderID, requestID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errors.Join(err, fmt.Errorf("delivery %s/%s: not destroyed", orderID, requestID))
	}
	return nil
}
