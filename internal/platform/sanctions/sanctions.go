// Package sanctions is the operator's measures against members (X-V1,
// 《数据互联规则》 §14, and X-G2, §12.1): by severity, a warning (written,
// or published on the platform's announcements page), an order to correct
// by a date, suspension of service, and termination of the agreement with
// cancellation of membership — for a violation of the rules or a penalty
// an authority imposed. Suspension and termination set the member's
// standing, which every gate reads (member.CanTrade: issuance, listings,
// demands, orders, deliveries), so the measure is enforced everywhere from
// its commit on. Each is logged and notified to the member; a suspension
// can be lifted, a termination cannot.
package sanctions

import (
	"context"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// Log entry kinds.
const (
	KindImposed = "sanction.imposed"
	KindLifted  = "sanction.lifted"
)

// Kinds of sanction, by severity, with their names.
var Kinds = map[string]i18n.Text{
	"warning":     i18n.T("警示", "warning"),
	"correction":  i18n.T("责令改正", "order to correct"),
	"suspension":  i18n.T("暂停数据互联服务", "suspension of service"),
	"termination": i18n.T("终止协议、取消成员资格", "termination and cancellation of membership"),
}

// Bases of a sanction.
var Bases = map[string]i18n.Text{
	"rules":     i18n.T("违反《数据互联规则》", "a violation of the rules"),
	"authority": i18n.T("司法机关、行政机关或监管方的处罚或裁定", "a penalty or ruling by a court, an authority or the regulator"),
}

// Sanctions imposes, lifts and lists sanctions.
type Sanctions struct{ P *platform.Platform }

// New returns the sanctions of p.
func New(p *platform.Platform) *Sanctions { return &Sanctions{P: p} }

// Measure is a sanction as the operator gives it.
type Measure struct {
	Member       string
	Kind         string
	Public       bool // a warning published on the announcements page
	Basis        string
	Reason       string
	AuthorityRef string // the decision's reference, for basis authority
	CorrectBy    string // YYYY-MM-DD, for an order to correct
}

func (m *Measure) check(today calendar.Date) error {
	m.Reason, m.AuthorityRef = strings.TrimSpace(m.Reason), strings.TrimSpace(m.AuthorityRef)
	if _, ok := Kinds[m.Kind]; !ok {
		return errs.Invalidf("kind", "措施须为 warning、correction、suspension 或 termination", "the kind must be warning, correction, suspension or termination")
	}
	if _, ok := Bases[m.Basis]; !ok {
		return errs.Invalidf("basis", "依据须为 rules（违规）或 authority（有权机关处罚）", "the basis must be rules or authority")
	}
	if m.Reason == "" || utf8.RuneCountInString(m.Reason) > 1000 {
		return errs.Invalidf("reason", "须写明事由（最长 1000 字）", "state the reason (at most 1000 characters)")
	}
	if m.Basis == "authority" && (m.AuthorityRef == "" || len(m.AuthorityRef) > 200) {
		return errs.Invalidf("authority_ref", "须填写处罚或裁定文书编号", "give the penalty's or ruling's reference")
	}
	if m.Public && m.Kind != "warning" {
		return errs.Invalidf("public", "只有警示可在网站公开", "only a warning is published")
	}
	if m.Kind == "correction" {
		d, err := calendar.ParseDate(strings.TrimSpace(m.CorrectBy))
		if err != nil || !d.After(today) {
			return errs.Invalidf("correct_by", "责令改正须给出今天之后的改正期限（年-月-日）", "an order to correct needs a deadline after today (year-month-day)")
		}
		m.CorrectBy = d.String()
	} else {
		m.CorrectBy = ""
	}
	return nil
}

// Impose records a sanction (operator), sets the member's standing for a
// suspension or a termination, logs it and notifies the member.
func (s *Sanctions) Impose(ctx context.Context, m Measure) (*store.Sanction, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	if err := m.check(calendar.DateOf(s.P.DB.Now())); err != nil {
		return nil, err
	}
	sn := &store.Sanction{ID: auth.NewID("snc_"), Member: m.Member, Kind: m.Kind, Public: m.Public, Basis: m.Basis, Reason: m.Reason,
		AuthorityRef: m.AuthorityRef, CorrectBy: m.CorrectBy, ImposedBy: auth.ActorFrom(ctx).Ref()}
	err := s.P.DB.Transact(ctx, func(tx *store.Tx) error {
		mem, err := tx.Member(ctx, m.Member, true)
		if err != nil {
			return errs.Invalidf("member", "找不到该成员："+m.Member, "no such member: "+m.Member)
		}
		if mem.Standing == member.StandingTerminated {
			return errs.New(errs.FailedPrecondition, "member", "该成员资格已取消", "the member's membership was cancelled")
		}
		sn.Imposed = tx.Now()
		if err := tx.InsertSanction(ctx, sn); err != nil {
			return err
		}
		switch m.Kind {
		case "suspension":
			mem.Standing = member.StandingSuspended
		case "termination":
			mem.Standing = member.StandingTerminated
		}
		if err := tx.UpdateMember(ctx, mem); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, m.Member, KindImposed, sn.ID, bizlog.P{"kind": m.Kind, "public": m.Public, "basis": m.Basis, "reason": m.Reason,
			"authority_ref": m.AuthorityRef, "correct_by": m.CorrectBy, "standing": string(mem.Standing)}); err != nil {
			return err
		}
		k := Kinds[m.Kind]
		return tx.Notify(ctx, &store.Notice{ID: auth.NewID("ntc_"), Member: m.Member, Kind: KindImposed, Object: sn.ID,
			TitleZH: "运营方对贵方采取措施：" + k.ZH, TitleEN: "The operator has taken a measure against you: " + k.EN, Body: m.Reason, Created: tx.Now()})
	})
	if err != nil {
		return nil, err
	}
	return sn, nil
}

