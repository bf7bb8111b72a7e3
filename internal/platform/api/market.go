package api

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/market"
	"hulian/internal/platform/store"
	"hulian/internal/platform/trading"
)

// marketService implements hulian.v1.MarketService.
type marketService struct{ mk *trading.Market }

func (s *marketService) PublishDemand(ctx context.Context, req *connect.Request[hulianv1.PublishDemandRequest]) (*connect.Response[hulianv1.PublishDemandResponse], error) {
	d, err := demandFromProto(req.Msg.Demand)
	if err != nil {
		return nil, err
	}
	if d, err = s.mk.PublishDemand(ctx, d); err != nil {
		return nil, inDemand(err)
	}
	return connect.NewResponse(&hulianv1.PublishDemandResponse{Demand: demandToProto(d)}), nil
}

// inDemand names a domain error's field as the request does.
func inDemand(err error) error {
	return within(err, "demand", map[string]bool{"title": true, "purpose": true, "scope": true, "scenario": true, "note": true,
		"method": true, "term": true, "term.start": true, "term.end": true, "categories": true, "tags": true, "enterprise_nature": true,
		"monthly_volume": true, "hit_rate_bp": true, "budget_fen": true})
}

func (s *marketService) WithdrawDemand(ctx context.Context, req *connect.Request[hulianv1.WithdrawDemandRequest]) (*connect.Response[hulianv1.WithdrawDemandResponse], error) {
	if err := checkID("id", "dem_", req.Msg.Id); err != nil {
		return nil, err
	}
	d, err := s.mk.WithdrawDemand(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.WithdrawDemandResponse{Demand: demandToProto(d)}), nil
}

func (s *marketService) GetDemand(ctx context.Context, req *connect.Request[hulianv1.GetDemandRequest]) (*connect.Response[hulianv1.GetDemandResponse], error) {
	if err := checkID("id", "dem_", req.Msg.Id); err != nil {
		return nil, err
	}
	d, err := s.mk.Demand(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetDemandResponse{Demand: demandToProto(d)}), nil
}

var demandStatuses = []market.DemandStatus{"", market.DemandOpen, market.DemandOrdered, market.DemandWithdrawn}

func (s *marketService) ListDemands(ctx context.Context, req *connect.Request[hulianv1.ListDemandsRequest]) (*connect.Response[hulianv1.ListDemandsResponse], error) {
	if !contains(demandStatuses, market.DemandStatus(req.Msg.Status)) {
		return nil, errs.Invalidf("status", "状态须为 open、ordered 或 withdrawn", "status must be open, ordered or withdrawn")
	}
	if req.Msg.Limit < 0 || req.Msg.Limit > 1000 {
		return nil, errInvalidLimit
	}
	ds, err := s.mk.Demands(ctx, store.DemandQuery{Mine: req.Msg.Mine, Status: market.DemandStatus(req.Msg.Status), Limit: int(req.Msg.Limit)})
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListDemandsResponse{Demands: make([]*hulianv1.Demand, 0, len(ds))}
	for _, d := range ds {
		res.Demands = append(res.Demands, demandToProto(d))
	}
	return connect.NewResponse(res), nil
}

func (s *marketService) Match(ctx context.Context, req *connect.Request[hulianv1.MatchRequest]) (*connect.Response[hulianv1.MatchResponse], error) {
	if err := checkID("demand_id", "dem_", req.Msg.DemandId); err != nil {
		return nil, err
	}
	m, err := s.mk.Match(ctx, req.Msg.DemandId)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(matchesToProto(ctx, m)), nil
}

func (s *marketService) MakeOffer(ctx context.Context, req *connect.Request[hulianv1.MakeOfferRequest]) (*connect.Response[hulianv1.MakeOfferResponse], error) {
	if err := checkID("demand_id", "dem_", req.Msg.DemandId); err != nil {
		return nil, err
	}
	if err := checkID("listing_id", "lst_", req.Msg.ListingId); err != nil {
		return nil, err
	}
	if err := maxText("note", req.Msg.Note, 2000); err != nil {
		return nil, err
	}
	o, err := s.mk.MakeOffer(ctx, req.Msg.DemandId, &market.Offer{
		ListingID: req.Msg.ListingId, Price: priceFromProto(req.Msg.Price), RetentionDays: int(req.Msg.RetentionDays),
		Traversal: traversalFromProto(req.Msg.Traversal), Note: req.Msg.Note,
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.MakeOfferResponse{Offer: offerToProto(o)}), nil
}

func (s *marketService) ListOffers(ctx context.Context, req *connect.Request[hulianv1.ListOffersRequest]) (*connect.Response[hulianv1.ListOffersResponse], error) {
	if err := checkID("demand_id", "dem_", req.Msg.DemandId); err != nil {
		return nil, err
	}
	vs, err := s.mk.Offers(ctx, req.Msg.DemandId)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListOffersResponse{Offers: make([]*hulianv1.OfferView, 0, len(vs))}
	for _, v := range vs {
		res.Offers = append(res.Offers, &hulianv1.OfferView{Offer: offerToProto(v.Offer), Listing: listingToProto(ctx, v.Listing), Estimate: billToProto(v.Estimate)})
	}
	return connect.NewResponse(res), nil
}

// SelectOffer passes only the offer's ID on: the price and the expected
// cost in the request are what the demander's screen showed, and the order
// is built from the stored offer whatever they say.
func (s *marketService) SelectOffer(ctx context.Context, req *connect.Request[hulianv1.SelectOfferRequest]) (*connect.Response[hulianv1.SelectOfferResponse], error) {
	if err := checkID("offer_id", "ofr_", req.Msg.OfferId); err != nil {
		return nil, err
	}
	o, err := s.mk.SelectOffer(ctx, req.Msg.OfferId)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SelectOfferResponse{Order: orderToProto(o)}), nil
}

