package api

import (
	"context"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/mediation"
	"hulian/internal/platform/store"
)

// Order disputes (X-G4) are part of SupervisionService.

func (s *supervisionService) OpenOrderDispute(ctx context.Context, req *connect.Request[hulianv1.OpenOrderDisputeRequest]) (*connect.Response[hulianv1.OpenOrderDisputeResponse], error) {
	m := req.Msg
	if err := checkID("order_id", "ord_", m.OrderId); err != nil {
		return nil, err
	}
	d, err := s.x.Mediation.Open(ctx, m.OrderId, m.Reason, m.Suspend)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.OpenOrderDisputeResponse{Dispute: orderDisputeToProto(d)}), nil
}

func (s *supervisionService) MediateOrderDispute(ctx context.Context, req *connect.Request[hulianv1.MediateOrderDisputeRequest]) (*connect.Response[hulianv1.MediateOrderDisputeResponse], error) {
	m := req.Msg
	if err := checkID("id", "odp_", m.Id); err != nil {
		return nil, err
	}
	d, err := s.x.Mediation.Mediate(ctx, m.Id, mediation.Step{Kind: m.Step, Text: m.Text, Resume: m.Resume})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.MediateOrderDisputeResponse{Dispute: orderDisputeToProto(d)}), nil
}

func (s *supervisionService) ListOrderDisputes(ctx context.Context, _ *connect.Request[hulianv1.ListOrderDisputesRequest]) (*connect.Response[hulianv1.ListOrderDisputesResponse], error) {
	ds, err := s.x.Mediation.List(ctx)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListOrderDisputesResponse{Disputes: make([]*hulianv1.OrderDispute, 0, len(ds))}
	for _, d := range ds {
		// The evidence, up to 200 receipts a dispute, is fetched one
		// dispute at a time.
		p := orderDisputeToProto(d)
		p.Evidence = nil
		res.Disputes = append(res.Disputes, p)
	}
	return connect.NewResponse(res), nil
}

func (s *supervisionService) GetOrderDispute(ctx context.Context, req *connect.Request[hulianv1.GetOrderDisputeRequest]) (*connect.Response[hulianv1.GetOrderDisputeResponse], error) {
	if err := checkID("id", "odp_", req.Msg.Id); err != nil {
		return nil, err
	}
	d, err := s.x.Mediation.Get(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetOrderDisputeResponse{Dispute: orderDisputeToProto(d)}), nil
}

func orderDisputeToProto(d *store.OrderDispute) *hulianv1.OrderDispute {
	out := &hulianv1.OrderDispute{Id: d.ID, OrderId: d.Order, PartyId: d.Party, OtherId: d.Other, Reason: d.Reason, Suspended: d.Suspended,
		OpenedAt: timestamp(d.Opened), Status: d.Status, Evidence: d.Evidence, EvidenceAt: timestamp(d.EvidenceAt), Outcome: d.Outcome, SettledAt: timestamp(d.Settled)}
	for _, n := range d.Notes {
		out.Notes = append(out.Notes, &hulianv1.MediationNote{At: timestamp(n.At), By: n.By, Text: n.Text})
	}
	return out
}
