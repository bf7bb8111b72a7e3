package demand

import (
	"context"

	"hulian/internal/errs"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// A demander's node that runs its consent ledger sends tokens only for
// its customers whose ledger, at the request's time, has the order's
// purpose in force (X-P1): consent, or another basis of PIPL Art. 13 the
// member recorded. A customer who withdrew or refused is answered "not
// asked" without a request, and the platform never counts them.

// consented reports, for each of ids, whether it may be asked under
// order; nil when the node does not run its ledger.
func (n *Side) consented(ctx context.Context, order string, ids []exid.ExID) ([]bool, error) {
	var managed bool
	var purpose string
	var states map[string]*nodestore.ConsentState
	err := n.DB.Read(ctx, func(tx *nodestore.Tx) error {
		var err error
		if _, managed, err = tx.ConsentManaged(ctx); err != nil || !managed {
			return err
		}
		if purpose, err = tx.OrderPurpose(ctx, order); err != nil || purpose == "" {
			return err
		}
		keys := make([][]byte, len(ids))
		for i := range ids {
			keys[i] = ids[i][:]
		}
		states, err = tx.ConsentStates(ctx, purpose, keys)
		return err
	})
	switch {
	case err != nil:
		return nil, err
	case !managed:
		return nil, nil
	case purpose == "":
		return nil, errs.New(errs.FailedPrecondition, "order", "本节点实行同意台账，但订单 "+order+" 尚未对应隐私告知中的目的（hulian node consent bind）",
			"this node runs its consent ledger and order "+order+" is not bound to a purpose of its notice (hulian node consent bind)")
	}
	keep := make([]bool, len(ids))
	for i := range ids {
		s := states[string(ids[i][:])]
		keep[i] = s != nil && s.State == consent.StateActive
	}
	return keep, nil
}
