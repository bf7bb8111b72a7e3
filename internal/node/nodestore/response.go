package nodestore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hulian/internal/errs"
	"hulian/internal/storage"
)

// Events of incident response.
const (
	EventResponsePlan     = "response.plan_published"
	EventDrillRecorded    = "response.drill_recorded"
	EventEvidenceRecorded = "response.evidence_preserved"
)

// ResponsePlanRow is a stored version of the response plan.
type ResponsePlanRow struct {
	Version     int
	Body        []byte
	Published   time.Time
	PublishedBy string
}

// InsertResponsePlan stores a plan version; a version taken is a Conflict.
func (tx *Tx) InsertResponsePlan(ctx context.Context, p *ResponsePlanRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_response_plans (version, body, published_at, published_by) VALUES ($1, $2, $3, $4)`,
		p.Version, string(p.Body), p.Published.UTC(), p.PublishedBy)
	if tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "version", "该版本的应急预案已发布", "that version of the response plan is published already")
	}
	return err
}

// ResponsePlan returns the newest plan, nil if none is published.
func (tx *Tx) ResponsePlan(ctx context.Context) (*ResponsePlanRow, error) {
	var p ResponsePlanRow
	var body string
	err := tx.QueryRow(ctx, `SELECT version, body, published_at, published_by FROM node_response_plans ORDER BY version DESC LIMIT 1`).
		Scan(&p.Version, &body, &p.Published, &p.PublishedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p.Body, p.Published = []byte(body), p.Published.UTC()
	return &p, nil
}

// DrillRow is a recorded drill.
type DrillRow struct {
	ID          string
	PlanVersion int
	HeldOn      string
	Body        []byte
	RecordedBy  string
	Recorded    time.Time
}

// InsertDrill records a drill.
func (tx *Tx) InsertDrill(ctx context.Context, d *DrillRow) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_drills (id, plan_version, held_on, body, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		d.ID, d.PlanVersion, d.HeldOn, string(d.Body), d.RecordedBy, d.Recorded.UTC())
	return err
}

// Drills lists the drills, the latest held first, at most limit.
func (tx *Tx) Drills(ctx context.Context, limit int) ([]*DrillRow, error) {
	rows, err := tx.Query(ctx, `SELECT id, plan_version, held_on, body, recorded_by, recorded_at FROM node_drills ORDER BY held_on DESC, recorded_at DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*DrillRow
	for rows.Next() {
		var d DrillRow
		var body string
		if err := rows.Scan(&d.ID, &d.PlanVersion, &d.HeldOn, &body, &d.RecordedBy, &d.Recorded); err != nil {
			return nil, err
		}
		d.Body, d.Recorded = []byte(body), d.Recorded.UTC()
		out = append(out, &d)
	}
	return out, rows.Err()
}

// Evidence is one preserved piece of an incident's evidence.
type Evidence struct {
	ID, Incident, Name string
	Bytes              int64
	HashAlg            string // sha256, or sm3 under the 国密 profile
	Digest             string // hex
	RecordedBy         string
	Recorded           time.Time
}

// InsertEvidence preserves a piece of evidence; a name already preserved
// for the incident is a Conflict — evidence is never replaced.
func (tx *Tx) InsertEvidence(ctx context.Context, e *Evidence) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_evidence (id, incident, name, bytes, hash_alg, digest, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.Incident, e.Name, e.Bytes, e.HashAlg, e.Digest, e.RecordedBy, e.Recorded.UTC())
	if tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "name", "该事件已保全同名证据，证据不可替换："+e.Name, "evidence of that name is preserved for the incident already and is never replaced: "+e.Name)
	}
	return err
}

// EvidenceOf lists an incident's preserved evidence, by name.
func (tx *Tx) EvidenceOf(ctx context.Context, incident string) ([]*Evidence, error) {
	rows, err := tx.Query(ctx, `SELECT id, incident, name, bytes, hash_alg, digest, recorded_by, recorded_at FROM node_evidence WHERE incident = $1 ORDER BY name`, incident)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Evidence
	for rows.Next() {
		var e Evidence
		if err := rows.Scan(&e.ID, &e.Incident, &e.Name, &e.Bytes, &e.HashAlg, &e.Digest, &e.RecordedBy, &e.Recorded); err != nil {
			return nil, err
		}
		e.Recorded = e.Recorded.UTC()
		out = append(out, &e)
	}
	return out, rows.Err()
}

// EvidenceByName returns one piece of an incident's evidence.
func (tx *Tx) EvidenceByName(ctx context.Context, incident, name string) (*Evidence, error) {
	var e Evidence
	err := tx.QueryRow(ctx, `SELECT id, incident, name, bytes, hash_alg, digest, recorded_by, recorded_at FROM node_evidence WHERE incident = $1 AND name = $2`, incident, name).
		Scan(&e.ID, &e.Incident, &e.Name, &e.Bytes, &e.HashAlg, &e.Digest, &e.RecordedBy, &e.Recorded)
	if err != nil {
		return nil, storage.NotFound(err, "name", "该事件没有保全名为 "+name+" 的证据", "no evidence named "+name+" is preserved for the incident")
	}
	e.Recorded = e.Recorded.UTC()
	return &e, nil
}
