package api

import (
	"context"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/store"
)

// supervisionService implements hulian.v1.SupervisionService over the
// halts and sanctions rooms and the members' notices.
type supervisionService struct{ x *exchange.Exchange }

func (s *supervisionService) StartHalt(ctx context.Context, req *connect.Request[hulianv1.StartHaltRequest]) (*connect.Response[hulianv1.StartHaltResponse], error) {
	m := req.Msg
	h, err := s.x.Halts.Start(ctx, m.Scope, m.Target, m.Cause, m.Notice)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.StartHaltResponse{Halt: haltToProto(h)}), nil
}

func (s *supervisionService) LiftHalt(ctx context.Context, req *connect.Request[hulianv1.LiftHaltRequest]) (*connect.Response[hulianv1.LiftHaltResponse], error) {
	if err := checkID("id", "hlt_", req.Msg.Id); err != nil {
		return nil, err
	}
	h, err := s.x.Halts.Lift(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.LiftHaltResponse{Halt: haltToProto(h)}), nil
}

func (s *supervisionService) ImposeSanction(ctx context.Context, req *connect.Request[hulianv1.ImposeSanctionRequest]) (*connect.Response[hulianv1.ImposeSanctionResponse], error) {
	m := req.Msg
	if err := checkID("member_id", "mem_", m.MemberId); err != nil {
		return nil, err
	}
	sn, err := s.x.Sanctions.Impose(ctx, sanctions.Measure{Member: m.MemberId, Kind: m.Kind, Public: m.Public, Basis: m.Basis, Reason: m.Reason,
		AuthorityRef: m.AuthorityRef, CorrectBy: m.CorrectBy})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ImposeSanctionResponse{Sanction: sanctionToProto(sn)}), nil
}

func (s *supervisionService) LiftSanction(ctx context.Context, req *connect.Request[hulianv1.LiftSanctionRequest]) (*connect.Response[hulianv1.LiftSanctionResponse], error) {
	if err := checkID("id", "snc_", req.Msg.Id); err != nil {
		return nil, err
	}
	sn, err := s.x.Sanctions.Lift(ctx, req.Msg.Id, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.LiftSanctionResponse{Sanction: sanctionToProto(sn)}), nil
}

func (s *supervisionService) ListSanctions(ctx context.Context, req *connect.Request[hulianv1.ListSanctionsRequest]) (*connect.Response[hulianv1.ListSanctionsResponse], error) {
	if m := req.Msg.MemberId; m != "" {
		if err := checkID("member_id", "mem_", m); err != nil {
			return nil, err
		}
	}
	ss, err := s.x.Sanctions.List(ctx, req.Msg.MemberId)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListSanctionsResponse{Sanctions: make([]*hulianv1.Sanction, 0, len(ss))}
	for _, sn := range ss {
		res.Sanctions = append(res.Sanctions, sanctionToProto(sn))
	}
	return connect.NewResponse(res), nil
}

func (s *supervisionService) ListNotices(ctx context.Context, req *connect.Request[hulianv1.ListNoticesRequest]) (*connect.Response[hulianv1.ListNoticesResponse], error) {
	if m := req.Msg.MemberId; m != "" {
		if err := checkID("member_id", "mem_", m); err != nil {
			return nil, err
		}
	}
	ns, err := s.x.Notices(ctx, req.Msg.MemberId)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListNoticesResponse{Notices: make([]*hulianv1.Notice, 0, len(ns))}
	for _, n := range ns {
		res.Notices = append(res.Notices, &hulianv1.Notice{Id: n.ID, Kind: n.Kind, Object: n.Object, TitleZh: n.TitleZH, TitleEn: n.TitleEN, Body: n.Body,
			CreatedAt: timestamp(n.Created), ReadAt: timestamp(n.Read)})
	}
	return connect.NewResponse(res), nil
}

func (s *supervisionService) GetAnnouncements(ctx context.Context, req *connect.Request[hulianv1.GetAnnouncementsRequest]) (*connect.Response[hulianv1.GetAnnouncementsResponse], error) {
	hs, err := s.x.Halts.List(ctx, false)
	if err != nil {
		return nil, err
	}
	ws, err := s.x.Sanctions.Published(ctx)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.GetAnnouncementsResponse{}
	for _, h := range hs {
		res.Halts = append(res.Halts, haltToProto(h))
	}
	for _, w := range ws {
		res.Warnings = append(res.Warnings, sanctionToProto(w))
	}
	return connect.NewResponse(res), nil
}

func haltToProto(h *store.Halt) *hulianv1.Halt {
	return &hulianv1.Halt{Id: h.ID, Scope: h.Scope, Target: h.Target, Cause: h.Cause, Notice: h.Notice, StartedAt: timestamp(h.Started), LiftedAt: timestamp(h.Lifted)}
}

func sanctionToProto(s *store.Sanction) *hulianv1.Sanction {
	return &hulianv1.Sanction{Id: s.ID, MemberId: s.Member, Kind: s.Kind, Public: s.Public, Basis: s.Basis, Reason: s.Reason,
		AuthorityRef: s.AuthorityRef, CorrectBy: s.CorrectBy, ImposedAt: timestamp(s.Imposed), LiftedAt: timestamp(s.Lifted)}
}
