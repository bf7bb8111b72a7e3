package node

import (
	"context"

	"hulian/internal/errs"
)

// Complaint is a data subject's complaint the node hands over to the
// exchange operator (X-G3) on the person's behalf, as its public form
// would take it.
type Complaint struct {
	Complainant string // the person's name, as they give it
	Contact     string // how the operator reaches them
	Concerns    string // what it is about: this member, and the request
	Description string
}

// ComplaintPlatform is a platform client that files complaints with the
// operator.
type ComplaintPlatform interface {
	// FileComplaint files c and returns the platform's complaint ID and the
	// code its status is followed with (shown once; the platform keeps
	// only its hash).
	FileComplaint(ctx context.Context, c Complaint) (id, code string, err error)
}

// FileComplaint hands a complaint over to the exchange operator.
func (n *Node) FileComplaint(ctx context.Context, c Complaint) (id, code string, err error) {
	if n.platform == nil {
		return "", "", errNotConfigured()
	}
	cp, ok := n.platform.(ComplaintPlatform)
	if !ok {
		return "", "", errs.New(errs.FailedPrecondition, "--platform", "平台客户端不支持转交投诉", "the platform client cannot hand complaints over")
	}
	return cp.FileComplaint(ctx, c)
}
