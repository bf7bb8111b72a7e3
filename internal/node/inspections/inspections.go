// Package inspections is the member's oversight of its own data
// governance (C-14): a quarterly run of a checklist and special
// inspections after an incident or a complaint. The checklist's items are
// evaluated from the node's own records — no item is ticked by hand — and
// each failed item becomes a finding, tracked until its remedy is
// recorded.
package inspections

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/node"
	"hulian/internal/node/collection"
	"hulian/internal/node/consent"
	"hulian/internal/node/datause"
	"hulian/internal/node/grading"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/privacy"
	"hulian/internal/node/response"
	"hulian/internal/node/staff"
	"hulian/internal/node/thirdparty"
)

// Kinds of inspection.
const (
	Quarterly = "quarterly"
	Special   = "special"
)

// RemedyDays is how long a finding has to be remedied.
const RemedyDays = 30

// Item is a checklist item: what it checks, under which clause.
type Item struct {
	Code   string
	Clause string
	Name   i18n.Text
	check  func(ctx context.Context, s *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error)
}

// Checklist is the checklist, in order.
var Checklist = []Item{
	{"roles", "C-2, C-12", i18n.T("数据管理委员会与安全管理员均有在岗账户", "the data management committee and security staff have active accounts"), checkRoles},
	{"plans", "C-2", i18n.T("过期的采集计划已停止", "expired collection plans are retired"), checkPlans},
	{"grants", "C-9", i18n.T("过期的数据使用授权已清理", "expired data-use grants are cleared"), checkGrants},
	{"alerts", "C-12", i18n.T("异常读取告警均已处理", "every alert of an abnormal read is handled"), checkAlerts},
	{"thirdparties", "C-10", i18n.T("履约中的第三方一年内审计过且最近一次通过", "every party under contract was audited within a year and passed its latest audit"), checkParties},
	{"requests", "S-6, O-4", i18n.T("个人的请求没有逾期未答复", "no person's request is overdue"), checkRequests},
	{"retention", "X-P12", i18n.T("收到的配送数据到期均已销毁", "delivered data is destroyed when its retention ends"), checkRetention},
	{"rectifications", "X-P4", i18n.T("更正与删除通知均已发出", "every correction and deletion notice is sent"), checkRectifications},
	{"grading", "C-7, O-5, S-7", i18n.T("敏感字段均已加密存储", "every sensitive field is encrypted at rest"), checkGrading},
	{"backup", "O-5, S-7", i18n.T("数据库在 7 天内备份过", "the database was backed up within 7 days"), checkBackup},
	{"response", "C-13", i18n.T("应急预案在用，并按其间隔演练", "a response plan is in force and drilled as often as it says"), checkResponse},
	{"sharing", "S-5, P-7", i18n.T("向第三方提供的，接收方均在隐私告知中写明并征得同意", "every third party receiving personal information is named in the notice that asks consent for it"), checkSharing},
	// The ledger's check (no function) runs before the others' transaction:
	// it reads the whole chain in transactions of its own.
	{"ledger", "X-P1", i18n.T("同意台账的哈希链完整", "the consent ledger's hash chain is intact"), nil},
}

// Inspections runs and lists inspections.
type Inspections struct {
	N *node.Node
}

// New returns n's inspections.
func New(n *node.Node) *Inspections { return &Inspections{N: n} }

// Quarter names the quarter of day: 2026-Q4.
func Quarter(day calendar.Date) string { return fmt.Sprintf("%d-Q%d", day.Year, (int(day.Month)+2)/3) }

