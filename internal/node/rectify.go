package node

import (
	"context"
	"time"

	"hulian/internal/errs"
)

// RectificationNotice is a supplier's sealed notice of corrections or
// deletions as the platform passes it to the demander (X-P4, O-4).
type RectificationNotice struct {
	ID            string
	OrderID       string
	Supplier      string
	Action        string // delete, correct
	Subjects      int
	Sealed        []byte
	Authenticator []byte
	SentSeq       int64
	SentAt        time.Time
}

// RectifyPlatform is a platform client that passes notices of corrections
// and deletions between the nodes of an order.
type RectifyPlatform interface {
	// SendRectification hands a sealed notice to the platform for the
	// order's demander and returns the log entry's sequence number.
	SendRectification(ctx context.Context, n RectificationNotice) (seq int64, err error)
	// PendingRectifications lists the notices for this node not yet
	// attested, oldest first.
	PendingRectifications(ctx context.Context) ([]RectificationNotice, error)
	// AttestRectification records that this node applied a notice.
	AttestRectification(ctx context.Context, noticeID string, applied, absent int64) (seq int64, err error)
}

// Rectify returns the platform client's notice calls.
func (n *Node) Rectify() (RectifyPlatform, error) {
	if n.platform == nil {
		return nil, errNotConfigured()
	}
	rp, ok := n.platform.(RectifyPlatform)
	if !ok {
		return nil, errs.New(errs.FailedPrecondition, "--platform", "平台客户端不支持更正与删除通知", "the platform client cannot pass correction and deletion notices")
	}
	return rp, nil
}