// Lift lifts a suspension (operator): the member's standing is good again.
// A warning or an order to correct is not lifted, and a termination
// cannot be.
func (s *Sanctions) Lift(ctx context.Context, id, reason string) (*store.Sanction, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errs.Invalidf("reason", "须写明解除理由", "state why it is lifted")
	}
	var sn *store.Sanction
	err := s.P.DB.Transact(ctx, func(tx *store.Tx) error {
		ss, err := tx.Sanctions(ctx, store.SanctionFilter{ID: id})
		if err != nil {
			return err
		}
		if len(ss) != 1 {
			return errs.New(errs.NotFound, "sanction", "找不到该措施", "no such sanction")
		}
		sn = ss[0]
		if sn.Kind != "suspension" {
			return errs.New(errs.FailedPrecondition, "sanction", "只有暂停服务可以解除", "only a suspension can be lifted")
		}
		sn.LiftedBy, sn.Lifted = auth.ActorFrom(ctx).Ref(), tx.Now()
		if err := tx.LiftSanction(ctx, sn); err != nil {
			return err
		}
		mem, err := tx.Member(ctx, sn.Member, true)
		if err != nil {
			return err
		}
		if mem.Standing == member.StandingSuspended {
			// Another suspension in force keeps the member suspended.
			others, err := tx.Sanctions(ctx, store.SanctionFilter{Member: sn.Member})
			if err != nil {
				return err
			}
			still := false
			for _, o := range others {
				still = still || (o.ID != sn.ID && o.Kind == "suspension" && o.Lifted.IsZero())
			}
			if !still {
				mem.Standing = member.StandingGood
				if err := tx.UpdateMember(ctx, mem); err != nil {
					return err
				}
			}
		}
		if _, err := tx.Append(ctx, sn.Member, KindLifted, sn.ID, bizlog.P{"reason": reason, "standing": string(mem.Standing)}); err != nil {
			return err
		}
		return tx.Notify(ctx, &store.Notice{ID: auth.NewID("ntc_"), Member: sn.Member, Kind: KindLifted, Object: sn.ID,
			TitleZH: "暂停数据互联服务的措施已解除", TitleEN: "The suspension of your service is lifted", Body: reason, Created: tx.Now()})
	})
	if err != nil {
		return nil, err
	}
	return sn, nil
}

// List lists sanctions: staff all (or one member's), a member its own.
func (s *Sanctions) List(ctx context.Context, memberID string) ([]*store.Sanction, error) {
	var out []*store.Sanction
	err := s.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.Sanctions(ctx, store.SanctionFilter{Member: memberID})
		return err
	})
	return out, err
}

// Published lists the warnings published on the announcements page.
// Anyone may read them.
func (s *Sanctions) Published(ctx context.Context) ([]*store.Sanction, error) {
	var out []*store.Sanction
	err := s.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.Sanctions(ctx, store.SanctionFilter{PublicOnly: true, Limit: 100})
		return err
	})
	return out, err
}
