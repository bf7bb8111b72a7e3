package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/httpserve"
	"hulian/internal/i18n"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/evidence"
	"hulian/internal/rpc"
)

// MaxDeliverBytes is the largest Deliver request: a batch chunk of
// platform.MaxChunkTokens tokens and the message around it. Only Deliver
// accepts it; the service's other procedures keep MaxRequestBytes.
const MaxDeliverBytes = platform.MaxChunkTokens*platform.TokenSize + 64<<10

// MaxAnswerBytes bounds a supplier node's sealed answer the relay reads.
const MaxAnswerBytes = 256 << 20

// mountDelivery registers DeliveryService with the larger read limit for
// Deliver alone.
func mountDelivery(mux *http.ServeMux, p *platform.Platform, opts []connect.HandlerOption) {
	svc := &deliveryService{p: p}
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
type deliveryService struct{ p *platform.Platform }

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
		MaxTokens: uint32(op.MaxTokens), VerifierKey: op.VerifierKey,
	}), nil
}

func (s *deliveryService) Deliver(ctx context.Context, req *connect.Request[hulianv1.DeliverRequest]) (*connect.Response[hulianv1.DeliverResponse], error) {
	if err := checkID("order_id", "ord_", req.Msg.OrderId); err != nil {
		return nil, err
	}
	res, err := s.p.Deliver(ctx, req.Msg.OrderId, req.Msg.RequestId, req.Msg.Tokens, req.Msg.Authenticator)
	if err != nil {
		return nil, err
	}
	d := res.Delivery
	return connect.NewResponse(&hulianv1.DeliverResponse{
		Sealed: res.Sealed, Queried: uint64(d.Queried), Matched: uint64(d.Matched), ChargeFen: d.ChargeFen,
		Receipt: d.Receipt, RetainUntil: d.RetainUntil, Replayed: res.Replayed,
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
	ds, err := s.p.Deliveries(ctx, platform.DeliveryQuery{OrderID: req.Msg.OrderId, OverdueOnly: req.Msg.OverdueOnly, Limit: int(req.Msg.Limit)})
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

// NodeAnswerer is the relay's client of supplier nodes' AnswerService:
// Connect with binary Protobuf, each request carrying the platform's
// Hulian-Relay signature over its exact body.
type NodeAnswerer struct {
	client *http.Client
}

// NewNodeAnswerer returns an answerer over base (http.DefaultTransport if
// nil). The relay bounds each call's time with its context.
func NewNodeAnswerer(base http.RoundTripper) *NodeAnswerer {
	if base == nil {
		base = http.DefaultTransport
	}
	return &NodeAnswerer{client: &http.Client{Transport: &relayTransport{base: base}}}
}

type relaySignKey struct{}

// relayTransport signs the body it sends with the function in the
// request's context: the signature must cover the bytes on the wire, which
// only exist once Connect has encoded the message.
type relayTransport struct{ base http.RoundTripper }

func (t *relayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	sign, _ := r.Context().Value(relaySignKey{}).(func([]byte) (string, error))
	if sign == nil {
		return nil, errors.New("relay: no signer in the request context")
	}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = httpserve.ReadBody(r.Body, r.ContentLength, MaxDeliverBytes)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	h, err := sign(body)
	if err != nil {
		return nil, err
	}
	out := r.Clone(r.Context())
	out.Header.Set(evidence.HeaderRelay, h)
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.base.RoundTrip(out)
}

// Answer implements platform.Answerer.
func (a *NodeAnswerer) Answer(ctx context.Context, endpoint string, req *platform.AnswerRequest, sign func([]byte) (string, error)) (*platform.Answer, error) {
	c := hulianv1connect.NewAnswerServiceClient(a.client, strings.TrimSuffix(endpoint, "/"), connect.WithReadMaxBytes(MaxAnswerBytes))
	res, err := c.Answer(context.WithValue(ctx, relaySignKey{}, sign), connect.NewRequest(&hulianv1.AnswerRequest{
		OrderId: req.OrderID, RequestId: req.RequestID, ListingId: req.ListingID, DemanderMember: req.Demander,
		DemanderX25519PublicKey: req.DemanderX25519, Columns: req.Columns, Tokens: req.Tokens, Authenticator: req.Authenticator,
	}))
	if err != nil {
		return nil, answerError(err)
	}
	m := res.Msg
	return &platform.Answer{Sealed: m.Sealed, Queried: m.Queried, Matched: m.Matched, Signature: m.Signature}, nil
}

// answerError says what a supplier node's failure was: unreachable or
// timed out (Unavailable), or a refusal with the node's reason. The node's
// Connect error is not kept in the chain: it would be taken for the
// platform's own answer to the demander.
func answerError(err error) error {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return &errs.Error{Kind: errs.Unavailable, Reason: i18n.T("无法连接："+err.Error(), "cannot connect: "+err.Error())}
	}
	switch ce.Code() {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeCanceled, connect.CodeUnknown, connect.CodeUnimplemented:
		return &errs.Error{Kind: errs.Unavailable, Reason: i18n.T("节点不可用（"+ce.Code().String()+"）："+ce.Message(), "the node is unavailable ("+ce.Code().String()+"): "+ce.Message())}
	}
	zh, en := ce.Message(), ce.Message()
	if d := rpc.Detail(err); d != nil && d.ReasonZh != "" {
		zh, en = d.ReasonZh, d.ReasonEn
		if d.Field != "" {
			zh, en = d.Field+"："+zh, d.Field+": "+en
		}
	}
	return &errs.Error{Kind: errs.FailedPrecondition, Reason: i18n.T("节点拒绝应答（"+ce.Code().String()+"）："+zh, "the node refused ("+ce.Code().String()+"): "+en)}
}
