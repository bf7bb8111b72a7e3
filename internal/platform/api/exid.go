package api

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/platform/issuance"
	"hulian/internal/retry"
	"hulian/internal/rpc"
)

// exidService implements hulian.v1.ExIDService.
type exidService struct{ iss *issuance.Issuer }

func (s *exidService) PublicKeys(ctx context.Context, _ *connect.Request[hulianv1.PublicKeysRequest]) (*connect.Response[hulianv1.PublicKeysResponse], error) {
	res := &hulianv1.PublicKeysResponse{Suite: "ristretto255-SHA512"}
	for _, k := range s.iss.PublicKeys() {
		res.Keys = append(res.Keys, &hulianv1.OPRFPublicKey{Epoch: uint32(k.Epoch), Key: k.Key, Current: k.Current})
	}
	return connect.NewResponse(res), nil
}

func (s *exidService) Evaluate(ctx context.Context, req *connect.Request[hulianv1.EvaluateRequest]) (*connect.Response[hulianv1.EvaluateResponse], error) {
	if req.Msg.Epoch > 255 {
		return nil, errs.Invalidf("epoch", "纪元须在 0 到 255 之间", "epoch ranges from 0 to 255")
	}
	ev, err := s.iss.Evaluate(ctx, int(req.Msg.Epoch), req.Msg.Blinded, req.Msg.RequestId)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.EvaluateResponse{Epoch: uint32(ev.Epoch), Evaluated: ev.Evaluated, Proof: ev.Proof, UsedToday: ev.UsedToday}), nil
}

func (s *exidService) RotateKey(ctx context.Context, _ *connect.Request[hulianv1.RotateKeyRequest]) (*connect.Response[hulianv1.RotateKeyResponse], error) {
	epoch, err := s.iss.RotateKey(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RotateKeyResponse{Epoch: uint32(epoch)}), nil
}

// Evaluator adapts the ExIDService client to the member's translator
// (exid.Evaluator).
//
// Each batch gets its own request ID, so that Retry can send it again
// while the platform is unavailable without the member being metered or
// charged twice for it.
type Evaluator struct {
	Client hulianv1connect.ExIDServiceClient
	Retry  retry.Policy
}

func (e Evaluator) Evaluate(ctx context.Context, epoch int, blinded [][]byte) ([][]byte, []byte, error) {
	req := &hulianv1.EvaluateRequest{Epoch: uint32(epoch), Blinded: blinded, RequestId: auth.NewID("exr_")}
	var res *connect.Response[hulianv1.EvaluateResponse]
	err := e.Retry.Do(ctx, func(ctx context.Context) (err error) {
		res, err = e.Client.Evaluate(ctx, connect.NewRequest(req))
		return rpc.FromConnect(err)
	})
	if err != nil {
		return nil, nil, err
	}
	return res.Msg.Evaluated, res.Msg.Proof, nil
}
