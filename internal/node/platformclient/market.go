package platformclient

import (
	"context"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/node"
)

var _ node.MarketPlatform = (*connectPlatform)(nil)

// Orders lists the member's orders, as many as the platform returns in one
// page (its maximum), newest first.
func (p *connectPlatform) Orders(ctx context.Context) ([]*node.Order, error) {
	res, err := p.signed.Market.ListOrders(ctx, connect.NewRequest(&hulianv1.ListOrdersRequest{Limit: 1000}))
	if err != nil {
		return nil, fromConnect(err)
	}
	out := make([]*node.Order, 0, len(res.Msg.GetOrders()))
	for _, o := range res.Msg.GetOrders() {
		t := o.GetTerms()
		r := &node.Order{ID: o.GetId(), ListingID: t.GetListingId(), ListingTitle: o.GetListingTitle(), Purpose: t.GetPurpose(),
			Method: t.GetMethod(), Start: t.GetTerm().GetStart(), End: t.GetTerm().GetEnd(), RetentionDays: int(t.GetRetentionDays()), Verification: t.GetVerification(),
			Status: o.GetStatus(), Reason: o.GetReason(), Created: o.GetCreated().AsTime()}
		if t.GetDemander() == p.memberID {
			r.Side, r.Peer, r.PeerName = "demand", t.GetSupplier(), o.GetSupplierName()
		} else {
			r.Side, r.Peer, r.PeerName = "supply", t.GetDemander(), o.GetDemanderName()
		}
		pr := t.GetPrice()
		r.PriceMode, r.PriceBasis, r.UnitFen, r.MonthlyFen = pr.GetMode(), pr.GetBasis(), pr.GetUnitPrice(), pr.GetMonthlyFee()
		if tiers := pr.GetTiers(); r.UnitFen == 0 && len(tiers) > 0 {
			r.UnitFen = tiers[0].GetUnitPrice()
		}
		out = append(out, r)
	}
	return out, nil
}
