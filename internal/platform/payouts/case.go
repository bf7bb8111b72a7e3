package payouts

import (
	"context"
	"time"

	"hulian/internal/platform/disputes"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// Case is everything about one statement's settlement, as a party or
// staff may see it: the statement, its chain of corrections (oldest
// first; the last is in force), the chain's disputes (newest first), the
// supplier's payout (nil until confirmed, and for the demander) and the
// end of the dispute period (zero while the holiday calendar does not
// reach it).
type Case struct {
	Statement *store.IssuedStatement
	Chain     []*store.IssuedStatement
	Disputes  []*store.Dispute
	Payout    *store.Payout
	Deadline  time.Time
}

// Head is the chain's statement in force.
func (c *Case) Head() *store.IssuedStatement { return c.Chain[len(c.Chain)-1] }

// OpenDispute is the chain's dispute awaiting an answer, if any.
func (c *Case) OpenDispute() *store.Dispute {
	for _, d := range c.Disputes {
		if d.Status == store.DisputeOpen {
			return d
		}
	}
	return nil
}

// Case reads the settlement case of statement id in one transaction.
func (p *Payouts) Case(ctx context.Context, id string) (*Case, error) {
	c := &Case{}
	err := p.db().Read(ctx, func(tx *store.Tx) error {
		head, chain, err := disputes.Head(ctx, tx, id)
		if err != nil {
			return err
		}
		c.Chain = chain
		for _, s := range chain {
			if s.ID == id {
				c.Statement = s
			}
		}
		if c.Disputes, err = tx.Disputes(ctx, store.DisputeFilter{Root: settlement.Root(id)}); err != nil {
			return err
		}
		ps, err := tx.Payouts(ctx, store.PayoutFilter{Root: head.Root()}, false)
		if err != nil {
			return err
		}
		if len(ps) == 1 {
			c.Payout = ps[0]
		}
		terms, err := tx.SettlementTerms(ctx)
		if err != nil {
			return err
		}
		c.Deadline, _ = p.Disputes.Deadline(head.Month, terms) // zero when the calendar does not reach it
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
