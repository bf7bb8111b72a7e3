package platformclient

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/node"
)

// The node's delivery calls (node.DeliveryPlatform), signed with its key.

var _ node.DeliveryPlatform = (*connectPlatform)(nil)

func (p *connectPlatform) RegisterEndpoint(ctx context.Context, url string) (string, error) {
	res, err := p.signed.Delivery.RegisterEndpoint(ctx, connect.NewRequest(&hulianv1.RegisterEndpointRequest{Url: url}))
	if err != nil {
		return "", fromConnect(err)
	}
	return res.Msg.GetVerifierKey(), nil
}

func (p *connectPlatform) OrderPeer(ctx context.Context, orderID string) (*node.OrderPeer, error) {
	res, err := p.signed.Delivery.GetOrderPeer(ctx, connect.NewRequest(&hulianv1.GetOrderPeerRequest{OrderId: orderID}))
	if err != nil {
		return nil, fromConnect(err)
	}
	m := res.Msg
	return &node.OrderPeer{OrderID: m.GetOrderId(), Side: m.GetSide(), PeerMember: m.GetPeerMember(), PeerX25519: m.GetPeerX25519PublicKey(),
		ListingID: m.GetListingId(), Method: m.GetMethod(), RetentionDays: int(m.GetRetentionDays()), Columns: m.GetColumns(),
		MaxTokens: int(m.GetMaxTokens()), VerifierKey: m.GetVerifierKey(), Verification: m.GetVerification(),
		PeerKeyReceipt: m.GetPeerKeyReceipt()}, nil
}

func (p *connectPlatform) Deliver(ctx context.Context, orderID, requestID string, tokens, authenticator []byte, az node.Authorisations) (*node.Delivered, error) {
	res, err := p.bulk.Deliver(ctx, connect.NewRequest(&hulianv1.DeliverRequest{OrderId: orderID, RequestId: requestID, Tokens: tokens, Authenticator: authenticator,
		Authorisations: az.Commitments, AuthorisationLevel: uint32(az.Level)}))
	if err != nil {
		return nil, fromConnect(err)
	}
	m := res.Msg
	return &node.Delivered{Sealed: m.GetSealed(), Queried: m.GetQueried(), Matched: m.GetMatched(), ChargeFen: m.GetChargeFen(),
		Receipt: m.GetReceipt(), RetainUntil: m.GetRetainUntil(), Replayed: m.GetReplayed(), FirstChargeFen: m.GetFirstChargeFen()}, nil
}

func (p *connectPlatform) AttestDestruction(ctx context.Context, orderID string, requestIDs []string, reason string, at time.Time) (int64, error) {
	res, err := p.signed.Delivery.AttestDestruction(ctx, connect.NewRequest(&hulianv1.AttestDestructionRequest{
		OrderId: orderID, RequestIds: requestIDs, Reason: reason, DestroyedAt: timestamppb.New(at)}))
	if err != nil {
		return 0, fromConnect(err)
	}
	return res.Msg.GetSeq(), nil
}
