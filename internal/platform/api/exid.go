package api

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/issuance"
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
