// Package cycles is the settlement cycles pairs of members agree (X-S1,
// 《数据互联规则》 §10: 如需调整结算周期，由双方另行协商). Statements are
// monthly; two members who trade may agree that theirs cover 2, 3, 6 or
// 12 months (or go back to one) from a future month on. One proposes, the
// other accepts or declines; the agreement is logged under both, in the
// transaction that records it, so that anyone verifying statements from
// the log knows the period each must cover. A cycle only ever starts in a
// month that has not begun: no statement already running changes.
package cycles

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// Log entry kinds (the agreement's is settlement.KindCycleAgreed).
const (
	KindProposed = "settlement.cycle_proposed"
	KindDeclined = "settlement.cycle_declined"
)

// MaxNote is the longest note a proposal carries, in characters.
const MaxNote = 500

// Cycles proposes, answers and lists settlement cycles.
type Cycles struct {
	P *platform.Platform
}

// New returns the cycles of p.
func New(p *platform.Platform) *Cycles { return &Cycles{P: p} }

func (c *Cycles) db() *store.DB { return c.P.DB }

// thisMonth is the business month (Beijing) of the database's clock.
func thisMonth(tx *store.Tx) string { return settlement.MonthOf(tx.Now()) }

// Lapsed reports whether a proposal can no longer be accepted: its first
// month has begun.
func Lapsed(a *store.CycleAgreement, month string) bool {
	return a.Status == store.CycleProposed && a.Cycle.From <= month
}

// future checks that a cycle starts after month, and fits the pair's
// schedule as agreed so far.
func future(ctx context.Context, tx *store.Tx, pair [2]string, cy settlement.Cycle, month string) error {
	sch, err := tx.Schedules(auth.WithActor(ctx, auth.System))
	if err != nil {
		return err
	}
	if _, err := sch[pair].With(cy); err != nil {
		return err
	}
	if cy.From <= month {
		return errs.Invalidf("from", "新的结算周期须从下个月或更晚的月份开始（本月为 "+month+"）",
			"a new cycle must begin next month or later (this month is "+month+")")
	}
	return nil
}

