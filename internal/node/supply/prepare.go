package supply

import (
	"context"
	"errors"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/tokenindex"
)

// Prepared counts what PrepareOrders did.
type Prepared struct {
	Built   int // indexes built now
	Ready   int // orders whose index was built already
	Skipped int // orders left to their first request: no version to answer from, or no room in the budget
}

// PrepareOrders builds, ahead of their first request, the token index of
// each of the member's active orders as supplier whose listing has a
// current version that may answer: the first batch of an order then costs
// what later ones do. The demander's node key comes from the platform and
// is checked against its logged registration, as on a request; a request
// that brings another key builds its own index as before. Orders are
// prepared only while their indexes fit the node's index budget, so that
// preparing never evicts an index in use (an index alone beyond the budget
// is prepared: its first request would keep it too).
func (n *Side) PrepareOrders(ctx context.Context) (Prepared, error) {
	var out Prepared
	orders, err := n.Orders(ctx)
	if err != nil {
		return out, err
	}
	var errList []error
	for _, o := range orders {
		if o.Side != "supply" || o.Status != string(market.Active) {
			continue
		}
		var v *nodestore.DatasetVersion
		err := n.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { v, err = tx.CurrentVersionForListing(ctx, o.ListingID); return err })
		if errs.Is(err, errs.NotFound) || err == nil && (!v.GatePass || n.CheckRegion(catalog.SubjectKind(v.Subject)) != nil) {
			out.Skipped++
			continue
		}
		if err != nil {
			errList = append(errList, err)
			continue
		}
		if n.cache.has(o.ID, v.ID) {
			out.Ready++
			continue
		}
		if !n.cache.fits(tokenindex.SizeFor(int(v.Rows))) {
			out.Skipped++
			continue
		}
		peer, err := n.supplyPeer(ctx, o.ID)
		if err != nil {
			errList = append(errList, err)
			continue
		}
		oc, err := n.acquire(ctx, o.ID, v, peer)
		if err != nil {
			errList = append(errList, err)
			continue
		}
		n.cache.release(oc)
		out.Built++
	}
	return out, errors.Join(errList...)
}

// has reports whether order's context over version versionID is built.
func (s *supplier) has(orderID string, versionID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	oc := s.orders[orderID]
	return oc != nil && !oc.retired && oc.data.versionID == versionID
}

// fits reports whether an index of bytes fits the budget beside those
// kept. One beyond the budget fits when no other is kept: a request would
// build it and keep it all the same (evict keeps the index just added).
func (s *supplier) fits(bytes int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.indexBytes()
	return kept == 0 || kept+bytes <= s.budget
}
