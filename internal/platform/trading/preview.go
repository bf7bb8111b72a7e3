package trading

import (
	"context"

	"hulian/internal/market"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
)

// OrderPreview returns an order the actor may see, its status as of now,
// with the month's cost under its price at the demand's expected volume
// and hit rate: what a confirmation shows before it is signed. The demand
// is read for its volume even when the actor could no longer see it (a
// supplier, once the demand is ordered); nothing else of it is returned.
func (mk *Market) OrderPreview(ctx context.Context, id string) (*market.Order, pricing.Bill, error) {
	var o *market.Order
	var bill pricing.Bill
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if o, err = tx.Order(ctx, id, false); err != nil {
			return err
		}
		o.Status = o.StatusAt(tx.Now())
		d, err := tx.Demand(system(ctx), o.Terms.DemandID, false)
		if err != nil {
			return err
		}
		hit := d.HitRateBP
		if hit == 0 {
			hit = 10000
		}
		bill, err = o.Terms.Price.Preview(d.MonthlyVolume, hit)
		return err
	})
	if err != nil {
		return nil, pricing.Bill{}, err
	}
	return o, bill, nil
}
