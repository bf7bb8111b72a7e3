package server_test

import (
	"context"
	"fmt"
	"sync"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/rpc/reqsign"
)

// fakeSupervision is the platform's public complaint procedure as a node
// calls it to hand a person's complaint over: it keeps what it was sent
// and by which member's node.
type fakeSupervision struct {
	hulianv1connect.UnimplementedSupervisionServiceHandler
	mu     sync.Mutex
	filed  []*hulianv1.FileComplaintRequest
	signer []string
}

func (f *fakeSupervision) FileComplaint(_ context.Context, req *connect.Request[hulianv1.FileComplaintRequest]) (*connect.Response[hulianv1.FileComplaintResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filed = append(f.filed, req.Msg)
	f.signer = append(f.signer, req.Header().Get(reqsign.HeaderMember))
	n := len(f.filed)
	return connect.NewResponse(&hulianv1.FileComplaintResponse{Id: fmt.Sprintf("cmp_test%d", n), Code: fmt.Sprintf("code-%d", n)}), nil
}

func (f *fakeSupervision) complaints() ([]*hulianv1.FileComplaintRequest, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*hulianv1.FileComplaintRequest(nil), f.filed...), append([]string(nil), f.signer...)
}
