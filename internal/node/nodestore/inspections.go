package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"hulian/internal/storage"
)

// Events of inspections.
const (
	EventInspectionRun = "inspection.run"
	EventFindingRemedy = "inspection.remedied"
)

// InspectionItem is one checklist item's result.
type InspectionItem struct {
	Code       string `json:"code"`
	Clause     string `json:"clause"`
	Passed     bool   `json:"passed"`
	EvidenceZH string `json:"evidence_zh"`
	EvidenceEN string `json:"evidence_en"`
}

// Inspection is one run of the checklist.
type Inspection struct {
	ID      string
	Kind    string
	Quarter string
	Trigger string
	Items   []InspectionItem
	RunBy   string
	Run     time.Time
}

// Finding is a failed item, open until its remedy is recorded.
type Finding struct {
	ID           string
	InspectionID string
	Item         string
	Evidence     string
	Owner        string
	DueOn        string
	RemediedBy   string
	Remedied     *time.Time
	Remedy       string
}

// InsertInspection records a run and its findings.
func (tx *Tx) InsertInspection(ctx context.Context, in *Inspection, fs []*Finding) error {
	if _, err := tx.Exec(ctx, `INSERT INTO node_inspections (id, kind, quarter, trigger_ref, items, run_by, run_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		in.ID, in.Kind, in.Quarter, in.Trigger, jsonText(in.Items), in.RunBy, in.Run.UTC()); err != nil {
		return err
	}
	for _, f := range fs {
		if _, err := tx.Exec(ctx, `INSERT INTO node_inspection_findings (id, inspection_id, item, evidence, owner, due_on) VALUES ($1,$2,$3,$4,$5,$6)`,
			f.ID, in.ID, f.Item, f.Evidence, f.Owner, f.DueOn); err != nil {
			return err
		}
	}
	return nil
}

// Inspections lists the runs, the latest first.
func (tx *Tx) Inspections(ctx context.Context, limit int) ([]*Inspection, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, quarter, trigger_ref, items, run_by, run_at FROM node_inspections ORDER BY run_at DESC, id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Inspection
	for rows.Next() {
		var in Inspection
		var items string
		if err := rows.Scan(&in.ID, &in.Kind, &in.Quarter, &in.Trigger, &items, &in.RunBy, &in.Run); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(items), &in.Items); err != nil {
			return nil, fmt.Errorf("inspection %s: %w", in.ID, err)
		}
		in.Run = in.Run.UTC()
		out = append(out, &in)
	}
	return out, rows.Err()
}

// Findings lists findings, the open ones first.
func (tx *Tx) Findings(ctx context.Context) ([]*Finding, error) {
	rows, err := tx.Query(ctx, `SELECT f.id, f.inspection_id, f.item, f.evidence, f.owner, f.due_on, f.remedied_by, f.remedied_at, f.remedy
		FROM node_inspection_findings f JOIN node_inspections i ON i.id = f.inspection_id
		ORDER BY CASE WHEN f.remedied_at IS NULL THEN 0 ELSE 1 END, i.run_at DESC, f.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Finding
	for rows.Next() {
		var f Finding
		var at sql.NullTime
		if err := rows.Scan(&f.ID, &f.InspectionID, &f.Item, &f.Evidence, &f.Owner, &f.DueOn, &f.RemediedBy, &at, &f.Remedy); err != nil {
			return nil, err
		}
		if at.Valid {
			t := at.Time.UTC()
			f.Remedied = &t
		}
		out = append(out, &f)
	}
	return out, rows.Err()
}

// RemedyFinding records a finding's remedy; NotFound if no open finding
// has the ID.
func (tx *Tx) RemedyFinding(ctx context.Context, id, remedy, by string) error {
	res, err := tx.Exec(ctx, `UPDATE node_inspection_findings SET remedy = $2, remedied_by = $3, remedied_at = $4 WHERE id = $1 AND remedied_at IS NULL`, id, remedy, by, tx.Now())
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err == nil {
			err = storage.NotFound(sql.ErrNoRows, "--id", "没有这个未整改的发现："+id, "no open finding "+id)
		}
		return err
	}
	return nil
}
