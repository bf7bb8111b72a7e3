package api

import (
	"context"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform"
)

// quotaService implements hulian.v1.QuotaService.
type quotaService struct{ p *platform.Platform }

func (s *quotaService) GetQuota(ctx context.Context, req *connect.Request[hulianv1.GetQuotaRequest]) (*connect.Response[hulianv1.GetQuotaResponse], error) {
	if err := checkID("member_id", "mem_", req.Msg.MemberId); err != nil {
		return nil, err
	}
	v, err := s.p.Quota(ctx, req.Msg.MemberId)
	if err != nil {
		return nil, err
	}
	all, err := s.p.QuotaNotifications(ctx, req.Msg.MemberId, false)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetQuotaResponse{Account: quotaToProto(v.Account, v.AvailableFen),
		Banner: notificationsToProto(v.Banner), Notifications: notificationsToProto(all)}), nil
}

// movementsWindow is how far back ListMovements reads when not told.
const movementsWindow = 30 * 24 * time.Hour

func (s *quotaService) ListMovements(ctx context.Context, req *connect.Request[hulianv1.ListMovementsRequest]) (*connect.Response[hulianv1.ListMovementsResponse], error) {
	if err := checkID("member_id", "mem_", req.Msg.MemberId); err != nil {
		return nil, err
	}
	since := time.Now().Add(-movementsWindow)
	if req.Msg.Since != nil {
		if err := req.Msg.Since.CheckValid(); err != nil {
			return nil, errs.Invalidf("since", "时间无效", "invalid time")
		}
		since = req.Msg.Since.AsTime()
	}
	ms, err := s.p.QuotaMovements(ctx, req.Msg.MemberId, since)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListMovementsResponse{Movements: make([]*hulianv1.Movement, 0, len(ms))}
	for _, m := range ms {
		res.Movements = append(res.Movements, movementToProto(m))
	}
	return connect.NewResponse(res), nil
}

func (s *quotaService) TopUp(ctx context.Context, req *connect.Request[hulianv1.TopUpRequest]) (*connect.Response[hulianv1.TopUpResponse], error) {
	if err := checkID("member_id", "mem_", req.Msg.MemberId); err != nil {
		return nil, err
	}
	if err := maxText("note", req.Msg.Note, 500); err != nil {
		return nil, err
	}
	a, err := s.p.TopUp(ctx, req.Msg.MemberId, req.Msg.AmountFen, req.Msg.PaymentReference, req.Msg.Note)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.TopUpResponse{Account: quotaToProto(a, a.Available(time.Now()))}), nil
}

func (s *quotaService) SetCredit(ctx context.Context, req *connect.Request[hulianv1.SetCreditRequest]) (*connect.Response[hulianv1.SetCreditResponse], error) {
	if err := checkID("member_id", "mem_", req.Msg.MemberId); err != nil {
		return nil, err
	}
	if req.Msg.Expires == nil || req.Msg.Expires.CheckValid() != nil {
		return nil, errs.Invalidf("expires", "须填写有效的到期时间", "a valid expiry is required")
	}
	if err := maxText("reason", req.Msg.Reason, 500); err != nil {
		return nil, err
	}
	a, err := s.p.SetCredit(ctx, req.Msg.MemberId, req.Msg.CreditFen, req.Msg.Expires.AsTime(), req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SetCreditResponse{Account: quotaToProto(a, a.Available(time.Now()))}), nil
}

func (s *quotaService) SetAlerts(ctx context.Context, req *connect.Request[hulianv1.SetAlertsRequest]) (*connect.Response[hulianv1.SetAlertsResponse], error) {
	if err := checkID("member_id", "mem_", req.Msg.MemberId); err != nil {
		return nil, err
	}
	a, secret, err := s.p.SetQuotaAlerts(ctx, req.Msg.MemberId, req.Msg.ThresholdFen, req.Msg.WebhookUrl)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SetAlertsResponse{Account: quotaToProto(a, a.Available(time.Now())), WebhookSecret: secret}), nil
}
