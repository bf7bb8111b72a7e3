package api

import (
	"context"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/cycles"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// The settlement cycles pairs of members agree (X-S1), served by
// SettlementService over the cycles room.

func (s *settlementService) ProposeCycle(ctx context.Context, req *connect.Request[hulianv1.ProposeCycleRequest]) (*connect.Response[hulianv1.ProposeCycleResponse], error) {
	m := req.Msg
	if err := checkID("counterparty_id", "mem_", m.CounterpartyId); err != nil {
		return nil, err
	}
	c, err := s.x.Cycles.Propose(ctx, m.CounterpartyId, settlement.Cycle{Months: int(m.Months), From: m.FromMonth}, m.Note)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ProposeCycleResponse{Cycle: cycleToProto(c, "")}), nil
}

func (s *settlementService) AnswerCycle(ctx context.Context, req *connect.Request[hulianv1.AnswerCycleRequest]) (*connect.Response[hulianv1.AnswerCycleResponse], error) {
	if err := checkID("cycle_id", "cyc_", req.Msg.CycleId); err != nil {
		return nil, err
	}
	c, err := s.x.Cycles.Answer(ctx, req.Msg.CycleId, req.Msg.Accept)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.AnswerCycleResponse{Cycle: cycleToProto(c, "")}), nil
}

func (s *settlementService) ListCycles(ctx context.Context, _ *connect.Request[hulianv1.ListCyclesRequest]) (*connect.Response[hulianv1.ListCyclesResponse], error) {
	cs, month, err := s.x.Cycles.List(ctx)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListCyclesResponse{Month: month, Cycles: make([]*hulianv1.SettlementCycle, 0, len(cs))}
	for _, c := range cs {
		res.Cycles = append(res.Cycles, cycleToProto(c, month))
	}
	return connect.NewResponse(res), nil
}

// cycleToProto converts a proposal; month, when known, decides whether an
// unanswered one has lapsed.
func cycleToProto(c *store.CycleAgreement, month string) *hulianv1.SettlementCycle {
	return &hulianv1.SettlementCycle{Id: c.ID, MemberAId: c.MemberA, MemberBId: c.MemberB, ProposerId: c.Proposer, Months: int32(c.Cycle.Months),
		FromMonth: c.Cycle.From, Note: c.Note, Status: c.Status, ProposedAt: timestamp(c.Proposed), AnsweredAt: timestamp(c.Answered),
		Lapsed: month != "" && cycles.Lapsed(c, month)}
}
