// Package response is the member's incident response on its node (C-13):
// a response plan in versions — who leads, whom to call, and how to
// contain, preserve evidence, assess, tell the people affected, report to
// the authorities, recover and review — drills that exercise it at least
// as often as it says, and the evidence of an incident preserved by its
// SHA-256 so that the copy handed to an authority can be shown unchanged.
// The incident itself, its grade, the authorities' deadline and the
// notices are reported to the exchange (docs/supervision.md).
package response

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/formtext"
	"hulian/internal/i18n"
	"hulian/internal/jsonstrict"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
)

// Steps are the steps a plan must describe and a drill exercises.
var Steps = []string{"containment", "evidence", "assessment", "notify_people", "report_authorities", "recovery", "review"}

// StepNames name the steps for people.
var StepNames = map[string]i18n.Text{
	"containment":        i18n.T("控制与止损", "containment"),
	"evidence":           i18n.T("证据保全", "evidence preservation"),
	"assessment":         i18n.T("评估定级", "assessment and grading"),
	"notify_people":      i18n.T("告知受影响的个人", "telling the people affected"),
	"report_authorities": i18n.T("向主管部门报告", "reporting to the authorities"),
	"recovery":           i18n.T("恢复", "recovery"),
	"review":             i18n.T("复盘与改进", "review"),
}

// MaxDrillMonths is the longest a plan may leave between drills.
const MaxDrillMonths = 12

// Contact is someone the response calls.
type Contact struct {
	Role  string `json:"role"`
	Name  string `json:"name"`
	Reach string `json:"reach"` // a phone number or an e-mail address
}

// Plan is a version of the response plan.
type Plan struct {
	Version     int               `json:"version"`
	Lead        string            `json:"lead"`
	Contacts    []Contact         `json:"contacts"`
	Steps       map[string]string `json:"steps"` // step → what is done, by whom, how fast
	DrillMonths int               `json:"drill_months"`
	Published   time.Time         `json:"-"`
	PublishedBy string            `json:"-"`
}

// Drill is a drill of the plan.
type Drill struct {
	ID           string   `json:"-"`
	PlanVersion  int      `json:"-"`
	HeldOn       string   `json:"held_on"`
	Scenario     string   `json:"scenario"`
	Participants []string `json:"participants"`
	Exercised    []string `json:"exercised"` // steps of the plan exercised
	Findings     string   `json:"findings"`
	FollowUps    string   `json:"follow_ups,omitempty"`
	RecordedBy   string   `json:"-"`
}

