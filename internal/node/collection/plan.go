// Package collection is the member's governance of the consumer data it
// collects, on its node (《消费数据采集管理办法》): a collection plan with its
// needs assessment, checked field by field against the minimal-necessary
// catalogue and approved by the data management committee before anything
// is collected under it (C-2, O-2, S-4); and the record of every batch
// collected, validated, cleaned and de-duplicated at collection, with a
// quality report (C-5, C-6, C-8). A batch outside an approved plan is
// refused. The batch's personal data is not kept by this package: the
// cleaned output goes where the member says, and the record keeps its
// digest.
package collection

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/compliance/necessity"
	"hulian/internal/errs"
	"hulian/internal/formtext"
	"hulian/internal/i18n"
	"hulian/internal/jsonstrict"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/staff"
	"hulian/internal/protocol/ident"
)

// Plan statuses.
const (
	Submitted = "submitted"
	Approved  = "approved"
	Rejected  = "rejected"
	Retired   = "retired"
)

// Methods are the collection methods of C-4 and O-1.
// Offline, the offline convention names Wi-Fi probes (MAC addresses),
// video devices and mobile devices (O-1).
var Methods = []string{"online_form", "system_log", "offline_questionnaire", "sensor", "wifi_probe", "video_device", "mobile_device"}

// MethodNames name the methods for people.
var MethodNames = map[string]i18n.Text{
	"online_form":           i18n.T("线上表单", "online form"),
	"system_log":            i18n.T("系统日志", "system logs"),
	"offline_questionnaire": i18n.T("线下问卷", "offline questionnaire"),
	"sensor":                i18n.T("传感器", "sensors"),
	"wifi_probe":            i18n.T("Wi-Fi 探针", "Wi-Fi probes"),
	"video_device":          i18n.T("视频设备", "video devices"),
	"mobile_device":         i18n.T("移动设备", "mobile devices"),
}

// Frequencies a plan collects at.
var Frequencies = []string{"once", "continuous", "daily", "weekly", "monthly", "quarterly"}

// FrequencyNames name the frequencies for people.
var FrequencyNames = map[string]i18n.Text{
	"once":       i18n.T("一次性", "once"),
	"continuous": i18n.T("持续", "continuously"),
	"daily":      i18n.T("每天", "daily"),
	"weekly":     i18n.T("每周", "weekly"),
	"monthly":    i18n.T("每月", "monthly"),
	"quarterly":  i18n.T("每季度", "quarterly"),
}

// Severities of findings: a blocking finding stops approval.
const (
	Block = "block"
	Warn  = "warn"
)

// maxFields bounds a plan's fields.
const maxFields = 200

// PlanInput is a plan as proposed: the needs assessment (purpose, how the
// data serves it, why it is necessary) and the plan itself. It is also the
// JSON of `hulian node collection plan propose --file`.
type PlanInput struct {
	Name      string                `json:"name"`
	Purpose   string                `json:"purpose"`
	Serves    string                `json:"serves"`
	Necessity string                `json:"necessity"`
	Scenario  string                `json:"scenario,omitempty"`
	Sources   []string              `json:"sources"`
	Methods   []string              `json:"methods"`
	Frequency string                `json:"frequency"`
	Formats   []string              `json:"formats"`
	Fields    []nodestore.PlanField `json:"fields"`
	From      string                `json:"valid_from"`
	Until     string                `json:"valid_until"`
}

