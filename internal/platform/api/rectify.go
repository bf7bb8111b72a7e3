package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/rectify"
)

// DeliveryService's notices of corrections and deletions (package rectify).

func (s *deliveryService) SendRectification(ctx context.Context, req *connect.Request[hulianv1.SendRectificationRequest]) (*connect.Response[hulianv1.SendRectificationResponse], error) {
	m := req.Msg
	if err := checkID("notice_id", "rn_", m.NoticeId); err != nil {
		return nil, err
	}
	if err := checkID("order_id", "ord_", m.OrderId); err != nil {
		return nil, err
	}
	seq, err := s.rectify.Send(ctx, rectify.Notice{ID: m.NoticeId, OrderID: m.OrderId, Action: m.Action, Subjects: int64(m.Count),
		Sealed: m.Sealed, Authenticator: m.Authenticator})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SendRectificationResponse{Seq: seq}), nil
}

func (s *deliveryService) PendingRectifications(ctx context.Context, req *connect.Request[hulianv1.PendingRectificationsRequest]) (*connect.Response[hulianv1.PendingRectificationsResponse], error) {
	rs, err := s.rectify.Pending(ctx, int(min(req.Msg.Limit, rectify.MaxPending)))
	if err != nil {
		return nil, err
	}
	out := &hulianv1.PendingRectificationsResponse{}
	for _, r := range rs {
		out.Notices = append(out.Notices, &hulianv1.Rectification{NoticeId: r.NoticeID, OrderId: r.OrderID, Supplier: r.Supplier,
			Action: r.Action, Count: uint32(r.Subjects), Sealed: r.Sealed, Authenticator: r.Authenticator, SentSeq: r.SentSeq,
			SentAt: timestamppb.New(r.SentAt)})
	}
	return connect.NewResponse(out), nil
}

func (s *deliveryService) AttestRectification(ctx context.Context, req *connect.Request[hulianv1.AttestRectificationRequest]) (*connect.Response[hulianv1.AttestRectificationResponse], error) {
	m := req.Msg
	if err := checkID("notice_id", "rn_", m.NoticeId); err != nil {
		return nil, err
	}
	seq, err := s.rectify.Attest(ctx, m.NoticeId, int64(min(m.Applied, 1<<53)), int64(min(m.Absent, 1<<53)))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.AttestRectificationResponse{Seq: seq}), nil
}