// Run runs the checklist: a quarterly inspection, or a special one after
// the incident or complaint trigger names. Each failed item is a finding,
// due in RemedyDays.
func (s *Inspections) Run(ctx context.Context, kind, trigger, by string) (*nodestore.Inspection, []*nodestore.Finding, error) {
	trigger = strings.TrimSpace(trigger)
	switch {
	case kind != Quarterly && kind != Special:
		return nil, nil, errs.Invalidf("kind", "检查类型须为 quarterly（季度）或 special（专项）", "an inspection is quarterly or special")
	case kind == Special && (trigger == "" || utf8.RuneCountInString(trigger) > 500):
		return nil, nil, errs.Invalidf("--trigger", "专项检查须写明所针对的事件或投诉（最长 500 字）", "a special inspection names the incident or complaint it follows (at most 500 characters)")
	}
	day := calendar.DateOf(s.N.Now())
	in := &nodestore.Inspection{ID: auth.NewID("insp_"), Kind: kind, Trigger: trigger, RunBy: by}
	if kind == Quarterly {
		in.Quarter = Quarter(day)
	}
	var fs []*nodestore.Finding
	ledgerOK, ledgerMsg := true, i18n.T("哈希链验证通过", "the chain verifies")
	if k, err := consent.New(s.N).Verify(ctx); err != nil {
		if errs.KindOf(err) == errs.Unavailable || errs.KindOf(err) == errs.Internal {
			return nil, nil, err
		}
		ledgerOK, ledgerMsg = false, i18n.T("验证失败："+errs.Message(err, i18n.ZH), "it does not verify: "+errs.Message(err, i18n.EN))
	} else {
		ledgerMsg = i18n.T(fmt.Sprintf("%d 条记录，哈希链验证通过", k), fmt.Sprintf("%d events; the chain verifies", k))
	}
	err := s.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		in.Items, fs = nil, nil
		in.Run = tx.Now()
		for _, it := range Checklist {
			ok, ev := ledgerOK, ledgerMsg
			if it.check != nil {
				var err error
				if ok, ev, err = it.check(ctx, s, tx, day); err != nil {
					return err
				}
			}
			in.Items = append(in.Items, nodestore.InspectionItem{Code: it.Code, Clause: it.Clause, Passed: ok, EvidenceZH: ev.ZH, EvidenceEN: ev.EN})
			if !ok {
				fs = append(fs, &nodestore.Finding{ID: auth.NewID("fnd_"), InspectionID: in.ID, Item: it.Code, Evidence: ev.ZH + " / " + ev.EN, DueOn: day.AddDays(RemedyDays).String()})
			}
		}
		if err := tx.InsertInspection(ctx, in, fs); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventInspectionRun, fmt.Sprintf("%s %s %s%s findings=%d by %s", in.ID, kind, in.Quarter, trigger, len(fs), by))
	})
	if err != nil {
		return nil, nil, err
	}
	return in, fs, nil
}

// Remedy records what was done about a finding.
func (s *Inspections) Remedy(ctx context.Context, id, remedy, by string) error {
	remedy = strings.TrimSpace(remedy)
	if remedy == "" || utf8.RuneCountInString(remedy) > 2000 {
		return errs.Invalidf("--note", "须写明整改情况（最长 2000 字）", "state what was done (at most 2000 characters)")
	}
	return s.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.RemedyFinding(ctx, strings.TrimSpace(id), remedy, by); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventFindingRemedy, id+" by "+by)
	})
}

// State is the inspections' state: the runs, the findings, and whether
// this quarter's inspection is still to do.
type State struct {
	Runs       []*nodestore.Inspection
	Findings   []*nodestore.Finding
	Quarter    string
	QuarterDue bool
}

// Status reads the state.
func (s *Inspections) Status(ctx context.Context) (*State, error) {
	st := &State{Quarter: Quarter(calendar.DateOf(s.N.Now())), QuarterDue: true}
	err := s.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) {
		if st.Runs, err = tx.Inspections(ctx, 100); err != nil {
			return err
		}
		st.Findings, err = tx.Findings(ctx)
		return err
	})
	for _, r := range st.Runs {
		if r.Kind == Quarterly && r.Quarter == st.Quarter {
			st.QuarterDue = false
		}
	}
	return st, err
}

func count(n int, zh, en string) i18n.Text {
	return i18n.T(fmt.Sprintf(zh, n), fmt.Sprintf(en, n))
}

