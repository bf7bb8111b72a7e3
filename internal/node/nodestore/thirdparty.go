package nodestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"hulian/internal/storage"
)

// Events of the third-party register.
const (
	EventPartyAssessed   = "thirdparty.assessed"
	EventPartyContracted = "thirdparty.contracted"
	EventPartyAudited    = "thirdparty.audited"
	EventPartyTerminated = "thirdparty.terminated"
)

// Terms are a third party's contract terms (C-10).
type Terms struct {
	Purpose         string `json:"purpose"`
	Scope           string `json:"scope"`
	Ownership       string `json:"ownership"`
	Security        string `json:"security"`
	Confidentiality string `json:"confidentiality"`
	Liability       string `json:"liability"`
	Disposal        string `json:"disposal"`
}

// Party is a third party or entrusted processor in the register.
type Party struct {
	ID           string
	Name         string
	USCC         string
	Kind         string // recipient, processor
	Purpose      string
	Fields       []string
	Method       string
	Region       string
	CrossBorder  bool
	Route        string
	Assessment   string
	AssessmentOK bool
	AssessedBy   string
	Assessed     time.Time
	Terms        Terms
	Status       string
	ContractedBy string
	Contracted   *time.Time
	Terminated   *time.Time
	Termination  string
	Disposal     string
}

const partyColumns = `id, name, uscc, kind, purpose, fields, method, region, cross_border, route, assessment, assessment_ok, assessed_by, assessed_at, terms, status, contracted_by, contracted_at, terminated_at, termination, disposal`

func scanParty(sc interface{ Scan(...any) error }) (*Party, error) {
	var p Party
	var fields, terms string
	var contracted, terminated sql.NullTime
	if err := sc.Scan(&p.ID, &p.Name, &p.USCC, &p.Kind, &p.Purpose, &fields, &p.Method, &p.Region, &p.CrossBorder, &p.Route, &p.Assessment, &p.AssessmentOK,
		&p.AssessedBy, &p.Assessed, &terms, &p.Status, &p.ContractedBy, &contracted, &terminated, &p.Termination, &p.Disposal); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &p.Fields); err != nil {
		return nil, fmt.Errorf("party %s: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(terms), &p.Terms); err != nil {
		return nil, fmt.Errorf("party %s: %w", p.ID, err)
	}
	p.Assessed = p.Assessed.UTC()
	for _, t := range []struct {
		n *sql.NullTime
		p **time.Time
	}{{&contracted, &p.Contracted}, {&terminated, &p.Terminated}} {
		if t.n.Valid {
			v := t.n.Time.UTC()
			*t.p = &v
		}
	}
	return &p, nil
}

// InsertParty records an assessed party.
func (tx *Tx) InsertParty(ctx context.Context, p *Party) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_third_parties (id, name, uscc, kind, purpose, fields, method, region, cross_border, route, assessment, assessment_ok, assessed_by, assessed_at, status)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`, p.ID, p.Name, p.USCC, p.Kind, p.Purpose, jsonText(p.Fields), p.Method, p.Region, p.CrossBorder,
		p.Route, p.Assessment, p.AssessmentOK, p.AssessedBy, p.Assessed.UTC(), p.Status)
	return err
}

// ContractParty records a contract with an assessed party; false if it was
// not in status assessed.
func (tx *Tx) ContractParty(ctx context.Context, id string, t Terms, route, by string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_third_parties SET terms = $2, route = $3, contracted_by = $4, contracted_at = $5, status = 'contracted' WHERE id = $1 AND status = 'assessed'`,
		id, jsonText(t), route, by, tx.Now())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// TerminateParty ends a contract; false if none was in force.
func (tx *Tx) TerminateParty(ctx context.Context, id, reason, disposal string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE node_third_parties SET terminated_at = $2, termination = $3, disposal = $4, status = 'terminated' WHERE id = $1 AND status = 'contracted'`,
		id, tx.Now(), reason, disposal)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PartyByID reads one party.
func (tx *Tx) PartyByID(ctx context.Context, id string) (*Party, error) {
	p, err := scanParty(tx.QueryRow(ctx, `SELECT `+partyColumns+` FROM node_third_parties WHERE id = $1`, id))
	if err != nil {
		return nil, storage.NotFound(err, "--id", "登记册中没有这个第三方："+id, "no third party "+id+" in the register")
	}
	return p, nil
}

// Parties lists the register, by name.
func (tx *Tx) Parties(ctx context.Context) ([]*Party, error) {
	rows, err := tx.Query(ctx, `SELECT `+partyColumns+` FROM node_third_parties ORDER BY name, assessed_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Party
	for rows.Next() {
		p, err := scanParty(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Audit is one audit of a third party.
type Audit struct {
	ID      string
	PartyID string
	At      time.Time
	Auditor string
	Finding string
	Passed  bool
}

// InsertAudit records an audit.
func (tx *Tx) InsertAudit(ctx context.Context, a *Audit) error {
	_, err := tx.Exec(ctx, `INSERT INTO node_third_party_audits (id, party_id, audited_at, auditor, finding, passed) VALUES ($1,$2,$3,$4,$5,$6)`,
		a.ID, a.PartyID, a.At.UTC(), a.Auditor, a.Finding, a.Passed)
	return err
}

// Audits lists a party's audits, the latest first.
func (tx *Tx) Audits(ctx context.Context, party string) ([]*Audit, error) {
	rows, err := tx.Query(ctx, `SELECT id, party_id, audited_at, auditor, finding, passed FROM node_third_party_audits WHERE party_id = $1 ORDER BY audited_at DESC`, party)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Audit
	for rows.Next() {
		var a Audit
		if err := rows.Scan(&a.ID, &a.PartyID, &a.At, &a.Auditor, &a.Finding, &a.Passed); err != nil {
			return nil, err
		}
		a.At = a.At.UTC()
		out = append(out, &a)
	}
	return out, rows.Err()
}
