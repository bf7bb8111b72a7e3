// Package thirdparty is the member's register of third parties and
// entrusted processors (C-10, P-7): each assessed before it is selected,
// contracted on terms naming the purpose, the scope, ownership, security,
// confidentiality, liability and the data's disposal at the end, audited
// while the contract runs, and terminated with the disposal recorded; one
// that processes the data outside the mainland names its outbound-transfer
// route. From the register and the approved collection plans it makes the
// two lists a company publishes: the personal-information collection list
// and the third-party sharing list (个人信息收集清单、第三方共享清单).
package thirdparty

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/formtext"
	"hulian/internal/i18n"
	"hulian/internal/jsonstrict"
	"hulian/internal/node"
	"hulian/internal/node/collection"
	"hulian/internal/node/nodestore"
)

// Kinds of party.
const (
	Recipient = "recipient" // receives the data for its own purposes (PIPL Art. 23)
	Processor = "processor" // processes it on the member's behalf (PIPL Art. 21)
)

// Statuses.
const (
	Assessed   = "assessed"
	Rejected   = "rejected"
	Contracted = "contracted"
	Terminated = "terminated"
)

// Routes of an outbound transfer (PIPL Art. 38): the CAC's security
// assessment, certification, or the standard contract.
var Routes = []string{"security_assessment", "certification", "standard_contract"}

// RouteNames name the routes for people.
var RouteNames = map[string]i18n.Text{
	"security_assessment": i18n.T("国家网信部门安全评估", "the CAC's security assessment"),
	"certification":       i18n.T("个人信息保护认证", "personal information protection certification"),
	"standard_contract":   i18n.T("标准合同", "the standard contract"),
}

// Input is a party as assessed, the JSON of `hulian node thirdparty
// assess --file`.
type Input struct {
	Name         string   `json:"name"`
	USCC         string   `json:"uscc,omitempty"`
	Kind         string   `json:"kind"`
	Purpose      string   `json:"purpose"`
	Fields       []string `json:"fields"`
	Method       string   `json:"method"`
	Region       string   `json:"region"`
	CrossBorder  bool     `json:"cross_border"`
	Assessment   string   `json:"assessment"`
	AssessmentOK bool     `json:"assessment_passed"`
}

// decode reads JSON into v, naming an unknown key.
func decode(r io.Reader, v any) error { return jsonstrict.Read(r, "--file", 1<<20, v) }

// ParseInput reads a party's JSON.
func ParseInput(r io.Reader) (*Input, error) {
	var in Input
	return &in, decode(r, &in)
}

// ParseTerms reads contract terms' JSON.
func ParseTerms(r io.Reader) (*nodestore.Terms, string, error) {
	var t struct {
		nodestore.Terms
		Route string `json:"route,omitempty"`
	}
	err := decode(r, &t)
	return &t.Terms, t.Route, err
}

// required checks a required text of the register.
var required = formtext.Required

// Register is the node's register.
type Register struct{ N *node.Node }

// New returns n's register.
func New(n *node.Node) *Register { return &Register{N: n} }

