package node

import (
	"context"
	"time"

	"hulian/internal/errs"
)

// MarketPlatform is what the node asks of the platform's MarketService,
// signed with its key: the member's orders, for the console. The orders
// live on the platform (X-W1); the node keeps no copy that could drift.
type MarketPlatform interface {
	Orders(ctx context.Context) ([]*Order, error)
}

// Order is one of the member's orders as its node shows it.
type Order struct {
	ID            string
	Side          string // "demand" when the member buys, "supply" when it sells
	Peer          string // the counterparty's member ID
	PeerName      string // and its organisation name
	ListingID     string
	ListingTitle  string
	Purpose       string
	Method        string // realtime | batch
	Start, End    string // the term, Asia/Shanghai dates, inclusive
	PriceMode     string // per_call | tiered | monthly | monthly_tiered
	PriceBasis    string // query | hit
	UnitFen       int64  // per call (the first tier's price when tiered)
	MonthlyFen    int64  // the monthly fee of monthly modes
	RetentionDays int
	Verification  string // the listing's verification method (X-E10): one_step, two_step or ""
	Status        string
	Reason        string
	Created       time.Time
}

// Orders asks the platform for the member's orders, newest first.
func (n *Node) Orders(ctx context.Context) ([]*Order, error) {
	if n.platform == nil {
		return nil, errNotConfigured()
	}
	mp, ok := n.platform.(MarketPlatform)
	if !ok {
		return nil, errs.New(errs.FailedPrecondition, "--platform", "平台客户端不支持查询订单", "the platform client cannot list orders")
	}
	return mp.Orders(ctx)
}
