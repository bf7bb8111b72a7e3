package api

import (
	"context"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/platform/rectify"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/authz"
)

// MaxDeliverBytes is the largest Deliver request: a batch chunk of
// relay.MaxChunkTokens tokens and the message around it. Only Deliver
// accepts it; the service's other procedures keep MaxRequestBytes.
const MaxDeliverBytes = relay.MaxChunkTokens*relay.TokenSize + 64<<10

// mountDelivery registers DeliveryService with the larger read limit for
// Deliver alone.
func mountDelivery(mux *http.ServeMux, r *relay.Relay, rc *rectify.Rectify, opts []connect.HandlerOption) {
	svc := &deliveryService{p: r, rectify: rc}
	path, small := hulianv1connect.NewDeliveryServiceHandler(svc, opts...)
	_, big := hulianv1connect.NewDeliveryServiceHandler(svc, append(opts[:len(opts):len(opts)], connect.WithReadMaxBytes(MaxDeliverBytes))...)
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == hulianv1connect.DeliveryServiceDeliverProcedure {
			big.ServeHTTP(w, r)
			return
		}
		small.ServeHTTP(w, r)
	}))
}

// deliveryService implements hulian.v1.DeliveryService.
type deliveryService struct {
	p       *relay.Relay
	rectify *rectify.Rectify // the notices of corrections and deletions (rectify.go)
}

func (s *deliveryService) RegisterEndpoint(ctx context.Context, req *connect.Request[hulianv1.RegisterEndpointRequest]) (*connect.Response[hulianv1.RegisterEndpointResponse], error) {
	u, vkey, err := s.p.RegisterEndpoint(ctx, req.Msg.Url)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RegisterEndpointResponse{Url: u, VerifierKey: vkey}), nil
}

func (s *deliveryService) GetOrderPeer(ctx context.Context, req *connect.Request[hulianv1.GetOrderPeerRequest]) (*connect.Response[hulianv1.GetOrderPeerResponse], error) {
	if err := checkID("order_id", "ord_", req.Msg.OrderId); err != nil {
		return nil, err
	}
	op, err := s.p.GetOrderPeer(ctx, req.Msg.OrderId)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetOrderPeerResponse{
		OrderId: op.OrderID, Side: string(op.Side), PeerMember: op.PeerMember, PeerX25519PublicKey: op.PeerX25519,
		ListingId: op.ListingID, Method: string(op.Method), RetentionDays: uint32(op.RetentionDays), Columns: op.Columns,
		MaxTokens: uint32(op.MaxTokens), VerifierKey: op.VerifierKey, Verification: op.Verification, PeerKeyReceipt: op.PeerKeyReceipt,
	}), nil
}

func (s *deliveryService) Deliver(ctx context.Context, req *connect.Request[hulianv1.DeliverRequest]) (*connect.Response[hulianv1.DeliverResponse], error) {
	if err := checkID("order_id", "ord_", req.Msg.OrderId); err != nil {
		return nil, err
	}
	az := relay.Authorisations{Commitments: req.Msg.Authorisations, Level: authz.Level(min(req.Msg.AuthorisationLevel, 255))}
	res, err := s.p.Deliver(ctx, req.Msg.OrderId, req.Msg.RequestId, req.Msg.Tokens, req.Msg.Authenticator, az)
	if err != nil {
		return nil, err
	}
	d := res.Delivery
	return connect.NewResponse(&hulianv1.DeliverResponse{
		Sealed: res.Sealed, Queried: uint64(d.Queried), Matched: uint64(d.Matched), ChargeFen: d.ChargeFen,
		Receipt: d.Receipt, RetainUntil: d.RetainUntil, Replayed: res.Replayed, FirstChargeFen: res.FirstChargeFen,
	}), nil
}

func (s *deliveryService) AttestDestruction(ctx context.Context, req *connect.Request[hulianv1.AttestDestructionRequest]) (*connect.Response[hulianv1.AttestDestructionResponse], error) {
	if err := checkID("order_id", "ord_", req.Msg.OrderId); err != nil {
		return nil, err
	}
	var at time.Time
	if ts := req.Msg.DestroyedAt; ts != nil {
		if err := ts.CheckValid(); err != nil {
			return nil, errs.Invalidf("destroyed_at", "销毁时间无效", "invalid destruction time")
		}
		at = ts.AsTime()
	}
	a, err := s.p.AttestDestruction(ctx, req.Msg.OrderId, req.Msg.RequestIds, req.Msg.Reason, at)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.AttestDestructionResponse{Seq: a.Seq, Recorded: uint32(a.Recorded)}), nil
}

func (s *deliveryService) ListDeliveries(ctx context.Context, req *connect.Request[hulianv1.ListDeliveriesRequest]) (*connect.Response[hulianv1.ListDeliveriesResponse], error) {
	if req.Msg.OrderId != "" {
		if err := checkID("order_id", "ord_", req.Msg.OrderId); err != nil {
			return nil, err
		}
	}
	if req.Msg.Limit > 1000 {
		return nil, errInvalidLimit
	}
	ds, err := s.p.Deliveries(ctx, relay.DeliveryQuery{OrderID: req.Msg.OrderId, OverdueOnly: req.Msg.OverdueOnly, Limit: int(req.Msg.Limit)})
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListDeliveriesResponse{Deliveries: make([]*hulianv1.Delivery, 0, len(ds))}
	for _, d := range ds {
		res.Deliveries = append(res.Deliveries, deliveryToProto(d))
	}
	return connect.NewResponse(res), nil
}

func deliveryToProto(d *store.Delivery) *hulianv1.Delivery {
	out := &hulianv1.Delivery{
		OrderId: d.OrderID, RequestId: d.RequestID, Demander: d.Demander, Supplier: d.Supplier,
		Queried: uint64(d.Queried), Matched: uint64(d.Matched), ChargeFen: d.ChargeFen, Commitment: d.Commitment,
		DeliveredAt: timestamppb.New(d.DeliveredAt), RetainUntil: d.RetainUntil, Seq: d.Seq,
	}
	if !d.DestroyedAt.IsZero() {
		out.DestroyedAt = timestamppb.New(d.DestroyedAt)
	}
	return out
}
