package platformclient

import (
	"context"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/node"
)

// FileComplaint files a person's complaint with the operator through the
// platform's public complaint procedure, signed by the node: the same
// procedure anyone may call, so the operator handles it as any other.
func (p *connectPlatform) FileComplaint(ctx context.Context, c node.Complaint) (string, string, error) {
	res, err := p.supervision.FileComplaint(ctx, connect.NewRequest(&hulianv1.FileComplaintRequest{Kind: "privacy", Complainant: c.Complainant,
		Contact: c.Contact, Concerns: c.Concerns, Description: c.Description}))
	if err != nil {
		return "", "", fromConnect(err)
	}
	return res.Msg.Id, res.Msg.Code, nil
}
