package rpc

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/retry"
)

// Evaluator adapts the ExIDService client to the member's translator
// (exid.Evaluator): for `hulian exid`, the demo and a node's privacy
// centre alike.
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
		return FromConnect(err)
	})
	if err != nil {
		return nil, nil, err
	}
	return res.Msg.Evaluated, res.Msg.Proof, nil
}