// SignConfirmation signs over the terms' hash; the price in the request is
// not read: the hash binds the stored terms, price included.
func (s *marketService) SignConfirmation(ctx context.Context, req *connect.Request[hulianv1.SignConfirmationRequest]) (*connect.Response[hulianv1.SignConfirmationResponse], error) {
	if err := checkID("order_id", "ord_", req.Msg.OrderId); err != nil {
		return nil, err
	}
	side := market.Side(req.Msg.Side)
	if side != market.DemandSide && side != market.SupplySide {
		return nil, errs.Invalidf("side", "须为 demand（数据需求确认单）或 supply（数据供应确认单）", "side must be demand or supply")
	}
	if len(req.Msg.TermsHash) != 64 {
		return nil, errs.Invalidf("terms_hash", "内容摘要须为 64 位十六进制", "the terms hash is 64 hex digits")
	}
	o, err := s.mk.SignConfirmation(ctx, req.Msg.OrderId, side, req.Msg.TermsHash)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SignConfirmationResponse{Order: orderToProto(o)}), nil
}

func (s *marketService) GetOrder(ctx context.Context, req *connect.Request[hulianv1.GetOrderRequest]) (*connect.Response[hulianv1.GetOrderResponse], error) {
	if err := checkID("id", "ord_", req.Msg.Id); err != nil {
		return nil, err
	}
	o, bill, err := s.mk.OrderPreview(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	names, err := s.mk.Names(ctx, []*market.Order{o})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetOrderResponse{Order: namedOrder(o, names), Preview: billToProto(bill)}), nil
}

var orderStatuses = []market.Status{"", market.Pending, market.Active, market.Expired, market.Suspended, market.Terminated}

func (s *marketService) ListOrders(ctx context.Context, req *connect.Request[hulianv1.ListOrdersRequest]) (*connect.Response[hulianv1.ListOrdersResponse], error) {
	if !contains(orderStatuses, market.Status(req.Msg.Status)) {
		return nil, errs.Invalidf("status", "状态须为 pending_signatures、active、expired、suspended 或 terminated", "status must be pending_signatures, active, expired, suspended or terminated")
	}
	if req.Msg.Limit < 0 || req.Msg.Limit > 1000 {
		return nil, errInvalidLimit
	}
	os, err := s.mk.Orders(ctx, store.OrderQuery{Status: market.Status(req.Msg.Status), Limit: int(req.Msg.Limit)})
	if err != nil {
		return nil, err
	}
	names, err := s.mk.Names(ctx, os)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListOrdersResponse{Orders: make([]*hulianv1.Order, 0, len(os))}
	for _, o := range os {
		res.Orders = append(res.Orders, namedOrder(o, names))
	}
	return connect.NewResponse(res), nil
}

func (s *marketService) SuspendOrder(ctx context.Context, req *connect.Request[hulianv1.SuspendOrderRequest]) (*connect.Response[hulianv1.SuspendOrderResponse], error) {
	o, err := s.step(ctx, req.Msg.Id, req.Msg.Reason, s.mk.SuspendOrder)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SuspendOrderResponse{Order: o}), nil
}

func (s *marketService) ResumeOrder(ctx context.Context, req *connect.Request[hulianv1.ResumeOrderRequest]) (*connect.Response[hulianv1.ResumeOrderResponse], error) {
	o, err := s.step(ctx, req.Msg.Id, "", func(ctx context.Context, id, _ string) (*market.Order, error) { return s.mk.ResumeOrder(ctx, id) })
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ResumeOrderResponse{Order: o}), nil
}

func (s *marketService) TerminateOrder(ctx context.Context, req *connect.Request[hulianv1.TerminateOrderRequest]) (*connect.Response[hulianv1.TerminateOrderResponse], error) {
	o, err := s.step(ctx, req.Msg.Id, req.Msg.Reason, s.mk.TerminateOrder)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.TerminateOrderResponse{Order: o}), nil
}

// step runs an operator's step on an order.
func (s *marketService) step(ctx context.Context, id, reason string, fn func(context.Context, string, string) (*market.Order, error)) (*hulianv1.Order, error) {
	if err := checkID("id", "ord_", id); err != nil {
		return nil, err
	}
	if err := maxText("reason", reason, 500); err != nil {
		return nil, err
	}
	o, err := fn(ctx, id, reason)
	if err != nil {
		return nil, err
	}
	return orderToProto(o), nil
}

func (s *marketService) RenewOrder(ctx context.Context, req *connect.Request[hulianv1.RenewOrderRequest]) (*connect.Response[hulianv1.RenewOrderResponse], error) {
	if err := checkID("id", "ord_", req.Msg.Id); err != nil {
		return nil, err
	}
	term, err := termFromProto("term", req.Msg.Term)
	if err != nil {
		return nil, err
	}
	o, err := s.mk.RenewOrder(ctx, req.Msg.Id, term)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RenewOrderResponse{Order: orderToProto(o)}), nil
}
