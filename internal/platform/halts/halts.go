// Package halts lets the operator halt the exchange for technical reasons
// (X-H1, 《数据互联规则》 §13): the whole platform, one member, one listing
// or a tag category, for one of the rule's causes, with a public notice.
// From the halt's commit on, every gate (platform.CheckHalts, called by
// the trading gate, issuance and the delivery's own transaction) refuses
// what it covers, saying why; lifting it is one action. Both are logged,
// and the members concerned are notified.
package halts

import (
	"context"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// Log entry kinds.
const (
	KindStarted = "halt.started"
	KindLifted  = "halt.lifted"
)

// MaxNotice is the longest public notice, in characters.
const MaxNotice = 500

// Halts starts, lifts and lists technical halts.
type Halts struct{ P *platform.Platform }

// New returns the halts of p.
func New(p *platform.Platform) *Halts { return &Halts{P: p} }

// Start halts what scope and target name (operator): target is "" for the
// platform, a member ID, a listing ID or a second-level category code.
func (h *Halts) Start(ctx context.Context, scope, target, cause, notice string) (*store.Halt, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	target, notice = strings.TrimSpace(target), strings.TrimSpace(notice)
	if _, ok := platform.HaltCauses[cause]; !ok {
		return nil, errs.Invalidf("cause", "原因须为不可抗力、意外事件、技术故障、数据隐私与安全风险或其他异常情况之一", "the cause must be force_majeure, accident, technical_failure, privacy_security or other")
	}
	if notice == "" || utf8.RuneCountInString(notice) > MaxNotice {
		return nil, errs.Invalidf("notice", "须填写对外公告（最长 500 字）", "write the public notice (at most 500 characters)")
	}
	hl := &store.Halt{ID: auth.NewID("hlt_"), Scope: scope, Target: target, Cause: cause, Notice: notice, StartedBy: auth.ActorFrom(ctx).Ref()}
	err := h.P.DB.Transact(ctx, func(tx *store.Tx) error {
		concerned, err := h.concerned(ctx, tx, hl)
		if err != nil {
			return err
		}
		hl.Started = tx.Now()
		if err := tx.InsertHalt(ctx, hl); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, concerned, KindStarted, hl.ID, bizlog.P{"scope": scope, "target": target, "cause": cause, "notice": notice}); err != nil {
			return err
		}
		return notify(ctx, tx, concerned, hl, KindStarted, "数据互联服务已技术性暂停", "The exchange is halted")
	})
	if err != nil {
		return nil, err
	}
	return hl, nil
}

// concerned checks a halt's target and returns the member it concerns
// ("" for the platform or a category): the log entry's member, notified.
func (h *Halts) concerned(ctx context.Context, tx *store.Tx, hl *store.Halt) (string, error) {
	missing := func() error {
		return errs.Invalidf("target", "找不到暂停对象："+hl.Target, "no such object to halt: "+hl.Target)
	}
	switch hl.Scope {
	case platform.HaltPlatform:
		if hl.Target != "" {
			return "", errs.Invalidf("target", "暂停整个平台时不填对象", "halting the whole platform takes no target")
		}
		return "", nil
	case platform.HaltMember:
		if _, err := tx.Member(ctx, hl.Target, false); err != nil {
			return "", missing()
		}
		return hl.Target, nil
	case platform.HaltListing:
		l, err := tx.Listing(ctx, hl.Target, false)
		if err != nil {
			return "", missing()
		}
		return l.MemberID, nil
	case platform.HaltCategory:
		if _, ok := h.P.Taxonomy().Leaf(hl.Target); !ok {
			return "", missing()
		}
		return "", nil
	}
	return "", errs.Invalidf("scope", "范围须为 platform、member、listing 或 category", "the scope must be platform, member, listing or category")
}

func notify(ctx context.Context, tx *store.Tx, member string, hl *store.Halt, kind, zh, en string) error {
	if member == "" {
		return nil // the public notice is the platform's or category's announcement
	}
	return tx.Notify(ctx, &store.Notice{ID: auth.NewID("ntc_"), Member: member, Kind: kind, Object: hl.ID, TitleZH: zh, TitleEN: en, Body: hl.Notice, Created: tx.Now()})
}

// Lift lifts a halt in force (operator).
func (h *Halts) Lift(ctx context.Context, id string) (*store.Halt, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	var hl *store.Halt
	err := h.P.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		if hl, err = tx.Halt(ctx, id); err != nil {
			return err
		}
		concerned, err := h.concerned(ctx, tx, hl)
		if err != nil {
			return err
		}
		hl.LiftedBy, hl.Lifted = auth.ActorFrom(ctx).Ref(), tx.Now()
		if err := tx.LiftHalt(ctx, hl); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, concerned, KindLifted, hl.ID, bizlog.P{"scope": hl.Scope, "target": hl.Target}); err != nil {
			return err
		}
		return notify(ctx, tx, concerned, hl, KindLifted, "数据互联服务已恢复", "The exchange has resumed")
	})
	if err != nil {
		return nil, err
	}
	return hl, nil
}

// List lists halts, newest first: in force only, or all. They are public.
func (h *Halts) List(ctx context.Context, inForce bool) ([]*store.Halt, error) {
	var out []*store.Halt
	err := h.P.DB.Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.Halts(ctx, inForce, 0); return err })
	return out, err
}
