package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"hulian/internal/errs"
	"hulian/internal/settlement"
)

// Cycle agreement statuses.
const (
	CycleProposed = "proposed"
	CycleAgreed   = "agreed"
	CycleDeclined = "declined"
)

// CycleAgreement is a settlement cycle one member proposed to another, and
// the answer (X-S1). MemberA < MemberB.
type CycleAgreement struct {
	ID         string
	MemberA    string
	MemberB    string
	Proposer   string
	Cycle      settlement.Cycle
	Note       string
	Status     string
	ProposedBy string
	Proposed   time.Time
	AnsweredBy string
	Answered   time.Time
}

// Other is the member of the pair that is not m.
func (c *CycleAgreement) Other(m string) string {
	if m == c.MemberA {
		return c.MemberB
	}
	return c.MemberA
}

const cycleColumns = `id, member_a, member_b, proposer_id, months, from_month, note, status, proposed_by, proposed_at, answered_by, answered_at`

func noCycle() error {
	return errs.New(errs.NotFound, "cycle", "找不到该结算周期提议", "no such settlement cycle proposal")
}

// InsertCycle records a proposal.
func (tx *Tx) InsertCycle(ctx context.Context, c *CycleAgreement) error {
	if err := partyTo(ctx, noCycle, c.MemberA, c.MemberB); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO settlement_cycles (id, member_a, member_b, proposer_id, months, from_month, note, status, proposed_by, proposed_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, c.ID, c.MemberA, c.MemberB, c.Proposer, c.Cycle.Months, c.Cycle.From, c.Note, c.Status, c.ProposedBy, c.Proposed)
	return err
}

// AnswerCycle records the answer to a proposal the caller read for update.
func (tx *Tx) AnswerCycle(ctx context.Context, c *CycleAgreement) error {
	if err := partyTo(ctx, noCycle, c.MemberA, c.MemberB); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE settlement_cycles SET status = $2, answered_by = $3, answered_at = $4 WHERE id = $1`, c.ID, c.Status, c.AnsweredBy, c.Answered)
	return err
}

// CycleByID reads one proposal; another pair's is NotFound.
func (tx *Tx) CycleByID(ctx context.Context, id string, forUpdate bool) (*CycleAgreement, error) {
	if _, _, err := tenant(ctx); err != nil {
		return nil, err
	}
	q := `SELECT ` + cycleColumns + ` FROM settlement_cycles WHERE id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	cs, err := tx.cycles(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, noCycle()
	}
	if err := partyTo(ctx, noCycle, cs[0].MemberA, cs[0].MemberB); err != nil {
		return nil, err
	}
	return cs[0], nil
}

// Cycles lists proposals and agreements, newest first: a member those of
// its pairs, staff all (or one member's with member set).
func (tx *Tx) Cycles(ctx context.Context, member string) ([]*CycleAgreement, error) {
	own, all, err := tenant(ctx)
	if err != nil {
		return nil, err
	}
	if !all {
		member = own
	}
	if member == "" {
		return tx.cycles(ctx, `SELECT `+cycleColumns+` FROM settlement_cycles ORDER BY proposed_at DESC, id`)
	}
	return tx.cycles(ctx, `SELECT `+cycleColumns+` FROM settlement_cycles WHERE member_a = $1 OR member_b = $1 ORDER BY proposed_at DESC, id`, member)
}

// Schedules are every pair's agreed cycles, applied in the order they were
// agreed (a later agreement for the same month replaces an earlier one).
// The platform's own read: statements are issued for every pair.
func (tx *Tx) Schedules(ctx context.Context) (map[[2]string]settlement.Schedule, error) {
	if err := canSee(ctx, ""); err != nil {
		return nil, err
	}
	cs, err := tx.cycles(ctx, `SELECT `+cycleColumns+` FROM settlement_cycles WHERE status = $1`, CycleAgreed)
	if err != nil {
		return nil, err
	}
	return SchedulesOf(cs)
}

// SchedulesOf are the schedules the agreed cycles among cs make, by pair:
// each applied in the order it was agreed (answered, then ID), a later
// agreement for the same month replacing an earlier one. Proposals not
// agreed are ignored; cs is not changed.
func SchedulesOf(cs []*CycleAgreement) (map[[2]string]settlement.Schedule, error) {
	var agreed []*CycleAgreement
	for _, c := range cs {
		if c.Status == CycleAgreed {
			agreed = append(agreed, c)
		}
	}
	slices.SortFunc(agreed, func(x, y *CycleAgreement) int {
		if c := x.Answered.Compare(y.Answered); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	out := map[[2]string]settlement.Schedule{}
	for _, c := range agreed {
		k := [2]string{c.MemberA, c.MemberB}
		s, err := out[k].With(c.Cycle)
		if err != nil {
			return nil, err // checked when agreed: the table was changed outside the platform
		}
		out[k] = s
	}
	return out, nil
}

// Trading reports whether two members have an order between them, in
// either direction: cycles are agreed between counterparties.
func (tx *Tx) Trading(ctx context.Context, a, b string) (bool, error) {
	if err := partyTo(ctx, noCycle, a, b); err != nil {
		return false, err
	}
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM orders WHERE (demander_id = $1 AND supplier_id = $2) OR (demander_id = $2 AND supplier_id = $1) LIMIT 1`, a, b).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (tx *Tx) cycles(ctx context.Context, q string, args ...any) ([]*CycleAgreement, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*CycleAgreement
	for rows.Next() {
		var c CycleAgreement
		var answered sql.NullTime
		if err := rows.Scan(&c.ID, &c.MemberA, &c.MemberB, &c.Proposer, &c.Cycle.Months, &c.Cycle.From, &c.Note, &c.Status, &c.ProposedBy, &c.Proposed,
			&c.AnsweredBy, &answered); err != nil {
			return nil, err
		}
		c.Proposed = c.Proposed.UTC()
		if answered.Valid {
			c.Answered = answered.Time.UTC()
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// Counterparties are the members the caller's member has orders with, in
// either direction: those it may agree a cycle with.
func (tx *Tx) Counterparties(ctx context.Context) ([]string, error) {
	own, all, err := tenant(ctx)
	if err != nil || all {
		return nil, err // staff trade with no one
	}
	rows, err := tx.query(ctx, `SELECT supplier_id FROM orders WHERE demander_id = $1 UNION SELECT demander_id FROM orders WHERE supplier_id = $1`, own)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
