package platformclient

import (
	"context"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/node"
)

// The node's calls for notices of corrections and deletions
// (node.RectifyPlatform), signed with its key.

var _ node.RectifyPlatform = (*connectPlatform)(nil)

func (p *connectPlatform) SendRectification(ctx context.Context, n node.RectificationNotice) (int64, error) {
	res, err := p.signed.Delivery.SendRectification(ctx, connect.NewRequest(&hulianv1.SendRectificationRequest{NoticeId: n.ID, OrderId: n.OrderID,
		Action: n.Action, Count: uint32(n.Subjects), Sealed: n.Sealed, Authenticator: n.Authenticator}))
	if err != nil {
		return 0, fromConnect(err)
	}
	return res.Msg.GetSeq(), nil
}

func (p *connectPlatform) PendingRectifications(ctx context.Context) ([]node.RectificationNotice, error) {
	res, err := p.signed.Delivery.PendingRectifications(ctx, connect.NewRequest(&hulianv1.PendingRectificationsRequest{}))
	if err != nil {
		return nil, fromConnect(err)
	}
	var out []node.RectificationNotice
	for _, r := range res.Msg.GetNotices() {
		out = append(out, node.RectificationNotice{ID: r.GetNoticeId(), OrderID: r.GetOrderId(), Supplier: r.GetSupplier(), Action: r.GetAction(),
			Subjects: int(r.GetCount()), Sealed: r.GetSealed(), Authenticator: r.GetAuthenticator(), SentSeq: r.GetSentSeq(), SentAt: r.GetSentAt().AsTime()})
	}
	return out, nil
}

func (p *connectPlatform) AttestRectification(ctx context.Context, noticeID string, applied, absent int64) (int64, error) {
	res, err := p.signed.Delivery.AttestRectification(ctx, connect.NewRequest(&hulianv1.AttestRectificationRequest{NoticeId: noticeID,
		Applied: uint64(applied), Absent: uint64(absent)}))
	if err != nil {
		return 0, fromConnect(err)
	}
	return res.Msg.GetSeq(), nil
}