// Assess records a party's assessment before selection: passed, it may be
// contracted; failed, it is rejected.
func (r *Register) Assess(ctx context.Context, in *Input, by string) (*nodestore.Party, error) {
	p := &nodestore.Party{ID: auth.NewID("tp_"), USCC: strings.TrimSpace(in.USCC), Kind: in.Kind, CrossBorder: in.CrossBorder, AssessmentOK: in.AssessmentOK, AssessedBy: by}
	var err error
	if p.Name, err = required("name", in.Name, 200, "须写明第三方名称", "name the party"); err != nil {
		return nil, err
	}
	if p.Kind != Recipient && p.Kind != Processor {
		return nil, errs.Invalidf("kind", "类型须为 recipient（第三方）或 processor（受托处理者）", "kind is recipient or processor")
	}
	if p.Purpose, err = required("purpose", in.Purpose, 2000, "须写明提供或委托的目的", "state the purpose"); err != nil {
		return nil, err
	}
	if p.Method, err = required("method", in.Method, 200, "须写明提供或处理的方式", "state the method"); err != nil {
		return nil, err
	}
	if p.Region, err = required("region", in.Region, 100, "须写明其处理数据的地点", "state where it processes the data"); err != nil {
		return nil, err
	}
	if p.Assessment, err = required("assessment", in.Assessment, 4000, "须写明选定前的评估（其安全能力、资质与合规情况）", "state the assessment before selection (its security, qualifications, compliance)"); err != nil {
		return nil, err
	}
	for i, f := range in.Fields {
		if f = strings.TrimSpace(f); f == "" || utf8.RuneCountInString(f) > 100 {
			return nil, errs.Invalidf(fmt.Sprintf("fields[%d]", i), "字段名不能为空，最长 100 字", "a field's name is required, at most 100 characters")
		}
		if !slices.Contains(p.Fields, f) {
			p.Fields = append(p.Fields, f)
		}
	}
	if len(p.Fields) == 0 {
		return nil, errs.Invalidf("fields", "须列出提供或委托处理的个人信息字段", "list the personal information fields it receives")
	}
	p.Status = Assessed
	if !p.AssessmentOK {
		p.Status = Rejected
	}
	err = r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		p.Assessed = tx.Now()
		if err := tx.InsertParty(ctx, p); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventPartyAssessed, fmt.Sprintf("%s %s kind=%s status=%s by %s", p.ID, p.Name, p.Kind, p.Status, by))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Contract records the contract with an assessed party: every term is
// stated, and a cross-border party names its outbound-transfer route.
func (r *Register) Contract(ctx context.Context, id string, t *nodestore.Terms, route, by string) error {
	for _, f := range []struct{ field, v, zh, en string }{
		{"purpose", t.Purpose, "目的", "purpose"}, {"scope", t.Scope, "范围", "scope"}, {"ownership", t.Ownership, "数据权属", "ownership"},
		{"security", t.Security, "安全责任", "security"}, {"confidentiality", t.Confidentiality, "保密义务", "confidentiality"},
		{"liability", t.Liability, "违约责任", "liability"}, {"disposal", t.Disposal, "合同终止时数据的返还或删除", "disposal of the data at the end"},
	} {
		if _, err := required(f.field, f.v, 4000, "合同须约定"+f.zh, "the contract states its "+f.en); err != nil {
			return err
		}
	}
	return r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		p, err := tx.PartyByID(ctx, id)
		if err != nil {
			return err
		}
		if p.CrossBorder && !slices.Contains(Routes, route) {
			return errs.Invalidf("route", "境外处理须写明出境途径："+strings.Join(Routes, ", "), "processing abroad names its outbound route: "+strings.Join(Routes, ", "))
		}
		if !p.CrossBorder {
			route = ""
		}
		ok, err := tx.ContractParty(ctx, id, *t, route, by)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.FailedPrecondition, "--id", "只有评估通过、尚未签约的第三方可以签约（当前："+p.Status+"）", "only a party assessed and not yet contracted can be contracted (now: "+p.Status+")")
		}
		return tx.Record(ctx, nodestore.EventPartyContracted, fmt.Sprintf("%s route=%s by %s", id, route, by))
	})
}

// Audit records an audit of a contracted party. A failed audit is a
// violation: the party's contract should be terminated, which the console
// shows.
func (r *Register) Audit(ctx context.Context, id, finding string, passed bool, by string) error {
	finding, err := required("--finding", finding, 4000, "须写明审计发现", "state the audit's finding")
	if err != nil {
		return err
	}
	return r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		p, err := tx.PartyByID(ctx, id)
		if err != nil {
			return err
		}
		if p.Status != Contracted {
			return errs.New(errs.FailedPrecondition, "--id", "只审计合同在履行中的第三方", "only a party under contract is audited")
		}
		if err := tx.InsertAudit(ctx, &nodestore.Audit{ID: auth.NewID("tpa_"), PartyID: id, At: tx.Now(), Auditor: by, Finding: finding, Passed: passed}); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventPartyAudited, fmt.Sprintf("%s passed=%v by %s", id, passed, by))
	})
}

