// Package incidents is members' security incidents (X-P14: incidents that
// may affect the exchange are reported to the operator, serious ones to
// the authorities; X-P6: the affected people are notified and the harm
// remedied; C-13: handled with evidence preserved, reported to
// regulators, notified to consumers). A member reports what happened,
// when it was found, how many people it affects and its grade; for a
// grade the authorities must hear of, the report's deadline runs from the
// moment the incident was found and the console shows it running. The
// member then records its steps — the authority's report, the people's
// notification, the remediation — and closes the incident once they are
// done. Every step is a log entry, so the operator and the regulator read
// the incident's history from the log; the member's free texts enter the
// log as their SHA-256 commitments (the texts stay in the incident's row),
// so that nothing a member types lands in the immutable log. No personal
// information is asked for: people are counted, never named.
package incidents

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// Log entry kinds.
const (
	KindReported    = "incident.reported"
	KindAuthority   = "incident.authority_reported"
	KindNotified    = "incident.subjects_notified"
	KindRemedied    = "incident.remediated"
	KindCompensated = "incident.compensated"
	KindClosed      = "incident.closed"
)

// Kinds of incident.
var Kinds = map[string]i18n.Text{
	"leak":                i18n.T("数据泄露", "data leak"),
	"tampering":           i18n.T("数据篡改", "data tampered with"),
	"loss":                i18n.T("数据毁损或丢失", "data destroyed or lost"),
	"unauthorised_access": i18n.T("未经授权的访问", "unauthorised access"),
	"availability":        i18n.T("服务中断", "service outage"),
	"other":               i18n.T("其他", "other"),
}

// KindOrder is the order forms list the kinds in.
var KindOrder = []string{"leak", "tampering", "loss", "unauthorised_access", "availability", "other"}

// Grades of incident, from the least to the most severe: the four grades
// of China's classification of cybersecurity incidents (一般、较大、重大、
// 特别重大).
var Grades = map[string]i18n.Text{
	"general":     i18n.T("一般", "general"),
	"significant": i18n.T("较大", "significant"),
	"major":       i18n.T("重大", "major"),
	"critical":    i18n.T("特别重大", "critical"),
}

// GradeOrder lists the grades from the least severe.
var GradeOrder = []string{"general", "significant", "major", "critical"}

func gradeRank(g string) int {
	for i, x := range GradeOrder {
		if x == g {
			return i
		}
	}
	return -1
}

// MinimumGrade is the least grade an incident affecting n people can
// have: the thresholds for personal information of the CAC's
// 《网络安全事件分级指南》 (2025), annexed to its 《网络安全事件报告管理办法》 —
// one million people is significant (较大), ten million major (重大), one
// hundred million critical (特别重大).
func MinimumGrade(n int64) string {
	switch {
	case n >= 100_000_000:
		return "critical"
	case n >= 10_000_000:
		return "major"
	case n >= 1_000_000:
		return "significant"
	}
	return "general"
}

// DefaultReportWithin is how long after an incident of grade significant
// or above is found the authorities must have its report: four hours,
// after 《网络安全事件报告管理办法》 (CAC, 2025). An operator of critical
// information infrastructure has one hour and configures it.
const DefaultReportWithin = 4 * time.Hour

// Incidents takes members' incident reports.
type Incidents struct {
	P *platform.Platform
	// ReportWithin is the authority report's deadline after an incident
	// is found (DefaultReportWithin when zero).
	ReportWithin time.Duration
}

// New returns the incidents of p.
func New(p *platform.Platform) *Incidents { return &Incidents{P: p} }

func (s *Incidents) within() time.Duration {
	if s.ReportWithin > 0 {
		return s.ReportWithin
	}
	return DefaultReportWithin
}

// NeedsAuthority reports whether an incident of grade g must be reported
// to the authorities.
func NeedsAuthority(g string) bool { return gradeRank(g) >= gradeRank("significant") }

// Report is an incident as a member reports it.
type Report struct {
	Kind            string
	Title           string
	Description     string
	Grade           string
	Affected        int64
	AffectsExchange bool
	Orders          []string
	Found           time.Time
}

func text(field, s string, max int, zh, en string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > max {
		return "", errs.Invalidf(field, fmt.Sprintf("%s（1 至 %d 字）", zh, max), fmt.Sprintf("%s (1 to %d characters)", en, max))
	}
	return s, nil
}

