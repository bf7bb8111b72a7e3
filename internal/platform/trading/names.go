package trading

import (
	"context"

	"hulian/internal/market"
	"hulian/internal/platform/store"
)

// OrderNames are the names people know an order's parties and listing by.
type OrderNames struct {
	Members  map[string]string // member ID → organisation name
	Listings map[string]string // listing ID → title
}

// Names returns the names of the parties and listings of orders the actor
// has already been allowed to read: a party's node shows its orders by the
// counterparty's name, not its ID.
func (mk *Market) Names(ctx context.Context, os []*market.Order) (OrderNames, error) {
	var ids []string
	seen := map[string]bool{}
	for _, o := range os {
		if !seen[o.Terms.ListingID] {
			seen[o.Terms.ListingID] = true
			ids = append(ids, o.Terms.ListingID)
		}
	}
	var n OrderNames
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if n.Members, err = tx.MemberNames(ctx); err != nil {
			return err
		}
		n.Listings, err = tx.ListingTitles(ctx, ids)
		return err
	})
	return n, err
}
