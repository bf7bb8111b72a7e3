package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"hulian/internal/settlement"
)

// IssuedStatement is a statement as the platform keeps it: the statement,
// its signature by the log's key, its first log entry and when it was
// issued.
type IssuedStatement struct {
	settlement.Statement
	Signature string
	Seq       int64
	Issued    time.Time
}

// Root is the ID of the statement's chain (the original statement).
func (st *IssuedStatement) Root() string { return settlement.Root(st.ID) }

// InsertStatement records st unless a statement of the same ID exists (or,
// for a correction, another correction of the same statement), and reports
// whether it did: the second run of a month issues nothing.
func (tx *Tx) InsertStatement(ctx context.Context, st *IssuedStatement) (bool, error) {
	if err := canSee(ctx, ""); err != nil {
		return false, err
	}
	lines, err := json.Marshal(st.Lines)
	if err != nil {
		return false, err
	}
	var adj []byte
	if len(st.Adjustments) > 0 {
		if adj, err = json.Marshal(st.Adjustments); err != nil {
			return false, err
		}
	}
	res, err := tx.exec(ctx, `INSERT INTO statements (id, month, demander_id, supplier_id, total_fen, lines, lines_digest, signature, seq, issued_at,
		root_id, corrects, dispute_id, adjustments, adjustments_digest, from_month, hash)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) ON CONFLICT DO NOTHING`,
		st.ID, st.Month, st.Demander, st.Supplier, st.TotalFen, string(lines), st.LinesDigest, st.Signature, st.Seq, st.Issued,
		settlement.Root(st.ID), st.Corrects, st.Dispute, string(adj), st.AdjustmentsDigest, st.From, string(st.Alg()))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertStatementRun records that month's statements were issued, and
// reports whether this run is the first: a second one must not stand.
func (tx *Tx) InsertStatementRun(ctx context.Context, month string, issued int) (bool, error) {
	if err := canSee(ctx, ""); err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `INSERT INTO statement_runs (month, issued_at, statements) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, month, tx.Now(), issued)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MonthIssued reports whether month's statements have been issued: a
// run that finds them needs not read the month again. Months issued before
// runs were recorded are known by their statements.
func (tx *Tx) MonthIssued(ctx context.Context, month string) (bool, error) {
	if err := canSee(ctx, ""); err != nil {
		return false, err
	}
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM statement_runs WHERE month = $1 UNION ALL SELECT 1 FROM statements WHERE month = $1 LIMIT 1`, month).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// StatementFilter selects statements.
type StatementFilter struct {
	ID     string // one statement, "" for all
	Month  string // YYYY-MM, "" for all
	Member string // as demander or supplier, "" for all (staff)
	Root   string // one chain: a statement and its corrections, "" for all
	Since  string // months from this one (YYYY-MM) on, if set
	Heads  bool   // only each chain's latest statement
}

// Statements lists statements, by month, then chain, each chain in the
// order it was written. A member sees those it is a party to.
func (tx *Tx) Statements(ctx context.Context, f StatementFilter) ([]*IssuedStatement, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		f.Member = own
	}
	q := `SELECT id, month, demander_id, supplier_id, total_fen, lines, lines_digest, signature, seq, issued_at,
		corrects, dispute_id, adjustments, adjustments_digest, from_month, hash FROM statements WHERE 1=1`
	var args []any
	if f.ID != "" {
		args = append(args, f.ID)
		q += " AND id = $" + itoa(len(args))
	}
	if f.Month != "" {
		args = append(args, f.Month)
		q += " AND month = $" + itoa(len(args))
	}
	if f.Root != "" {
		args = append(args, f.Root)
		q += " AND root_id = $" + itoa(len(args))
	}
	if f.Since != "" {
		args = append(args, f.Since)
		q += " AND month >= $" + itoa(len(args))
	}
	if f.Heads {
		q += " AND NOT EXISTS (SELECT 1 FROM statements c WHERE c.corrects = statements.id)"
	}
	if f.Member != "" {
		args = append(args, f.Member)
		q += " AND (demander_id = $" + itoa(len(args)) + " OR supplier_id = $" + itoa(len(args)) + ")"
	}
	rows, err := tx.query(ctx, q+" ORDER BY month, root_id, seq", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*IssuedStatement
	for rows.Next() {
		var st IssuedStatement
		var lines, adj string
		if err := rows.Scan(&st.ID, &st.Month, &st.Demander, &st.Supplier, &st.TotalFen, &lines, &st.LinesDigest, &st.Signature, &st.Seq, &st.Issued,
			&st.Corrects, &st.Dispute, &adj, &st.AdjustmentsDigest, &st.From, &st.Hash); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(lines), &st.Lines); err != nil {
			return nil, err
		}
		if adj != "" {
			if err := json.Unmarshal([]byte(adj), &st.Adjustments); err != nil {
				return nil, err
			}
		}
		st.Issued = st.Issued.UTC()
		out = append(out, &st)
	}
	return out, rows.Err()
}