func (r *Report) check(now time.Time) error {
	var err error
	if _, ok := Kinds[r.Kind]; !ok {
		return errs.Invalidf("kind", "事件类型须为 "+strings.Join(KindOrder, "、")+" 之一", "the kind must be one of "+strings.Join(KindOrder, ", "))
	}
	if r.Title, err = text("title", r.Title, 200, "须写明事件标题", "give the incident a title"); err != nil {
		return err
	}
	if r.Description, err = text("description", r.Description, 4000, "须描述发生了什么、涉及哪些数据、已采取哪些措施", "describe what happened, which data it concerns and what was done"); err != nil {
		return err
	}
	if _, ok := Grades[r.Grade]; !ok {
		return errs.Invalidf("grade", "事件级别须为 general（一般）、significant（较大）、major（重大）或 critical（特别重大）", "the grade must be general, significant, major or critical")
	}
	if r.Affected < 0 || r.Affected > 2_000_000_000 {
		return errs.Invalidf("affected", "受影响人数须为 0 至 20 亿之间的整数", "the people affected must be a whole number from 0 to 2 billion")
	}
	if min := MinimumGrade(r.Affected); gradeRank(r.Grade) < gradeRank(min) {
		return errs.Invalidf("grade", fmt.Sprintf("涉及 %d 人的事件至少为“%s”级（《网络安全事件分级指南》）", r.Affected, Grades[min].ZH),
			fmt.Sprintf("an incident affecting %d people is at least %q (the CAC's grading guide)", r.Affected, Grades[min].EN))
	}
	switch {
	case r.Found.IsZero():
		return errs.Invalidf("found_at", "须填写发现事件的时间", "give the time the incident was found")
	case r.Found.After(now.Add(5 * time.Minute)):
		return errs.Invalidf("found_at", "发现时间不能晚于现在", "the time found cannot be in the future")
	case r.Found.Before(now.AddDate(-1, 0, 0)):
		return errs.Invalidf("found_at", "发现时间不能早于一年前；更早的事件请书面报告运营方", "the time found cannot be more than a year ago; report older incidents to the operator in writing")
	}
	if len(r.Orders) > 20 {
		return errs.Invalidf("orders", "至多列出 20 个所涉订单", "list at most 20 orders")
	}
	seen := map[string]bool{}
	for i, o := range r.Orders {
		o = strings.TrimSpace(o)
		if !strings.HasPrefix(o, "ord_") || len(o) > 64 || seen[o] {
			return errs.Invalidf("orders", fmt.Sprintf("第 %d 个订单编号无效或重复：%q", i+1, o), fmt.Sprintf("order %d is not a valid, distinct order ID: %q", i+1, o))
		}
		seen[o], r.Orders[i] = true, o
	}
	return nil
}

