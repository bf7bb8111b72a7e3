package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"hulian/internal/storage"
)

// Events of collection governance.
const (
	EventPlanProposed = "collection.plan_proposed"
	EventPlanDecided  = "collection.plan_decided"
	EventPlanRetired  = "collection.plan_retired"
	EventBatchRecord  = "collection.batch_recorded"
)

// PlanField is one field a plan collects.
type PlanField struct {
	Name string `json:"name"`
	// Required fields are needed for the service the collection serves: a
	// person who declines one is not served.
	Required bool `json:"required"`
	// IDType, for an identifier, is its type (mobile, email, …): values
	// are validated as such at collection.
	IDType string `json:"id_type,omitempty"`
}

// PlanFinding is what the necessity check says of a field.
type PlanFinding struct {
	Field    string `json:"field"`
	Severity string `json:"severity"` // block, warn
	ZH       string `json:"zh"`
	EN       string `json:"en"`
}

// Plan is a collection plan with its needs assessment (C-2).
type Plan struct {
	ID           string
	Name         string
	Purpose      string
	Serves       string
	Necessity    string
	Scenario     string
	Sources      []string
	Methods      []string
	Frequency    string
	Formats      []string
	Fields       []PlanField
	Findings     []PlanFinding
	ValidFrom    string
	ValidUntil   string
	Status       string
	ProposedBy   string
	Proposed     time.Time
	DecidedBy    string
	Decided      *time.Time
	DecisionNote string
}

const planColumns = `id, name, purpose, serves, necessity, scenario, sources, methods, frequency, formats, fields, findings, valid_from, valid_until, status, proposed_by, proposed_at, decided_by, decided_at, decision_note`

func scanPlan(sc interface{ Scan(...any) error }) (*Plan, error) {
	var p Plan
	var sources, methods, formats, fields, findings string
	var decided sql.NullTime
	if err := sc.Scan(&p.ID, &p.Name, &p.Purpose, &p.Serves, &p.Necessity, &p.Scenario, &sources, &methods, &p.Frequency, &formats, &fields, &findings,
		&p.ValidFrom, &p.ValidUntil, &p.Status, &p.ProposedBy, &p.Proposed, &p.DecidedBy, &decided, &p.DecisionNote); err != nil {
		return nil, err
	}
	for _, j := range []struct {
		s string
		v any
	}{{sources, &p.Sources}, {methods, &p.Methods}, {formats, &p.Formats}, {fields, &p.Fields}, {findings, &p.Findings}} {
		if err := json.Unmarshal([]byte(j.s), j.v); err != nil {
			return nil, fmt.Errorf("plan %s: %w", p.ID, err)
		}
	}
	p.Proposed = p.Proposed.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		p.Decided = &t
	}
	return &p, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// InsertPlan stores a plan proposed.
func (tx *Tx) InsertPlan(ctx context.Context, p *Plan) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_collection_plans (`+planColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,'',NULL,'')`,
		p.ID, p.Name, p.Purpose, p.Serves, p.Necessity, p.Scenario, jsonText(p.Sources), jsonText(p.Methods), p.Frequency, jsonText(p.Formats),
		jsonText(p.Fields), jsonText(p.Findings), p.ValidFrom, p.ValidUntil, p.Status, p.ProposedBy, p.Proposed.UTC())
	return err
}

// DecidePlan records the committee's decision on a submitted plan; it
// reports false if the plan was not submitted (decided already).
func (tx *Tx) DecidePlan(ctx context.Context, id, status, by, note string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_collection_plans SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1 AND status = 'submitted'`,
		id, status, by, tx.Now(), note)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RetirePlan ends an approved plan: nothing more is collected under it.
func (tx *Tx) RetirePlan(ctx context.Context, id string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_collection_plans SET status = 'retired' WHERE id = $1 AND status = 'approved'`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PlanByID reads one plan, NotFound if none.
func (tx *Tx) PlanByID(ctx context.Context, id string) (*Plan, error) {
	p, err := scanPlan(tx.QueryRow(ctx, `SELECT `+planColumns+` FROM node_collection_plans WHERE id = $1`, id))
	if err != nil {
		return nil, storage.NotFound(err, "--plan", "没有这个采集计划："+id, "no collection plan "+id)
	}
	return p, nil
}

// Plans lists the plans, the latest first.
func (tx *Tx) Plans(ctx context.Context) ([]*Plan, error) {
	rows, err := tx.Query(ctx, `SELECT `+planColumns+` FROM node_collection_plans ORDER BY proposed_at DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Batch is one collection batch recorded (C-6).
type Batch struct {
	ID            string
	PlanID        string
	Collected     time.Time
	Collector     string
	Place         string
	Source        string
	Method        string
	RowsIn        int64
	RowsKept      int64
	RowsInvalid   int64
	Duplicates    int64
	OutputSHA256  string // the output's digest, hex, by OutputHashAlg (the name is the column's)
	OutputHashAlg string // sha256, or sm3 on a node of the 国密 profile
	Quality       json.RawMessage
	RecordedBy    string
	Recorded      time.Time
}

const batchColumns = `id, plan_id, collected_at, collector, place, source, method, rows_in, rows_kept, rows_invalid, duplicates, output_sha256, output_hash_alg, quality, recorded_by, recorded_at`

// InsertBatch records a batch.
func (tx *Tx) InsertBatch(ctx context.Context, b *Batch) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_collection_batches (`+batchColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
		b.ID, b.PlanID, b.Collected.UTC(), b.Collector, b.Place, b.Source, b.Method, b.RowsIn, b.RowsKept, b.RowsInvalid, b.Duplicates, b.OutputSHA256, b.OutputHashAlg,
		string(b.Quality), b.RecordedBy, b.Recorded.UTC())
	return err
}

// Batches lists the batches of a plan, or of all ("" plan), the latest
// first, at most limit.
func (tx *Tx) Batches(ctx context.Context, plan string, limit int) ([]*Batch, error) {
	q := `SELECT ` + batchColumns + ` FROM node_collection_batches`
	args := []any{}
	if plan != "" {
		q += ` WHERE plan_id = $1`
		args = append(args, plan)
	}
	args = append(args, limit)
	rows, err := tx.Query(ctx, q+fmt.Sprintf(` ORDER BY collected_at DESC, id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Batch
	for rows.Next() {
		var b Batch
		var quality string
		if err := rows.Scan(&b.ID, &b.PlanID, &b.Collected, &b.Collector, &b.Place, &b.Source, &b.Method, &b.RowsIn, &b.RowsKept, &b.RowsInvalid,
			&b.Duplicates, &b.OutputSHA256, &b.OutputHashAlg, &quality, &b.RecordedBy, &b.Recorded); err != nil {
			return nil, err
		}
		b.Quality = json.RawMessage(quality)
		b.Collected, b.Recorded = b.Collected.UTC(), b.Recorded.UTC()
		out = append(out, &b)
	}
	return out, rows.Err()
}