// Terminate ends a contract, recording why, and how the data was disposed
// of (returned or deleted, with its evidence).
func (r *Register) Terminate(ctx context.Context, id, reason, disposal, by string) error {
	reason, err := required("--reason", reason, 2000, "须写明终止原因", "state why the contract ends")
	if err != nil {
		return err
	}
	if disposal, err = required("--disposal", disposal, 2000, "须写明数据的返还或删除情况及其凭证", "state how the data was returned or deleted, with its evidence"); err != nil {
		return err
	}
	return r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		ok, err := tx.TerminateParty(ctx, id, reason, disposal)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := tx.PartyByID(ctx, id); err != nil {
				return err
			}
			return errs.New(errs.FailedPrecondition, "--id", "只有合同在履行中的第三方可以终止", "only a party under contract can be terminated")
		}
		return tx.Record(ctx, nodestore.EventPartyTerminated, fmt.Sprintf("%s by %s", id, by))
	})
}

// Entry is a party with its audits.
type Entry struct {
	*nodestore.Party
	Audits []*nodestore.Audit
	// Violation: the latest audit failed while the contract runs.
	Violation bool
}

// List lists the register.
func (r *Register) List(ctx context.Context) ([]*Entry, error) {
	var out []*Entry
	err := r.N.DB.Read(ctx, func(tx *nodestore.Tx) error {
		ps, err := tx.Parties(ctx)
		if err != nil {
			return err
		}
		out = nil
		for _, p := range ps {
			e := &Entry{Party: p}
			if e.Audits, err = tx.Audits(ctx, p.ID); err != nil {
				return err
			}
			e.Violation = p.Status == Contracted && len(e.Audits) > 0 && !e.Audits[0].Passed
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// SharingRow is a line of the third-party sharing list.
type SharingRow struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Purpose     string   `json:"purpose"`
	Fields      []string `json:"fields"`
	Method      string   `json:"method"`
	Region      string   `json:"region"`
	CrossBorder bool     `json:"cross_border"`
	Route       string   `json:"route,omitempty"`
}

// SharingList is the third-party sharing list: every party under
// contract.
func (r *Register) SharingList(ctx context.Context) ([]SharingRow, error) {
	es, err := r.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []SharingRow
	for _, e := range es {
		if e.Status == Contracted {
			out = append(out, SharingRow{Name: e.Name, Kind: e.Kind, Purpose: e.Purpose, Fields: e.Fields, Method: e.Method, Region: e.Region, CrossBorder: e.CrossBorder, Route: e.Route})
		}
	}
	return out, nil
}

// CollectionRow is a line of the personal-information collection list.
type CollectionRow struct {
	Field    string   `json:"field"`
	Required bool     `json:"required"`
	Purpose  string   `json:"purpose"`
	Scenario string   `json:"scenario,omitempty"`
	Methods  []string `json:"methods"`
	Plan     string   `json:"plan"`
}

// CollectionList is the personal-information collection list: every field
// of every approved collection plan, with its purpose, scenario and
// methods.
func (r *Register) CollectionList(ctx context.Context) ([]CollectionRow, error) {
	plans, err := collection.New(r.N).List(ctx)
	if err != nil {
		return nil, err
	}
	var out []CollectionRow
	for _, p := range plans {
		if p.Status != collection.Approved {
			continue
		}
		for _, f := range p.Fields {
			out = append(out, CollectionRow{Field: f.Name, Required: f.Required, Purpose: p.Purpose, Scenario: p.Scenario, Methods: p.Methods, Plan: p.Name})
		}
	}
	return out, nil
}
