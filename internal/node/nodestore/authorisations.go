package nodestore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/storage/sqlcol"
)

// EventAuthorisationsImported is the node activity of an import of query
// authorisations.
const EventAuthorisationsImported = "authorisations.imported"

// Authorisation is one subject's query authorisation record (X-E10).
type Authorisation struct {
	ExID         []byte
	Recorded     time.Time
	Agreement    []byte // SHA-256 of the signed authorisation document
	SignedOn     string // YYYY-MM-DD
	ExpiresOn    string // YYYY-MM-DD, the last valid day
	VerifiedOn   string // YYYY-MM-DD of the identity verification, "" if none
	Verification string // the identity verification's method and reference, "" if none
	Salt         []byte
	Revoked      *time.Time
}

// authorisationColumns are the columns AddAuthorisations writes.
var authorisationColumns = sqlcol.Of("exid bytea", "recorded_at timestamptz", "agreement bytea", "signed_on text",
	"expires_on text", "verified_on text", "verification text", "salt bytea")

// AddAuthorisations stores records at the transaction's time. Records are
// never updated: a later import adds newer ones, and the newest wins.
func (tx *Tx) AddAuthorisations(ctx context.Context, as []*Authorisation) error {
	for lo := 0; lo < len(as); lo += 500 {
		batch := as[lo:min(lo+500, len(as))]
		rows := make([][]any, len(batch))
		for i, a := range batch {
			a.Recorded = tx.Now()
			rows[i] = []any{a.ExID, a.Recorded, a.Agreement, a.SignedOn, a.ExpiresOn, a.VerifiedOn, a.Verification, a.Salt}
		}
		q, args := tx.Eng.InsertRows("node_authorisations", authorisationColumns, rows)
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			if tx.Eng.IsUniqueViolation(err) {
				return errs.Invalidf("exid", "同一主体在一次导入中出现两次", "a subject appears twice in one import")
			}
			return err
		}
	}
	return nil
}

// RevokeAuthorisations marks the subjects' current records withdrawn and
// returns how many there were.
func (tx *Tx) RevokeAuthorisations(ctx context.Context, exids [][]byte) (int64, error) {
	var n int64
	for _, id := range exids {
		res, err := tx.Exec(ctx, `UPDATE node_authorisations SET revoked_at = $1 WHERE exid = $2 AND revoked_at IS NULL`, tx.Now(), id)
		if err != nil {
			return n, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// CurrentAuthorisations returns each given subject's newest record, keyed
// by exID as a string of bytes; subjects without one are left out, and so
// are revoked records: a withdrawal ends the authorisation.
func (tx *Tx) CurrentAuthorisations(ctx context.Context, exids [][]byte) (map[string]*Authorisation, error) {
	out := make(map[string]*Authorisation, len(exids))
	for lo := 0; lo < len(exids); lo += 500 {
		batch := exids[lo:min(lo+500, len(exids))]
		var b strings.Builder
		b.WriteString(`SELECT exid, recorded_at, agreement, signed_on, expires_on, verified_on, verification, salt, revoked_at FROM node_authorisations WHERE exid IN (`)
		args := make([]any, 0, len(batch))
		for i, id := range batch {
			if i > 0 {
				b.WriteByte(',')
			}
			args = append(args, id)
			fmt.Fprintf(&b, "$%d", len(args))
		}
		b.WriteString(`) ORDER BY exid, recorded_at`)
		rows, err := tx.Query(ctx, b.String(), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var a Authorisation
			var revoked sql.NullTime
			if err := rows.Scan(&a.ExID, &a.Recorded, &a.Agreement, &a.SignedOn, &a.ExpiresOn, &a.VerifiedOn, &a.Verification, &a.Salt, &revoked); err != nil {
				rows.Close()
				return nil, err
			}
			a.Recorded = a.Recorded.UTC()
			if revoked.Valid {
				t := revoked.Time.UTC()
				a.Revoked = &t
			}
			out[string(a.ExID)] = &a // ordered by time: the newest stays
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	for k, a := range out {
		if a.Revoked != nil {
			delete(out, k)
		}
	}
	return out, nil
}

// CountAuthorisations counts the subjects with a live (unrevoked) record.
func (tx *Tx) CountAuthorisations(ctx context.Context) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `SELECT COUNT(DISTINCT exid) FROM node_authorisations WHERE revoked_at IS NULL`).Scan(&n)
	return n, err
}
