package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"hulian/internal/storage"
)

// Events of corrections and deletions travelling to demanders.
const (
	EventRectificationMade    = "rectification.made"
	EventRectificationSent    = "rectification.sent"
	EventRectificationApplied = "rectification.applied"
)

// SettingRectifiedState is RectifyState as the last run of the supplier's
// notices left it.
const SettingRectifiedState = "rectified_state"

// RectifyState sums up what a supplier's notices depend on: the
// exclusions, the consent ledger, the datasets' current versions and what
// was supplied. Any change to one changes it.
func (tx *Tx) RectifyState(ctx context.Context) (string, error) {
	excl, err := tx.ExclusionsGen(ctx)
	if err != nil {
		return "", err
	}
	consent, err := tx.ConsentGen(ctx)
	if err != nil {
		return "", err
	}
	var supplied, latest int64
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(version_id), 0) FROM node_supplied`).Scan(&supplied, &latest); err != nil {
		return "", err
	}
	rows, err := tx.Query(ctx, `SELECT v.id FROM node_datasets d
		JOIN node_dataset_versions v ON v.dataset = d.name AND v.version = d.current_version ORDER BY v.id`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	current := ""
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		current += fmt.Sprintf(",%d", id)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("excl=%d consent=%d supplied=%d/%d current=%s", excl, consent, supplied, latest, current), nil
}

// Supplied is what the node answered to one relayed request: the rows of
// a dataset version, as a serialised roaring bitmap of their positions in
// exID order.
type Supplied struct {
	OrderID    string
	RequestID  string
	Demander   string
	VersionID  int64
	Columns    []string
	Purpose    string
	Rows       []byte
	Subjects   int64
	SuppliedAt time.Time
}

// RecordSupplied stores what a request was answered with; a request
// answered again (a retry) is recorded once.
func (tx *Tx) RecordSupplied(ctx context.Context, s *Supplied) error {
	cols, err := json.Marshal(s.Columns)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO node_supplied (order_id, request_id, demander, version_id, columns, purpose, rows_bitmap, subjects, supplied_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (order_id, request_id) DO NOTHING`,
		s.OrderID, s.RequestID, s.Demander, s.VersionID, string(cols), s.Purpose, s.Rows, s.Subjects, s.SuppliedAt.UTC())
	return err
}