// Report records a member's incident report, in the log, and starts the
// authority report's deadline for a grade that needs one. Only a member
// reports, for itself; the orders named must be its own.
func (s *Incidents) Report(ctx context.Context, r Report) (*store.Incident, error) {
	if err := auth.Require(ctx, auth.PermIncident); err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	if err := r.check(s.P.DB.Now()); err != nil {
		return nil, err
	}
	in := &store.Incident{ID: auth.NewID("inc_"), Member: a.MemberID, Kind: r.Kind, Title: r.Title, Description: r.Description, Grade: r.Grade,
		Affected: r.Affected, AffectsExchange: r.AffectsExchange, Orders: r.Orders, Found: r.Found.UTC().Truncate(time.Second), ReportedBy: a.Ref()}
	if NeedsAuthority(r.Grade) {
		in.AuthorityDue = in.Found.Add(s.within())
	}
	err := s.P.DB.Transact(ctx, func(tx *store.Tx) error {
		for i, id := range r.Orders {
			if _, err := tx.Order(ctx, id, false); err != nil {
				return errs.Invalidf("orders", fmt.Sprintf("第 %d 个订单不是贵方的订单：%s", i+1, id), fmt.Sprintf("order %d is not one of yours: %s", i+1, id))
			}
		}
		in.Reported = tx.Now()
		if err := tx.InsertIncident(ctx, in); err != nil {
			return err
		}
		p := bizlog.P{"kind": in.Kind, "grade": in.Grade, "affected": in.Affected, "affects_exchange": in.AffectsExchange,
			"orders": strings.Join(in.Orders, ","), "found_at": in.Found.Format(time.RFC3339)}
		if !in.AuthorityDue.IsZero() {
			p["authority_due"] = in.AuthorityDue.Format(time.RFC3339)
		}
		_, err := tx.Append(ctx, in.Member, KindReported, in.ID, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// Step is one of the member's steps on an incident.
type Step struct {
	Kind string // authority, notified, remediated, compensated, closed
	// authority: to whom, the report's reference, when.
	AuthorityName string
	AuthorityRef  string
	At            time.Time
	// notified: how many people were told, and how (or why none was).
	Count  int64
	Method string
	// remediated, closed: what was done; the closing summary.
	// compensated: how, or why no one was (with Count people and
	// AmountFen in all).
	Text      string
	AmountFen int64
}

// Record records a step on one of the member's incidents, in the log. A
// step may be recorded again to correct it until the incident is closed;
// closing needs the remediation, the people's notification when people
// are affected, and the authority's report when the grade needs one.
func (s *Incidents) Record(ctx context.Context, id string, st Step) (*store.Incident, error) {
	if err := auth.Require(ctx, auth.PermIncident); err != nil {
		return nil, err
	}
	var in *store.Incident
	err := s.P.DB.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if in, err = tx.Incident(ctx, id); err != nil {
			return err
		}
		if !in.Closed.IsZero() {
			return errs.New(errs.FailedPrecondition, "incident", "该事件已结案", "the incident is closed")
		}
		now := tx.Now()
		var kind string
		var p bizlog.P
		switch st.Kind {
		case "authority":
			name, err := text("authority_name", st.AuthorityName, 200, "须写明报告的主管部门", "name the authority reported to")
			if err != nil {
				return err
			}
			ref := strings.TrimSpace(st.AuthorityRef)
			if utf8.RuneCountInString(ref) > 200 {
				return errs.Invalidf("authority_ref", "报告编号最长 200 字", "the report's reference is at most 200 characters")
			}
			at, err := stepTime(st.At, in.Found, now)
			if err != nil {
				return err
			}
			in.AuthorityName, in.AuthorityRef, in.AuthorityAt = name, ref, at
			kind, p = KindAuthority, bizlog.P{"authority": name, "ref": ref, "at": at.Format(time.RFC3339), "late": !in.AuthorityDue.IsZero() && at.After(in.AuthorityDue)}
		case "notified":
			method, err := text("method", st.Method, 1000, "须写明通知方式（或未通知的理由）", "say how the people were told (or why they were not)")
			if err != nil {
				return err
			}
			if st.Count < 0 || st.Count > 2_000_000_000 {
				return errs.Invalidf("count", "通知人数须为 0 至 20 亿之间的整数", "the people told must be a whole number from 0 to 2 billion")
			}
			at, err := stepTime(st.At, in.Found, now)
			if err != nil {
				return err
			}
			in.NotifiedCount, in.NoticeMethod, in.NotifiedAt = st.Count, method, at
			kind, p = KindNotified, bizlog.P{"count": st.Count, bizlog.CommitField("method", s.P.Digest()): bizlog.CommitWith(s.P.Digest(), []byte(method)), "at": at.Format(time.RFC3339)}
		case "remediated":
			t, err := text("text", st.Text, 4000, "须写明补救措施", "describe the remediation")
			if err != nil {
				return err
			}
			in.Remediation, in.RemediatedAt = t, now
			kind, p = KindRemedied, bizlog.P{bizlog.CommitField("remediation", s.P.Digest()): bizlog.CommitWith(s.P.Digest(), []byte(t))}
		case "compensated":
			t, err := text("text", st.Text, 2000, "须写明赔偿方式，或未赔偿的理由", "say how the people were compensated, or why none was")
			if err != nil {
				return err
			}
			switch {
			case st.Count < 0 || st.Count > 2_000_000_000:
				return errs.Invalidf("count", "获赔人数须为 0 至 20 亿之间的整数", "the people compensated must be a whole number from 0 to 2 billion")
			case st.AmountFen < 0 || st.AmountFen > 1_000_000_000_000_00:
				return errs.Invalidf("amount_fen", "赔偿总额须为非负金额", "the total compensation must not be negative")
			case st.Count == 0 && st.AmountFen > 0:
				return errs.Invalidf("count", "有赔偿金额时须写明获赔人数", "give the number of people compensated with the amount")
			}
			at, err := stepTime(st.At, in.Found, now)
			if err != nil {
				return err
			}
			in.CompensatedCount, in.CompensationFen, in.CompensationNote, in.CompensatedAt = st.Count, st.AmountFen, t, at
			kind, p = KindCompensated, bizlog.P{"count": st.Count, "amount_fen": st.AmountFen, bizlog.CommitField("note", s.P.Digest()): bizlog.CommitWith(s.P.Digest(), []byte(t)), "at": at.Format(time.RFC3339)}
		case "closed":
			t, err := text("text", st.Text, 2000, "须写明结案说明", "give a closing summary")
			if err != nil {
				return err
			}
			if missing := Missing(in); len(missing) > 0 {
				zh, en := make([]string, len(missing)), make([]string, len(missing))
				for i, m := range missing {
					zh[i], en[i] = m.ZH, m.EN
				}
				return errs.New(errs.FailedPrecondition, "incident", "结案前须先记录："+strings.Join(zh, "、"), "before closing, record: "+strings.Join(en, ", "))
			}
			in.ClosingNote, in.Closed = t, now
			kind, p = KindClosed, bizlog.P{bizlog.CommitField("summary", s.P.Digest()): bizlog.CommitWith(s.P.Digest(), []byte(t))}
		default:
			return errs.Invalidf("step", "步骤须为 authority、notified、remediated、compensated 或 closed", "the step must be authority, notified, remediated, compensated or closed")
		}
		if err := tx.UpdateIncident(ctx, in); err != nil {
			return err
		}
		_, err = tx.Append(ctx, in.Member, kind, in.ID, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// stepTime is when a step happened: given, or now; not before the
// incident was found nor in the future.
func stepTime(at, found, now time.Time) (time.Time, error) {
	if at.IsZero() {
		return now, nil
	}
	at = at.UTC().Truncate(time.Second)
	if at.Before(found) || at.After(now.Add(5*time.Minute)) {
		return time.Time{}, errs.Invalidf("at", "时间须在发现事件之后、现在之前", "the time must be after the incident was found and not in the future")
	}
	return at, nil
}

// Missing lists the steps an incident still needs before it can be
// closed.
func Missing(in *store.Incident) []i18n.Text {
	var out []i18n.Text
	if NeedsAuthority(in.Grade) && in.AuthorityAt.IsZero() {
		out = append(out, i18n.T("向主管部门报告", "the report to the authorities"))
	}
	if in.Affected > 0 && in.NotifiedAt.IsZero() {
		out = append(out, i18n.T("通知受影响的个人", "the notification of the people affected"))
	}
	if in.RemediatedAt.IsZero() {
		out = append(out, i18n.T("补救措施", "the remediation"))
	}
	if in.Affected > 0 && in.CompensatedAt.IsZero() {
		out = append(out, i18n.T("对受影响个人的赔偿（或未赔偿的理由）", "the compensation of the people affected (or why there was none)"))
	}
	return out
}

// Overdue reports whether an incident's authority report is late at now:
// due, not made, or made after the deadline.
func Overdue(in *store.Incident, now time.Time) bool {
	if in.AuthorityDue.IsZero() {
		return false
	}
	if in.AuthorityAt.IsZero() {
		return now.After(in.AuthorityDue)
	}
	return in.AuthorityAt.After(in.AuthorityDue)
}

// List lists incidents: staff all (or one member's), a member its own.
// Those whose authority report is overdue come first.
func (s *Incidents) List(ctx context.Context, member string) ([]*store.Incident, error) {
	var out []*store.Incident
	err := s.P.DB.Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.Incidents(ctx, member, 500); return err })
	if err != nil {
		return nil, err
	}
	now := s.P.DB.Now()
	late, rest := []*store.Incident{}, []*store.Incident{}
	for _, in := range out {
		if Overdue(in, now) && in.Closed.IsZero() {
			late = append(late, in)
		} else {
			rest = append(rest, in)
		}
	}
	return append(late, rest...), nil
}

// Get returns one incident: staff any, a member its own.
func (s *Incidents) Get(ctx context.Context, id string) (*store.Incident, error) {
	var in *store.Incident
	err := s.P.DB.Read(ctx, func(tx *store.Tx) (err error) { in, err = tx.Incident(ctx, id); return err })
	return in, err
}