// ParsePlan reads a plan's JSON; an unknown key or a malformed value is
// named.
func ParsePlan(r io.Reader) (*PlanInput, error) {
	var p PlanInput
	if err := jsonstrict.Read(r, "--file", 1<<20, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// text checks a required text of a plan.
var text = formtext.Required

func list(field string, values []string, max int, zh, en string) ([]string, error) {
	var out []string
	for i, v := range values {
		v = strings.TrimSpace(v)
		if v == "" || utf8.RuneCountInString(v) > max {
			return nil, errs.Invalidf(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%s：每项不能为空，最长 %d 字", zh, max), fmt.Sprintf("%s: each is required, at most %d characters", en, max))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 || len(out) > 50 {
		return nil, errs.Invalidf(field, zh+"：须列出 1 至 50 项", en+": list 1 to 50")
	}
	return out, nil
}

// check validates the input and returns the plan it makes.
func (in *PlanInput) check(cat *necessity.Catalogue) (*nodestore.Plan, error) {
	p := &nodestore.Plan{}
	var err error
	if p.Name, err = text("name", in.Name, 100, "须为计划命名", "name the plan"); err != nil {
		return nil, err
	}
	if p.Purpose, err = text("purpose", in.Purpose, 2000, "须写明采集目的", "state the purpose of the collection"); err != nil {
		return nil, err
	}
	if p.Serves, err = text("serves", in.Serves, 2000, "须说明数据如何支撑这一目的", "say how the data serves the purpose"); err != nil {
		return nil, err
	}
	if p.Necessity, err = text("necessity", in.Necessity, 2000, "须说明为何必要", "say why it is necessary"); err != nil {
		return nil, err
	}
	if p.Sources, err = list("sources", in.Sources, 200, "须列出数据来源", "list the sources"); err != nil {
		return nil, err
	}
	if p.Methods, err = list("methods", in.Methods, 50, "须列出采集方式", "list the methods"); err != nil {
		return nil, err
	}
	for i, m := range p.Methods {
		if !slices.Contains(Methods, m) {
			return nil, errs.Invalidf(fmt.Sprintf("methods[%d]", i), "未知的采集方式 "+m+"；可用："+strings.Join(Methods, ", "), "unknown method "+m+"; the methods are "+strings.Join(Methods, ", "))
		}
	}
	if p.Frequency = strings.TrimSpace(in.Frequency); !slices.Contains(Frequencies, p.Frequency) {
		return nil, errs.Invalidf("frequency", "采集频率须为："+strings.Join(Frequencies, ", "), "the frequency is one of "+strings.Join(Frequencies, ", "))
	}
	if p.Formats, err = list("formats", in.Formats, 50, "须列出数据格式", "list the formats"); err != nil {
		return nil, err
	}
	if len(in.Fields) == 0 || len(in.Fields) > maxFields {
		return nil, errs.Invalidf("fields", fmt.Sprintf("须列出 1 至 %d 个采集字段", maxFields), fmt.Sprintf("list 1 to %d fields", maxFields))
	}
	for i, f := range in.Fields {
		f.Name = strings.TrimSpace(f.Name)
		field := fmt.Sprintf("fields[%d]", i)
		if f.Name == "" || utf8.RuneCountInString(f.Name) > 100 || strings.ContainsAny(f.Name, ",\"\r\n") {
			return nil, errs.Invalidf(field+".name", "字段名不能为空，最长 100 字，不含逗号、引号或换行", "a field's name is required, at most 100 characters, without commas, quotes or line breaks")
		}
		if slices.ContainsFunc(p.Fields, func(g nodestore.PlanField) bool { return g.Name == f.Name }) {
			return nil, errs.Invalidf(field+".name", "字段重复："+f.Name, "a field named twice: "+f.Name)
		}
		if f.IDType != "" {
			if _, err := ident.ParseType(f.IDType); err != nil {
				return nil, errs.Invalidf(field+".id_type", "未知的标识类型 "+f.IDType, "unknown identifier type "+f.IDType)
			}
		}
		p.Fields = append(p.Fields, f)
	}
	from, err := calendar.ParseDate(strings.TrimSpace(in.From))
	if err != nil {
		return nil, errs.Invalidf("valid_from", "生效日期须为 YYYY-MM-DD", "valid_from is YYYY-MM-DD")
	}
	until, err := calendar.ParseDate(strings.TrimSpace(in.Until))
	if err != nil {
		return nil, errs.Invalidf("valid_until", "截止日期须为 YYYY-MM-DD", "valid_until is YYYY-MM-DD")
	}
	if from.DaysUntil(until) < 0 {
		return nil, errs.Invalidf("valid_until", "截止日期不能早于生效日期", "valid_until cannot be before valid_from")
	}
	p.ValidFrom, p.ValidUntil = from.String(), until.String()
	if p.Scenario = strings.TrimSpace(in.Scenario); p.Scenario != "" {
		if cat.Type(p.Scenario) == nil {
			_, unknown := cat.Check(p.Scenario, nil, i18n.ZH)
			zh, en := "未知的 App 类型或场景 "+p.Scenario, "unknown app type or scenario "+p.Scenario
			if len(unknown) > 0 {
				zh, en = unknown[0].Message(i18n.ZH), unknown[0].Message(i18n.EN)
			}
			return nil, errs.Invalidf("scenario", zh, en)
		}
		p.Findings = findings(cat, p.Scenario, p.Fields)
	}
	return p, nil
}

// findings judges each field of a plan against the catalogue's necessary
// personal information for its app type or scenario: a field beyond it
// that the plan makes required is a refusal of service to whoever declines
// it (S-4) and blocks approval; one that is optional may be collected only
// with the person's consent, and is a warning; a field the catalogue does
// not know is left to the committee's judgement.
func findings(cat *necessity.Catalogue, scenario string, fields []nodestore.PlanField) []nodestore.PlanFinding {
	var out []nodestore.PlanFinding
	for _, f := range fields {
		zh, unknown := cat.Check(scenario, []string{f.Name}, i18n.ZH)
		en, _ := cat.Check(scenario, []string{f.Name}, i18n.EN)
		switch {
		case len(unknown) > 0:
			out = append(out, nodestore.PlanFinding{Field: f.Name, Severity: Warn,
				ZH: unknown[0].Message(i18n.ZH) + "：不在必要个人信息目录中，由数据管理委员会判断其必要性",
				EN: unknown[0].Message(i18n.EN) + ": not in the catalogue of necessary personal information; the committee judges its necessity"})
		case zh[0].Necessary:
		case f.Required:
			out = append(out, nodestore.PlanFinding{Field: f.Name, Severity: Block,
				ZH: zh[0].Reason + "；计划却将其设为必填，拒绝提供即不能使用基本服务（S-4）：改为选填或删去",
				EN: en[0].Reason + "; the plan makes it required, so whoever declines it is refused the basic service (S-4): make it optional or drop it"})
		default:
			out = append(out, nodestore.PlanFinding{Field: f.Name, Severity: Warn,
				ZH: zh[0].Reason + "；为选填：须另行取得个人同意，且不得因拒绝而拒绝服务",
				EN: en[0].Reason + "; it is optional: collect it only with the person's consent, and never refuse the service for declining it"})
		}
	}
	return out
}

// Plans governs collection plans on a node.
type Plans struct {
	N *node.Node
}

// New returns n's plans.
func New(n *node.Node) *Plans { return &Plans{N: n} }

// Propose records a plan as submitted to the committee, with its findings.
func (s *Plans) Propose(ctx context.Context, in *PlanInput, by string) (*nodestore.Plan, error) {
	cat, err := necessity.Default()
	if err != nil {
		return nil, err
	}
	p, err := in.check(cat)
	if err != nil {
		return nil, err
	}
	p.ID, p.Status, p.ProposedBy = auth.NewID("cpl_"), Submitted, by
	err = s.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		p.Proposed = tx.Now()
		if err := tx.InsertPlan(ctx, p); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventPlanProposed, fmt.Sprintf("%s %s fields=%d findings=%d by %s", p.ID, p.Name, len(p.Fields), len(p.Findings), by))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Blocking reports whether a plan has a finding that stops its approval.
func Blocking(p *nodestore.Plan) bool {
	return slices.ContainsFunc(p.Findings, func(f nodestore.PlanFinding) bool { return f.Severity == Block })
}

// Decide records the committee's decision: a member of the committee who
// did not propose the plan approves or rejects it; a rejection says why. A
// plan with a blocking finding cannot be approved.
func (s *Plans) Decide(ctx context.Context, id string, approve bool, note string, by *nodestore.Account) (*nodestore.Plan, error) {
	note, err := staff.Decide(by, approve, note, i18n.T("采集计划", "collection plans"))
	if err != nil {
		return nil, err
	}
	var p *nodestore.Plan
	err = s.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		var err error
		if p, err = tx.PlanByID(ctx, id); err != nil {
			return err
		}
		if staff.Own(by, p.ProposedBy) {
			return errs.New(errs.PermissionDenied, "role", "提出计划的人不能审批自己的计划", "whoever proposed a plan cannot decide on it")
		}
		status := Rejected
		if approve {
			if Blocking(p) {
				return errs.New(errs.FailedPrecondition, "fields", "计划有必填的非必要字段，不能批准：请驳回并修改", "the plan makes unnecessary fields required and cannot be approved: reject it to be revised")
			}
			status = Approved
		}
		ok, err := tx.DecidePlan(ctx, id, status, by.Login, note)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.FailedPrecondition, "status", "该计划已审批过", "the plan was decided already")
		}
		p, err = tx.PlanByID(ctx, id)
		if err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventPlanDecided, fmt.Sprintf("%s %s by %s", id, status, by.Login))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Retire ends an approved plan.
func (s *Plans) Retire(ctx context.Context, id, by string) error {
	return s.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		ok, err := tx.RetirePlan(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := tx.PlanByID(ctx, id); err != nil {
				return err
			}
			return errs.New(errs.FailedPrecondition, "--id", "只有已批准的计划可以停止", "only an approved plan can be retired")
		}
		return tx.Record(ctx, nodestore.EventPlanRetired, id+" by "+by)
	})
}

// List lists the plans, the latest first.
func (s *Plans) List(ctx context.Context) (out []*nodestore.Plan, err error) {
	err = s.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { out, err = tx.Plans(ctx); return err })
	return out, err
}

// Get reads one plan.
func (s *Plans) Get(ctx context.Context, id string) (p *nodestore.Plan, err error) {
	err = s.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { p, err = tx.PlanByID(ctx, id); return err })
	return p, err
}