func checkRoles(ctx context.Context, _ *Inspections, tx *nodestore.Tx, _ calendar.Date) (bool, i18n.Text, error) {
	as, err := tx.Accounts(ctx)
	if err != nil {
		return false, i18n.Text{}, err
	}
	committee, security := 0, 0
	for _, a := range as {
		if a.Disabled != nil {
			continue
		}
		if a.Has(staff.RoleCommittee) {
			committee++
		}
		if a.Has(staff.RoleSecurity) {
			security++
		}
	}
	return committee > 0 && security > 0, i18n.T(fmt.Sprintf("数据管理委员会 %d 人，安全管理员 %d 人", committee, security), fmt.Sprintf("%d on the committee, %d security staff", committee, security)), nil
}

func checkPlans(ctx context.Context, _ *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error) {
	ps, err := tx.Plans(ctx)
	if err != nil {
		return false, i18n.Text{}, err
	}
	var names []string
	for _, p := range ps {
		if p.Status == collection.Approved && p.ValidUntil < day.String() {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return true, count(len(ps), "共 %d 个计划，无过期仍在批准状态的", "%d plans, none expired and still approved"), nil
	}
	return false, i18n.T("已过期仍在批准状态："+strings.Join(names, "、"), "expired and still approved: "+strings.Join(names, ", ")), nil
}

func checkGrants(ctx context.Context, _ *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error) {
	us, err := tx.Uses(ctx, "")
	if err != nil {
		return false, i18n.Text{}, err
	}
	var ids []string
	for _, u := range us {
		if u.Status == datause.Approved && u.ValidUntil < day.String() {
			ids = append(ids, u.ID+"（"+u.Login+"）")
		}
	}
	if len(ids) == 0 {
		return true, count(len(us), "共 %d 份申请，无过期的有效授权", "%d applications, no expired grant left approved"), nil
	}
	return false, i18n.T("过期授权未撤销："+strings.Join(ids, "、"), "expired grants not revoked: "+strings.Join(ids, ", ")), nil
}

func checkAlerts(ctx context.Context, _ *Inspections, tx *nodestore.Tx, _ calendar.Date) (bool, i18n.Text, error) {
	as, err := tx.Alerts(ctx, 1000)
	if err != nil {
		return false, i18n.Text{}, err
	}
	open := 0
	for _, a := range as {
		if a.Cleared == nil {
			open++
		}
	}
	return open == 0, count(open, "未处理的告警 %d 条", "%d alerts open"), nil
}

func checkParties(ctx context.Context, _ *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error) {
	ps, err := tx.Parties(ctx)
	if err != nil {
		return false, i18n.Text{}, err
	}
	yearAgo := day.Start().AddDate(-1, 0, 0)
	var bad []string
	for _, p := range ps {
		if p.Status != thirdparty.Contracted {
			continue
		}
		as, err := tx.Audits(ctx, p.ID)
		if err != nil {
			return false, i18n.Text{}, err
		}
		if len(as) == 0 || as[0].At.Before(yearAgo) || !as[0].Passed {
			bad = append(bad, p.Name)
		}
	}
	if len(bad) == 0 {
		return true, i18n.T("履约中的第三方均符合", "every party under contract is in order"), nil
	}
	return false, i18n.T("一年内未审计或最近一次未通过："+strings.Join(bad, "、"), "not audited within a year, or failed the latest audit: "+strings.Join(bad, ", ")), nil
}

func checkRequests(ctx context.Context, _ *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error) {
	rs, err := tx.SubjectRequests(ctx, nil, 10_000)
	if err != nil {
		return false, i18n.Text{}, err
	}
	late := 0
	for _, r := range rs {
		if privacy.Overdue(r, day) {
			late++
		}
	}
	return late == 0, count(late, "逾期未答复的请求 %d 件", "%d requests overdue"), nil
}

func checkRetention(ctx context.Context, _ *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error) {
	ds, err := tx.Deliveries(ctx, nodestore.DeliveryFilter{Live: true, DueBefore: day.String()})
	if err != nil {
		return false, i18n.Text{}, err
	}
	return len(ds) == 0, count(len(ds), "留存期满未销毁的配送 %d 次", "%d deliveries past their retention not destroyed"), nil
}

func checkRectifications(ctx context.Context, _ *Inspections, tx *nodestore.Tx, _ calendar.Date) (bool, i18n.Text, error) {
	rs, err := tx.RectificationsOut(ctx, "", true)
	if err != nil {
		return false, i18n.Text{}, err
	}
	return len(rs) == 0, count(len(rs), "未发出的通知 %d 份", "%d notices not sent"), nil
}

func checkGrading(ctx context.Context, _ *Inspections, tx *nodestore.Tx, _ calendar.Date) (bool, i18n.Text, error) {
	fs, err := grading.Fields(ctx, tx)
	if err != nil {
		return false, i18n.Text{}, err
	}
	var clear []string
	sensitive, unconfirmed := 0, 0
	for _, f := range fs {
		if f.Sensitive {
			sensitive++
			if f.Current && !f.Encrypted {
				clear = append(clear, f.Dataset+"."+f.Column)
			}
		}
		if f.ConfirmedBy == "" {
			unconfirmed++
		}
	}
	if len(clear) > 0 {
		return false, i18n.T("敏感字段未加密："+strings.Join(clear, "、"), "sensitive fields not encrypted: "+strings.Join(clear, ", ")), nil
	}
	return true, i18n.T(fmt.Sprintf("共 %d 个字段，%d 个敏感字段均已加密，%d 个尚待人工确认分级", len(fs), sensitive, unconfirmed),
		fmt.Sprintf("%d fields, the %d sensitive ones encrypted; %d grades still to confirm", len(fs), sensitive, unconfirmed)), nil
}

// BackupDays is how recent the node's last backup must be.
const BackupDays = 7

func checkBackup(ctx context.Context, s *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error) {
	if s.N.DB.Engine() != "sqlite" {
		// The database's own backups are outside the node's sight: say
		// so rather than pass or fail on nothing.
		return true, i18n.T("PostgreSQL：由数据库自身的备份手段负责，请另行核对其记录", "PostgreSQL: backed up by the database's own means; check their records apart"), nil
	}
	e, err := tx.LastEvent(ctx, nodestore.EventBackupMade)
	if err != nil {
		return false, i18n.Text{}, err
	}
	if e == nil {
		return false, i18n.T("从未备份（hulian node backup）", "never backed up (hulian node backup)"), nil
	}
	last := calendar.DateOf(e.At)
	if last.DaysUntil(day) > BackupDays {
		return false, i18n.T("最近一次备份在 "+last.String(), "the last backup was on "+last.String()), nil
	}
	return true, i18n.T("最近一次备份在 "+last.String(), "the last backup was on "+last.String()), nil
}

func checkSharing(ctx context.Context, _ *Inspections, tx *nodestore.Tx, _ calendar.Date) (bool, i18n.Text, error) {
	ps, err := tx.Parties(ctx)
	if err != nil {
		return false, i18n.Text{}, err
	}
	n, err := consent.InForce(ctx, tx)
	if err != nil {
		return false, i18n.Text{}, err
	}
	// PIPL Art. 23: a person is told the recipient's name and consents
	// separately; a recipient named only by its kind is not enough.
	named := map[string]bool{}
	if n != nil {
		for _, p := range n.Purposes {
			if p.ThirdParty {
				for _, r := range p.Recipients {
					named[strings.TrimSpace(r)] = true
				}
			}
		}
	}
	var bad []string
	recipients := 0
	for _, p := range ps {
		if p.Status != thirdparty.Contracted || p.Kind != thirdparty.Recipient {
			continue
		}
		recipients++
		if !named[p.Name] {
			bad = append(bad, p.Name)
		}
	}
	if len(bad) > 0 {
		return false, i18n.T("隐私告知未写明、未就其征得同意的接收方："+strings.Join(bad, "、"), "recipients the notice neither names nor asks consent for: "+strings.Join(bad, ", ")), nil
	}
	return true, count(recipients, "履约中的接收方 %d 个，均在隐私告知中写明", "%d recipients under contract, each named in the notice"), nil
}

func checkResponse(ctx context.Context, _ *Inspections, tx *nodestore.Tx, day calendar.Date) (bool, i18n.Text, error) {
	return response.DrillDue(ctx, tx, day)
}