// EachSupplied calls fn with every record of what the node supplied (of
// the versions given, or all when none is), by order, version and time.
func (tx *Tx) EachSupplied(ctx context.Context, versions []int64, fn func(*Supplied) error) error {
	q := `SELECT order_id, request_id, demander, version_id, columns, purpose, rows_bitmap, subjects, supplied_at FROM node_supplied`
	var args []any
	if len(versions) > 0 {
		q += ` WHERE version_id IN ` + placeholders(0, len(versions))
		for _, v := range versions {
			args = append(args, v)
		}
	}
	rows, err := tx.Query(ctx, q+` ORDER BY order_id, version_id, supplied_at, request_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s Supplied
		var cols string
		if err := rows.Scan(&s.OrderID, &s.RequestID, &s.Demander, &s.VersionID, &cols, &s.Purpose, &s.Rows, &s.Subjects, &s.SuppliedAt); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(cols), &s.Columns); err != nil {
			return fmt.Errorf("supplied %s/%s: columns: %w", s.OrderID, s.RequestID, err)
		}
		s.SuppliedAt = s.SuppliedAt.UTC()
		if err := fn(&s); err != nil {
			return err
		}
	}
	return rows.Err()
}

// DatasetVersionByID returns one version by its ID.
func (tx *Tx) DatasetVersionByID(ctx context.Context, id int64) (*DatasetVersion, error) {
	v, err := scanVersion(tx.QueryRow(ctx, `SELECT `+versionColumns+` FROM node_dataset_versions WHERE id = $1`, id))
	if err != nil {
		return nil, storage.NotFound(err, "version", "节点上没有该数据集版本", "the node has no such dataset version")
	}
	return v, nil
}

// RowPosition returns the position of id among version versionID's rows in
// exID order, and whether the version has it.
func (tx *Tx) RowPosition(ctx context.Context, versionID int64, id []byte) (int64, bool, error) {
	var n int64
	err := tx.QueryRow(ctx, `SELECT 1 FROM node_dataset_rows WHERE version_id = $1 AND exid = $2`, versionID, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	err = tx.QueryRow(ctx, `SELECT COUNT(*) FROM node_dataset_rows WHERE version_id = $1 AND exid < $2`, versionID, id).Scan(&n)
	return n, err == nil, err
}

// RectificationOut is a notice this node made as a supplier.
type RectificationOut struct {
	ID            string
	OrderID       string
	Demander      string
	Action        string // delete, correct
	Reason        string // erased, withdrawn, removed, corrected
	FromVersion   int64
	ToVersion     int64
	Rows          []byte // roaring bitmap of FromVersion's rows named
	Subjects      int64
	Sealed        []byte // nil once sent
	Authenticator []byte
	CreatedAt     time.Time
	SentAt        *time.Time
	SentSeq       int64
}

const rectOutColumns = `id, order_id, demander, action, reason, from_version, to_version, rows_bitmap, subjects, sealed, authenticator, created_at, sent_at, sent_seq`

// InsertRectificationOut records a notice made, to be sent.
func (tx *Tx) InsertRectificationOut(ctx context.Context, r *RectificationOut) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_rectifications_out (id, order_id, demander, action, reason, from_version, to_version, rows_bitmap, subjects, sealed, authenticator, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, r.ID, r.OrderID, r.Demander, r.Action, r.Reason, r.FromVersion, r.ToVersion, r.Rows, r.Subjects,
		r.Sealed, r.Authenticator, r.CreatedAt.UTC())
	return err
}

// RectificationsOut lists notices made: all of an order (orderID set), or
// the unsent ones, oldest first.
func (tx *Tx) RectificationsOut(ctx context.Context, orderID string, unsent bool) ([]*RectificationOut, error) {
	q := `SELECT ` + rectOutColumns + ` FROM node_rectifications_out`
	var args []any
	switch {
	case orderID != "":
		q += ` WHERE order_id = $1`
		args = append(args, orderID)
	case unsent:
		q += ` WHERE sent_at IS NULL`
	}
	rows, err := tx.Query(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*RectificationOut
	for rows.Next() {
		var r RectificationOut
		var sent sql.NullTime
		var seq sql.NullInt64
		if err := rows.Scan(&r.ID, &r.OrderID, &r.Demander, &r.Action, &r.Reason, &r.FromVersion, &r.ToVersion, &r.Rows, &r.Subjects,
			&r.Sealed, &r.Authenticator, &r.CreatedAt, &sent, &seq); err != nil {
			return nil, err
		}
		r.CreatedAt = r.CreatedAt.UTC()
		if sent.Valid {
			t := sent.Time.UTC()
			r.SentAt = &t
		}
		r.SentSeq = seq.Int64
		out = append(out, &r)
	}
	return out, rows.Err()
}

// MarkRectificationSent records that the platform logged a notice, and
// drops its sealed form: the demander has it now.
func (tx *Tx) MarkRectificationSent(ctx context.Context, id string, seq int64) error {
	_, err := tx.Exec(ctx, `UPDATE node_rectifications_out SET sent_at = $2, sent_seq = $3, sealed = NULL, authenticator = NULL WHERE id = $1 AND sent_at IS NULL`,
		id, tx.Now(), seq)
	return err
}

// RectificationIn is a notice this node applied as a demander.
type RectificationIn struct {
	ID         string
	OrderID    string
	Supplier   string
	Action     string
	Subjects   int64
	Applied    int64
	Absent     int64
	Files      []string
	AppliedAt  time.Time
	AttestSeq  int64
	AttestedAt *time.Time
}

const rectInColumns = `id, order_id, supplier, action, subjects, applied, absent, files, applied_at, attest_seq, attested_at`

// RecordRectificationIn records a notice applied.
func (tx *Tx) RecordRectificationIn(ctx context.Context, r *RectificationIn) error {
	files, err := json.Marshal(append([]string{}, r.Files...))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO node_rectifications_in (id, order_id, supplier, action, subjects, applied, absent, files, applied_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, r.ID, r.OrderID, r.Supplier, r.Action, r.Subjects, r.Applied, r.Absent, string(files), r.AppliedAt.UTC())
	return err
}

// RectificationsIn lists the notices applied, the latest first: one by ID
// (id set) or all.
func (tx *Tx) RectificationsIn(ctx context.Context, id string) ([]*RectificationIn, error) {
	q := `SELECT ` + rectInColumns + ` FROM node_rectifications_in`
	var args []any
	if id != "" {
		q += ` WHERE id = $1`
		args = append(args, id)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY applied_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*RectificationIn
	for rows.Next() {
		var r RectificationIn
		var files string
		var seq sql.NullInt64
		var at sql.NullTime
		if err := rows.Scan(&r.ID, &r.OrderID, &r.Supplier, &r.Action, &r.Subjects, &r.Applied, &r.Absent, &files, &r.AppliedAt, &seq, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(files), &r.Files); err != nil {
			return nil, fmt.Errorf("rectification %s: files: %w", r.ID, err)
		}
		r.AppliedAt, r.AttestSeq = r.AppliedAt.UTC(), seq.Int64
		if at.Valid {
			t := at.Time.UTC()
			r.AttestedAt = &t
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// MarkRectificationAttested records the platform's entry for a notice
// applied.
func (tx *Tx) MarkRectificationAttested(ctx context.Context, id string, seq int64) error {
	_, err := tx.Exec(ctx, `UPDATE node_rectifications_in SET attest_seq = $2, attested_at = $3 WHERE id = $1`, id, seq, tx.Now())
	return err
}
