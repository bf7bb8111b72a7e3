package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"hulian/internal/storage"
)

// Events of data use.
const (
	EventUseApplied      = "datause.applied"
	EventUseDecided      = "datause.decided"
	EventUseRevoked      = "datause.revoked"
	EventDataRead        = "datause.read"
	EventReadRefused     = "datause.read_refused"
	EventReadAlert       = "datause.alert"
	EventReadsUnblocked  = "datause.unblocked"
	EventDatasetDomain   = "dataset.domain_set"
	EventAccountDomains  = "account.domains_set"
	SettingReadThreshold = "read_threshold_rows"
)

// UseApplication is a department's application to use data (C-9).
type UseApplication struct {
	ID         string
	Login      string
	Dataset    string
	Fields     []string
	Purpose    string
	Method     string
	ValidFrom  string
	ValidUntil string
	Status     string
	Applied    time.Time
	DecidedBy  string
	Decided    *time.Time
	Note       string
}

const useColumns = `id, login, dataset, fields, purpose, method, valid_from, valid_until, status, applied_at, decided_by, decided_at, note`

func scanUse(sc interface{ Scan(...any) error }) (*UseApplication, error) {
	var u UseApplication
	var fields string
	var decided sql.NullTime
	if err := sc.Scan(&u.ID, &u.Login, &u.Dataset, &fields, &u.Purpose, &u.Method, &u.ValidFrom, &u.ValidUntil, &u.Status, &u.Applied, &u.DecidedBy, &decided, &u.Note); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &u.Fields); err != nil {
		return nil, fmt.Errorf("application %s: %w", u.ID, err)
	}
	u.Applied = u.Applied.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		u.Decided = &t
	}
	return &u, nil
}

// InsertUse stores an application.
func (tx *Tx) InsertUse(ctx context.Context, u *UseApplication) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_use_applications (`+useColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'',NULL,'')`,
		u.ID, u.Login, u.Dataset, jsonText(u.Fields), u.Purpose, u.Method, u.ValidFrom, u.ValidUntil, u.Status, u.Applied.UTC())
	return err
}

// SetUseStatus moves an application from status from to status to; it
// reports false when it was not in from.
func (tx *Tx) SetUseStatus(ctx context.Context, id, from, to, by, note string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_use_applications SET status = $3, decided_by = $4, decided_at = $5, note = $6 WHERE id = $1 AND status = $2`,
		id, from, to, by, tx.Now(), note)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UseByID reads one application.
func (tx *Tx) UseByID(ctx context.Context, id string) (*UseApplication, error) {
	u, err := scanUse(tx.QueryRow(ctx, `SELECT `+useColumns+` FROM node_use_applications WHERE id = $1`, id))
	if err != nil {
		return nil, storage.NotFound(err, "application", "没有这个数据使用申请", "no such data-use application")
	}
	return u, nil
}

// Uses lists applications, of one login or all, the latest first.
func (tx *Tx) Uses(ctx context.Context, login string) ([]*UseApplication, error) {
	q := `SELECT ` + useColumns + ` FROM node_use_applications`
	var args []any
	if login != "" {
		q += ` WHERE login = $1`
		args = append(args, login)
	}
	rows, err := tx.Query(ctx, q+` ORDER BY applied_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*UseApplication
	for rows.Next() {
		u, err := scanUse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// DataRead is one read of personal data.
type DataRead struct {
	Login, Application, Dataset string
	Fields                      []string
	Sensitive                   []string // those of Fields graded sensitive, encrypted at rest
	Rows                        int64
	Outcome                     string // served, refused, blocked
	At                          time.Time
}

// RecordRead meters a read.
func (tx *Tx) RecordRead(ctx context.Context, r *DataRead) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_data_reads (login, application, dataset, fields, sensitive, rows_read, outcome, read_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
		r.Login, r.Application, r.Dataset, jsonText(r.Fields), jsonText(nonNil(r.Sensitive)), r.Rows, r.Outcome, r.At.UTC())
	return err
}

// RowsRead sums the rows an account was served in [from, to).
func (tx *Tx) RowsRead(ctx context.Context, login string, from, to time.Time) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(rows_read), 0) FROM node_data_reads WHERE login = $1 AND outcome = 'served' AND read_at >= $2 AND read_at < $3`,
		login, from.UTC(), to.UTC()).Scan(&n)
	return n, err
}

// ReadAlert is an abnormal read.
type ReadAlert struct {
	ID        string
	Login     string
	RowsAsked int64
	RowsToday int64
	Threshold int64
	Baseline  int64
	Reason    string
	Raised    time.Time
	Notified  string
	ClearedBy string
	Cleared   *time.Time
	ClearNote string
}

const alertColumns = `id, login, rows_asked, rows_today, threshold, baseline, reason, raised_at, notified, cleared_by, cleared_at, clear_note`

// InsertAlert records an alert.
func (tx *Tx) InsertAlert(ctx context.Context, a *ReadAlert) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_read_alerts (`+alertColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'','',NULL,'')`,
		a.ID, a.Login, a.RowsAsked, a.RowsToday, a.Threshold, a.Baseline, a.Reason, a.Raised.UTC())
	return err
}

// SetAlertNotified records how the notification went.
func (tx *Tx) SetAlertNotified(ctx context.Context, id, outcome string) error {
	_, err := tx.Exec(ctx, `UPDATE node_read_alerts SET notified = $2 WHERE id = $1`, id, outcome)
	return err
}

// ClearAlerts clears an account's open alerts.
func (tx *Tx) ClearAlerts(ctx context.Context, login, by, note string) (int64, error) {
	res, err := tx.Exec(ctx, `UPDATE node_read_alerts SET cleared_by = $2, cleared_at = $3, clear_note = $4 WHERE login = $1 AND cleared_at IS NULL`, login, by, tx.Now(), note)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Alerts lists alerts, the open ones first, then the latest.
func (tx *Tx) Alerts(ctx context.Context, limit int) ([]*ReadAlert, error) {
	rows, err := tx.Query(ctx, `SELECT `+alertColumns+` FROM node_read_alerts ORDER BY CASE WHEN cleared_at IS NULL THEN 0 ELSE 1 END, raised_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ReadAlert
	for rows.Next() {
		var a ReadAlert
		var cleared sql.NullTime
		if err := rows.Scan(&a.ID, &a.Login, &a.RowsAsked, &a.RowsToday, &a.Threshold, &a.Baseline, &a.Reason, &a.Raised, &a.Notified, &a.ClearedBy, &cleared, &a.ClearNote); err != nil {
			return nil, err
		}
		a.Raised = a.Raised.UTC()
		if cleared.Valid {
			t := cleared.Time.UTC()
			a.Cleared = &t
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// DatasetDomain returns a dataset's domain, "" for none.
func (tx *Tx) DatasetDomain(ctx context.Context, name string) (string, error) {
	var d string
	err := tx.QueryRow(ctx, `SELECT domain FROM node_datasets WHERE name = $1`, name).Scan(&d)
	if err != nil {
		return "", storage.NotFound(err, "dataset", "节点上没有这个数据集："+name, "the node has no dataset named "+name)
	}
	return d, nil
}

// SetDatasetDomain sets a dataset's domain.
func (tx *Tx) SetDatasetDomain(ctx context.Context, name, domain string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_datasets SET domain = $2 WHERE name = $1`, name, domain)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// nonNil is s, or an empty list for nil, so that it is stored as [].
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