// Propose records the caller's proposal to counterparty, a member it has
// an order with, and notifies it. One open proposal per pair.
func (c *Cycles) Propose(ctx context.Context, counterparty string, cy settlement.Cycle, note string) (*store.CycleAgreement, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	counterparty = strings.TrimSpace(counterparty)
	note = strings.TrimSpace(note)
	switch {
	case counterparty == "" || counterparty == a.MemberID:
		return nil, errs.Invalidf("counterparty", "须指明与贵方有订单往来的另一成员", "name the other member you have orders with")
	case utf8.RuneCountInString(note) > MaxNote:
		return nil, errs.Invalidf("note", "说明最长 "+strconv.Itoa(MaxNote)+" 字", "the note is at most "+strconv.Itoa(MaxNote)+" characters")
	}
	pair := settlement.PairKey(a.MemberID, counterparty)
	p := &store.CycleAgreement{ID: auth.NewID("cyc_"), MemberA: pair[0], MemberB: pair[1], Proposer: a.MemberID, Cycle: cy, Note: note,
		Status: store.CycleProposed, ProposedBy: a.Ref()}
	err := c.db().Transact(ctx, func(tx *store.Tx) error {
		trading, err := tx.Trading(ctx, a.MemberID, counterparty)
		if err != nil {
			return err
		}
		if !trading {
			// A member one does not trade with is as absent as one that
			// does not exist.
			return errs.New(errs.NotFound, "counterparty", "找不到与贵方有订单往来的该成员", "no member you have orders with by that ID")
		}
		month := thisMonth(tx)
		if err := future(ctx, tx, pair, cy, month); err != nil {
			return err
		}
		all, err := tx.Cycles(ctx, "")
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.MemberA == pair[0] && o.MemberB == pair[1] && o.Status == store.CycleProposed && !Lapsed(o, month) {
				return errs.New(errs.Conflict, "counterparty", "双方之间已有待答复的结算周期提议 "+o.ID, "the pair has a proposal awaiting an answer already: "+o.ID)
			}
		}
		p.Proposed = tx.Now()
		if err := tx.InsertCycle(ctx, p); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, a.MemberID, KindProposed, p.ID, payload(p)); err != nil {
			return err
		}
		return tx.Notify(auth.WithActor(ctx, auth.System), &store.Notice{ID: auth.NewID("ntc_"), Member: counterparty, Kind: KindProposed, Object: p.ID,
			TitleZH: "对方提议自 " + cy.From + " 起按 " + strconv.Itoa(cy.Months) + " 个月结算", TitleEN: "The other member proposes settling every " + strconv.Itoa(cy.Months) + " months from " + cy.From,
			Body: note, Created: tx.Now()})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func payload(p *store.CycleAgreement) bizlog.P {
	return settlement.CyclePayload(p.MemberA, p.MemberB, p.Cycle, p.ID)
}

// Answer records the other member's acceptance or refusal of proposal id.
// An accepted cycle is in force from its month on for both directions of
// the pair's trade; its entry is logged under both members.
func (c *Cycles) Answer(ctx context.Context, id string, accept bool) (*store.CycleAgreement, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	var p *store.CycleAgreement
	err := c.db().Transact(ctx, func(tx *store.Tx) error {
		var err error
		if p, err = tx.CycleByID(ctx, strings.TrimSpace(id), true); err != nil {
			return err
		}
		month := thisMonth(tx)
		switch {
		case p.Status != store.CycleProposed:
			return errs.New(errs.FailedPrecondition, "cycle", "该提议已答复", "the proposal has been answered")
		case p.Proposer == a.MemberID:
			return errs.New(errs.FailedPrecondition, "cycle", "该提议由贵方提出，须由对方答复", "you made this proposal: the other member answers it")
		case accept && Lapsed(p, month):
			return errs.New(errs.FailedPrecondition, "cycle", "提议的起始月份 "+p.Cycle.From+" 已开始，请重新提议", "the proposal's first month, "+p.Cycle.From+", has begun: propose again")
		}
		p.AnsweredBy, p.Answered = a.Ref(), tx.Now()
		p.Status = store.CycleDeclined
		if accept {
			if err := future(ctx, tx, [2]string{p.MemberA, p.MemberB}, p.Cycle, month); err != nil {
				return err
			}
			p.Status = store.CycleAgreed
		}
		if err := tx.AnswerCycle(ctx, p); err != nil {
			return err
		}
		titleZH, titleEN := "对方拒绝了结算周期提议", "The other member declined the settlement cycle proposal"
		if accept {
			for _, m := range []string{p.MemberA, p.MemberB} {
				if _, err := tx.Append(ctx, m, settlement.KindCycleAgreed, p.ID, payload(p)); err != nil {
					return err
				}
			}
			titleZH = "对方同意自 " + p.Cycle.From + " 起按 " + strconv.Itoa(p.Cycle.Months) + " 个月结算"
			titleEN = "The other member agreed to settle every " + strconv.Itoa(p.Cycle.Months) + " months from " + p.Cycle.From
		} else if _, err := tx.Append(ctx, a.MemberID, KindDeclined, p.ID, payload(p)); err != nil {
			return err
		}
		return tx.Notify(auth.WithActor(ctx, auth.System), &store.Notice{ID: auth.NewID("ntc_"), Member: p.Proposer, Kind: "settlement.cycle_" + p.Status,
			Object: p.ID, TitleZH: titleZH, TitleEN: titleEN, Created: tx.Now()})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// List lists the proposals and agreements the caller may see (a member
// its pairs', staff all) with the business month they are judged in.
func (c *Cycles) List(ctx context.Context) (cs []*store.CycleAgreement, month string, err error) {
	err = c.db().Read(ctx, func(tx *store.Tx) (err error) {
		month = thisMonth(tx)
		cs, err = tx.Cycles(ctx, "")
		return err
	})
	return cs, month, err
}

// Counterparties are the members the caller has orders with.
func (c *Cycles) Counterparties(ctx context.Context) (ms []string, err error) {
	err = c.db().Read(ctx, func(tx *store.Tx) (err error) { ms, err = tx.Counterparties(ctx); return err })
	return ms, err
}
