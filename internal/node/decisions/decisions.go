// Package decisions is the member's register of automated decision-making
// (P-4, PIPL Art. 24): each scenario with the basic rules people should
// understand, whether its effect on a person is significant, and the
// notice purpose a person refuses to opt out of its personalisation. The
// privacy centre shows the register; people ask there for an explanation
// of a decision, or — when its effect is significant — for a person to
// decide instead, each a request with its due date.
package decisions

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
)

// Register adds, retires and lists scenarios.
type Register struct {
	N *node.Node
}

// New returns n's register.
func New(n *node.Node) *Register { return &Register{N: n} }

// Add registers a scenario. optOut, when given, must be a purpose of the
// notice in force: refusing it is how a person opts out.
func (r *Register) Add(ctx context.Context, name, rules string, significant bool, optOut, by string) (*nodestore.Decision, error) {
	name, rules, optOut = strings.TrimSpace(name), strings.TrimSpace(rules), strings.TrimSpace(optOut)
	switch {
	case name == "" || utf8.RuneCountInString(name) > 100:
		return nil, errs.Invalidf("--name", "须为场景命名（最长 100 字），如“信用额度评估”", "name the scenario (at most 100 characters), e.g. 'credit limit assessment'")
	case rules == "" || utf8.RuneCountInString(rules) > 4000:
		return nil, errs.Invalidf("--rules", "须以个人能理解的语言写明决策的基本规则（最长 4000 字）", "state the decision's basic rules in words people understand (at most 4000 characters)")
	}
	if optOut != "" {
		ns, err := consent.New(r.N).Notices(ctx)
		if err != nil {
			return nil, err
		}
		if len(ns) == 0 || !slices.ContainsFunc(ns[0].Purposes, func(p consent.Purpose) bool { return p.Code == optOut }) {
			return nil, errs.Invalidf("--opt-out", "现行隐私告知中没有目的 "+optOut, "the notice in force has no purpose "+optOut)
		}
	}
	d := &nodestore.Decision{ID: auth.NewID("dec_"), Name: name, Rules: rules, Significant: significant, OptOut: optOut, CreatedBy: by}
	err := r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		d.Created = tx.Now()
		if err := tx.InsertDecision(ctx, d); err != nil {
			return err
		}
		return tx.Record(ctx, "decision.registered", d.ID+" "+name)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Retire stops showing a scenario; requests about it stay.
func (r *Register) Retire(ctx context.Context, id, by string) error {
	return r.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if err := tx.RetireDecision(ctx, strings.TrimSpace(id)); err != nil {
			return err
		}
		return tx.Record(ctx, "decision.retired", id+" by "+by)
	})
}

// List lists the scenarios in use, or all.
func (r *Register) List(ctx context.Context, all bool) (out []*nodestore.Decision, err error) {
	err = r.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { out, err = tx.Decisions(ctx, all); return err })
	return out, err
}
