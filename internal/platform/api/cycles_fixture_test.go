package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hulian/internal/auth"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// cyclePair readies A and C (the market fixture's supplier) to agree a
// settlement cycle: an order between them, and no proposal awaiting an
// answer (each role tried gets a fresh start). It returns C's context and
// ID, and next month, when a cycle may begin.
func (f *fixture) cyclePair(t *testing.T) (context.Context, string, string) {
	t.Helper()
	f.demandingOrderOfA(t)
	c := f.market(t).C
	cctx := auth.WithActor(context.Background(), c.actor())
	var open []*store.CycleAgreement
	if err := f.M.DB.Read(cctx, func(tx *store.Tx) (err error) { open, err = tx.Cycles(cctx, ""); return err }); err != nil {
		t.Fatal(err)
	}
	for _, p := range open {
		if p.Status != store.CycleProposed {
			continue
		}
		answerer := f.asA()
		if p.Proposer == f.A.ID {
			answerer = cctx
		}
		if _, err := f.M.Exchange.Cycles.Answer(answerer, p.ID, false); err != nil {
			t.Fatal(err)
		}
	}
	return cctx, c.ID, settlement.AddMonths(settlement.MonthOf(time.Now()), 1)
}

func init() {
	for proc, r := range map[string]rule{
		"ProposeCycle": {allowed: []string{"memberA", "nodeA"}, body: func(t *testing.T, f *fixture) string {
			_, c, next := f.cyclePair(t)
			return fmt.Sprintf(`{"counterparty_id":%q,"months":1,"from_month":%q,"note":"按月结算"}`, c, next)
		}},
		"AnswerCycle": {allowed: []string{"memberA", "nodeA"}, body: func(t *testing.T, f *fixture) string {
			cctx, _, next := f.cyclePair(t)
			p, err := f.M.Exchange.Cycles.Propose(cctx, f.A.ID, settlement.Cycle{Months: 1, From: next}, "")
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`{"cycle_id":%q,"accept":true}`, p.ID)
		}},
		"ListCycles": {allowed: []string{"operator", "regulator", "memberA", "memberB", "nodeA", "nodeB"}, body: func(t *testing.T, f *fixture) string { return `{}` }},
	} {
		rules["/hulian.v1.SettlementService/"+proc] = r
	}
}
