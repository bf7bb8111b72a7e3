package server_test

import (
	"context"
	"crypto/rand"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/protocol/exid"
	"hulian/internal/protocol/ident"
	"hulian/internal/protocol/oprf"
)

// fakeExID is the platform's exID issuance with a key of its own: the
// real OPRF evaluation and batched proof, without metering.
type fakeExID struct {
	hulianv1connect.UnimplementedExIDServiceHandler
	key   *oprf.PrivateKey
	calls atomic.Int32
}

func newFakeExID(t *testing.T) *fakeExID {
	k, err := oprf.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeExID{key: k}
}

func (f *fakeExID) PublicKeys(context.Context, *connect.Request[hulianv1.PublicKeysRequest]) (*connect.Response[hulianv1.PublicKeysResponse], error) {
	pk, _ := f.key.Public().MarshalBinary()
	return connect.NewResponse(&hulianv1.PublicKeysResponse{Keys: []*hulianv1.OPRFPublicKey{{Epoch: 1, Key: pk, Current: true}}}), nil
}

func (f *fakeExID) Evaluate(ctx context.Context, req *connect.Request[hulianv1.EvaluateRequest]) (*connect.Response[hulianv1.EvaluateResponse], error) {
	f.calls.Add(1)
	ev, proof, err := f.evaluate(ctx, 1, req.Msg.Blinded)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	return connect.NewResponse(&hulianv1.EvaluateResponse{Evaluated: ev, Proof: proof}), nil
}

// evaluate is the exid.Evaluator of the same key, in process.
func (f *fakeExID) evaluate(_ context.Context, _ int, blinded [][]byte) ([][]byte, []byte, error) {
	elems := make([]oprf.Element, len(blinded))
	for i, b := range blinded {
		if err := elems[i].UnmarshalBinary(b); err != nil {
			return nil, nil, err
		}
	}
	ev, proof, err := oprf.BlindEvaluateBatch(f.key, elems, rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	out := make([][]byte, len(ev))
	for i, e := range ev {
		out[i], _ = e.MarshalBinary()
	}
	p, _ := proof.MarshalBinary()
	return out, p, nil
}

type evalFunc func(context.Context, int, [][]byte) ([][]byte, []byte, error)

func (e evalFunc) Evaluate(ctx context.Context, epoch int, blinded [][]byte) ([][]byte, []byte, error) {
	return e(ctx, epoch, blinded)
}

// exidOf is raw's exID under the fake's key, computed as a member would.
func (f *fakeExID) exidOf(t *testing.T, typ ident.Type, raw string) exid.ExID {
	t.Helper()
	tr := &exid.Translator{Eval: evalFunc(f.evaluate), Epoch: 1, Key: f.key.Public(), Type: typ}
	res, err := tr.Translate(context.Background(), []string{raw})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res[0].Err)
	}
	return res[0].ExID
}