// ParsePlan reads a plan's JSON.
func ParsePlan(r io.Reader) (*Plan, error) {
	var p Plan
	if err := jsonstrict.Read(r, "--file", 1<<20, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ParseDrill reads a drill's JSON.
func ParseDrill(r io.Reader) (*Drill, error) {
	var d Drill
	if err := jsonstrict.Read(r, "--file", 1<<20, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Check validates a plan, naming the first bad field.
func (p *Plan) Check() error {
	var err error
	if p.Lead, err = formtext.Required("lead", p.Lead, 200, "须写明应急响应的负责人或负责岗位", "name who leads the response"); err != nil {
		return err
	}
	if len(p.Contacts) == 0 || len(p.Contacts) > 50 {
		return errs.Invalidf("contacts", "须列出 1 到 50 个联系人", "list 1 to 50 contacts")
	}
	for i, c := range p.Contacts {
		at := fmt.Sprintf("contacts[%d].", i)
		if p.Contacts[i].Role, err = formtext.Required(at+"role", c.Role, 100, "须写明职责", "state the role"); err != nil {
			return err
		}
		if p.Contacts[i].Name, err = formtext.Required(at+"name", c.Name, 100, "须写明姓名", "give the name"); err != nil {
			return err
		}
		if p.Contacts[i].Reach, err = formtext.Required(at+"reach", c.Reach, 200, "须写明电话或电子邮件", "give a phone number or an e-mail address"); err != nil {
			return err
		}
	}
	for k := range p.Steps {
		if !slices.Contains(Steps, k) {
			return errs.Invalidf("steps."+k, "未知的步骤；步骤为："+strings.Join(Steps, ", "), "unknown step; the steps are "+strings.Join(Steps, ", "))
		}
	}
	for _, s := range Steps {
		if p.Steps[s], err = formtext.Required("steps."+s, p.Steps[s], 4000, "须写明"+StepNames[s].ZH+"怎么做、由谁做、多快做", "say how "+StepNames[s].EN+" is done, by whom and how fast"); err != nil {
			return err
		}
	}
	if p.DrillMonths < 1 || p.DrillMonths > MaxDrillMonths {
		return errs.Invalidf("drill_months", fmt.Sprintf("演练间隔须为 1 到 %d 个月", MaxDrillMonths), fmt.Sprintf("drills are 1 to %d months apart", MaxDrillMonths))
	}
	return nil
}

// Response is the node's incident response.
type Response struct{ N *node.Node }

// New returns n's incident response.
func New(n *node.Node) *Response { return &Response{N: n} }

// Publish publishes p as the next version of the plan.
func (r *Response) Publish(ctx context.Context, p *Plan, by string) (*Plan, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	err := r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		cur, err := tx.ResponsePlan(ctx)
		if err != nil {
			return err
		}
		p.Version = 1
		if cur != nil {
			p.Version = cur.Version + 1
		}
		p.Published, p.PublishedBy = tx.Now(), by
		body, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if err := tx.InsertResponsePlan(ctx, &nodestore.ResponsePlanRow{Version: p.Version, Body: body, Published: p.Published, PublishedBy: by}); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventResponsePlan, fmt.Sprintf("version=%d drill_months=%d by %s", p.Version, p.DrillMonths, by))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// InForce returns the plan in force, nil if none is published.
func InForce(ctx context.Context, tx *nodestore.Tx) (*Plan, error) {
	row, err := tx.ResponsePlan(ctx)
	if err != nil || row == nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(row.Body, &p); err != nil {
		return nil, fmt.Errorf("response plan %d: %w", row.Version, err)
	}
	p.Version, p.Published, p.PublishedBy = row.Version, row.Published, row.PublishedBy
	return &p, nil
}

// Record records a drill of the plan in force, held on a day not in the
// future.
func (r *Response) Record(ctx context.Context, d *Drill, by string) (*Drill, error) {
	day, err := calendar.ParseDate(strings.TrimSpace(d.HeldOn))
	if err != nil {
		return nil, errs.Invalidf("held_on", "演练日期须为 YYYY-MM-DD", "held_on is YYYY-MM-DD")
	}
	if day.After(calendar.DateOf(r.N.Now())) {
		return nil, errs.Invalidf("held_on", "演练日期不能在将来", "a drill cannot be held in the future")
	}
	d.HeldOn = day.String()
	if d.Scenario, err = formtext.Required("scenario", d.Scenario, 2000, "须写明演练的情景", "describe the drill's scenario"); err != nil {
		return nil, err
	}
	if len(d.Participants) == 0 || len(d.Participants) > 200 {
		return nil, errs.Invalidf("participants", "须列出 1 到 200 名参加者", "list 1 to 200 participants")
	}
	for i := range d.Participants {
		if d.Participants[i], err = formtext.Required(fmt.Sprintf("participants[%d]", i), d.Participants[i], 100, "参加者姓名或岗位", "a participant's name or role"); err != nil {
			return nil, err
		}
	}
	if len(d.Exercised) == 0 {
		return nil, errs.Invalidf("exercised", "须列出演练的步骤："+strings.Join(Steps, ", "), "list the steps exercised: "+strings.Join(Steps, ", "))
	}
	for i, s := range d.Exercised {
		if !slices.Contains(Steps, s) {
			return nil, errs.Invalidf(fmt.Sprintf("exercised[%d]", i), "未知的步骤 "+s+"；步骤为："+strings.Join(Steps, ", "), "unknown step "+s+"; the steps are "+strings.Join(Steps, ", "))
		}
	}
	if d.Findings, err = formtext.Required("findings", d.Findings, 4000, "须写明演练发现的问题（没有也要写明）", "state what the drill found (say so if nothing)"); err != nil {
		return nil, err
	}
	if d.FollowUps, err = formtext.Optional("follow_ups", d.FollowUps, 4000); err != nil {
		return nil, err
	}
	d.ID, d.RecordedBy = auth.NewID("drl_"), by
	err = r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		p, err := InForce(ctx, tx)
		if err != nil {
			return err
		}
		if p == nil {
			return errs.New(errs.FailedPrecondition, "plan", "尚未发布应急预案：先发布预案，再演练它", "no response plan is published: publish one, then drill it")
		}
		d.PlanVersion = p.Version
		body, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := tx.InsertDrill(ctx, &nodestore.DrillRow{ID: d.ID, PlanVersion: p.Version, HeldOn: d.HeldOn, Body: body, RecordedBy: by, Recorded: tx.Now()}); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventDrillRecorded, fmt.Sprintf("%s plan=%d held_on=%s steps=%s by %s", d.ID, p.Version, d.HeldOn, strings.Join(d.Exercised, ","), by))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Drills lists the drills, the latest first.
func Drills(ctx context.Context, tx *nodestore.Tx, limit int) ([]*Drill, error) {
	rows, err := tx.Drills(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]*Drill, 0, len(rows))
	for _, r := range rows {
		var d Drill
		if err := json.Unmarshal(r.Body, &d); err != nil {
			return nil, fmt.Errorf("drill %s: %w", r.ID, err)
		}
		d.ID, d.PlanVersion, d.HeldOn, d.RecordedBy = r.ID, r.PlanVersion, r.HeldOn, r.RecordedBy
		out = append(out, &d)
	}
	return out, nil
}

// State is the plan in force and the drills, for pages and commands.
type State struct {
	Plan   *Plan
	Drills []*Drill
	// Due is the day by which the next drill is due ("" without a plan
	// or drill), and Overdue whether it has passed.
	Due     string
	Overdue bool
}

// Status reads the state.
func (r *Response) Status(ctx context.Context) (*State, error) {
	st := &State{}
	err := r.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		if st.Plan, err = InForce(ctx, tx); err != nil {
			return err
		}
		st.Drills, err = Drills(ctx, tx, 100)
		return err
	})
	if err != nil {
		return nil, err
	}
	st.Due, st.Overdue = due(st.Plan, st.Drills, calendar.DateOf(r.N.Now()))
	return st, nil
}

// due is when the next drill is due under p, given the drills held.
func due(p *Plan, ds []*Drill, today calendar.Date) (string, bool) {
	if p == nil || len(ds) == 0 {
		return "", p != nil
	}
	last, err := calendar.ParseDate(ds[0].HeldOn)
	if err != nil {
		return "", true
	}
	next := calendar.DateOf(last.Start().AddDate(0, p.DrillMonths, 0))
	return next.String(), next.Before(today)
}

// DrillDue reports, within tx, whether a plan is in force and drilled
// within its interval, with the evidence for an inspection.
func DrillDue(ctx context.Context, tx *nodestore.Tx, today calendar.Date) (bool, i18n.Text, error) {
	p, err := InForce(ctx, tx)
	if err != nil {
		return false, i18n.Text{}, err
	}
	if p == nil {
		return false, i18n.T("没有应急预案（hulian node incident plan publish）", "no response plan (hulian node incident plan publish)"), nil
	}
	ds, err := Drills(ctx, tx, 1)
	if err != nil {
		return false, i18n.Text{}, err
	}
	if len(ds) == 0 {
		return false, i18n.T(fmt.Sprintf("第 %d 版应急预案从未演练", p.Version), fmt.Sprintf("response plan version %d has never been drilled", p.Version)), nil
	}
	next, overdue := due(p, ds, today)
	if overdue {
		return false, i18n.T("最近一次演练在 "+ds[0].HeldOn+"，下次应不晚于 "+next, "the last drill was on "+ds[0].HeldOn+"; the next was due by "+next), nil
	}
	return true, i18n.T("最近一次演练在 "+ds[0].HeldOn+"，下次不晚于 "+next, "the last drill was on "+ds[0].HeldOn+"; the next is due by "+next), nil
}

// Preserve records the digest — SHA-256, or SM3 under the 国密 profile —
// and size of a piece of an incident's
// evidence, read from in, under its file name. Evidence is never replaced:
// a second piece of the same name is refused.
func (r *Response) Preserve(ctx context.Context, incident, name string, in io.Reader, by string) (*nodestore.Evidence, error) {
	incident, err := formtext.Required("--incident", incident, 100, "须写明事件编号（平台的 inc_… 或本成员的编号）", "give the incident's ID (the platform's inc_… or the member's own)")
	if err != nil {
		return nil, err
	}
	name = filepath.Base(strings.TrimSpace(name))
	if name == "" || name == "." || len(name) > 255 {
		return nil, errs.Invalidf("FILE", "证据文件名无效", "the evidence file's name is not valid")
	}
	alg := r.N.Digest()
	sum, n, err := digestOf(alg, name, in)
	if err != nil {
		return nil, err
	}
	e := &nodestore.Evidence{ID: auth.NewID("evd_"), Incident: incident, Name: name, Bytes: n, HashAlg: string(alg), Digest: sum, RecordedBy: by}
	err = r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		e.Recorded = tx.Now()
		if err := tx.InsertEvidence(ctx, e); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventEvidenceRecorded, fmt.Sprintf("%s incident=%s name=%s bytes=%d %s=%s by %s", e.ID, incident, name, n, e.HashAlg, e.Digest, by))
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Verify reports whether in is the piece of evidence preserved under name
// for incident, byte for byte.
func (r *Response) Verify(ctx context.Context, incident, name string, in io.Reader) (bool, *nodestore.Evidence, error) {
	var e *nodestore.Evidence
	err := r.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		e, err = tx.EvidenceByName(ctx, strings.TrimSpace(incident), filepath.Base(strings.TrimSpace(name)))
		return err
	})
	if err != nil {
		return false, nil, err
	}
	sum, n, err := digestOf(digest.Alg(e.HashAlg), name, in)
	if err != nil {
		return false, nil, err
	}
	return n == e.Bytes && sum == e.Digest, e, nil
}

// digestOf reads an evidence file and returns its digest under alg, hex,
// and its size.
func digestOf(alg digest.Alg, name string, in io.Reader) (string, int64, error) {
	h := alg.New()
	n, err := io.Copy(h, in)
	if err != nil {
		return "", 0, &errs.Error{Kind: errs.Invalid, Field: "FILE", Err: err, Reason: i18n.T("无法读取证据文件 "+name, "cannot read the evidence file "+name)}
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Evidence lists an incident's preserved evidence.
func (r *Response) Evidence(ctx context.Context, incident string) ([]*nodestore.Evidence, error) {
	var out []*nodestore.Evidence
	err := r.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		out, err = tx.EvidenceOf(ctx, strings.TrimSpace(incident))
		return err
	})
	return out, err
}
