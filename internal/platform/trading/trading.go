// Package trading is the platform's market (交易撮合): demands, matching
// with ranked explanations, offers, the chosen offer's order and its
// confirmations (X-W1, X-W4, X-W6), the order's life until it ends, and the
// market's check of an order before each delivery.
package trading

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
)

// Log entry kinds of the market (X-W1, X-W4, X-W6).
const (
	KindDemandPublished  = "demand.published"
	KindDemandWithdrawn  = "demand.withdrawn"
	KindOfferMade        = "offer.made"
	KindOfferChanged     = "offer.changed"
	KindOfferSelected    = "offer.selected"
	KindOrderCreated     = "order.created"
	KindConfirmationSign = "confirmation.signed"
	KindOrderActivated   = "order.activated"
	KindOrderExpired     = "order.expired"
	KindOrderSuspended   = "order.suspended"
	KindOrderResumed     = "order.resumed"
	KindOrderTerminated  = "order.terminated"
)

// system reads across tenants for checks a use case makes on the other
// party (its standing, a listing no longer published); nothing read this
// way is returned to the caller.
func system(ctx context.Context) context.Context { return auth.WithActor(ctx, auth.System) }

func today(tx *store.Tx) calendar.Date { return calendar.DateOf(tx.Now()) }

// Market is the market of the platform P.
type Market struct{ P *platform.Platform }

// New returns the market of p.
func New(p *platform.Platform) *Market { return &Market{P: p} }

// PublishDemand publishes a demander's need to the market (需求发布). The
// demander's industry comes from its member record.
func (mk *Market) PublishDemand(ctx context.Context, d *market.Demand) (*market.Demand, error) {
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		if !m.Demander {
			return errs.New(errs.PermissionDenied, "", "只有需求方可以发布需求", "only demanders can publish demands")
		}
		d.ID, d.MemberID, d.Industry, d.Status, d.OrderID = auth.NewID("dem_"), m.ID, m.Industry, market.DemandOpen, ""
		if err := d.Validate(today(tx)); err != nil {
			return err
		}
		if err := tx.SaveDemand(ctx, d, true); err != nil {
			return err
		}
		_, err = tx.Append(ctx, m.ID, KindDemandPublished, d.ID, bizlog.P{
			"title": d.Title, "purpose": d.Purpose, "scope": d.Scope, "method": string(d.Method), "scenario": d.Scenario,
			"start": d.Term.Start.String(), "end": d.Term.End.String(), "monthly_volume": d.MonthlyVolume, "budget_fen": d.BudgetFen,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// WithdrawDemand takes an open demand off the market (its demander).
func (mk *Market) WithdrawDemand(ctx context.Context, id string) (*market.Demand, error) {
	var d *market.Demand
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		if d, err = tx.Demand(ctx, id, true); err != nil {
			return err
		}
		if d.MemberID != m.ID {
			return errs.New(errs.PermissionDenied, "demand", "只能撤回本成员的需求", "only your own demand can be withdrawn")
		}
		if d.Status != market.DemandOpen {
			return errs.New(errs.FailedPrecondition, "demand", "只能撤回未成交的需求", "only an open demand can be withdrawn")
		}
		d.Status = market.DemandWithdrawn
		if err := tx.SaveDemand(ctx, d, false); err != nil {
			return err
		}
		_, err = tx.Append(ctx, m.ID, KindDemandWithdrawn, d.ID, bizlog.P{})
		return err
	})
	return d, err
}

// Demand returns a demand the actor may see.
func (mk *Market) Demand(ctx context.Context, id string) (*market.Demand, error) {
	var d *market.Demand
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) (err error) { d, err = tx.Demand(ctx, id, false); return err })
	return d, err
}

// Demands lists demands: the actor's own, or the open ones of the market.
func (mk *Market) Demands(ctx context.Context, q store.DemandQuery) ([]*market.Demand, error) {
	var ds []*market.Demand
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) (err error) { ds, err = tx.Demands(ctx, q); return err })
	return ds, err
}

// Matches is a demand's matching result (交易撮合).
type Matches struct {
	Demand   *market.Demand
	Ranked   []market.Match
	Excluded []market.Excluded
}

// Match ranks the published listings for a demand, with an explanation of
// every rank and the reason for every listing left out (its demander or
// staff).
func (mk *Market) Match(ctx context.Context, demandID string) (*Matches, error) {
	var out Matches
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) error {
		d, err := tx.Demand(ctx, demandID, false)
		if err != nil {
			return err
		}
		a := auth.ActorFrom(ctx)
		if !a.Role.IsStaff() && a.MemberID != d.MemberID {
			return errs.New(errs.PermissionDenied, "", "只有需求方可以查看撮合结果", "only the demander sees its matching results")
		}
		ls, err := tx.SearchListings(ctx, store.ListingQuery{Status: catalog.StatusPublished, Limit: 500})
		if err != nil {
			return err
		}
		out.Demand = d
		out.Ranked, out.Excluded = market.Rank(d, ls)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// MakeOffer answers a demand with a supplier's offer on one of its
// published listings (competitive bidding, X-W4), within the listing's
// terms; what the supplier leaves empty is the listing's. A second offer
// of the same listing on the demand replaces the first while the demand is
// open.
func (mk *Market) MakeOffer(ctx context.Context, demandID string, o *market.Offer) (*market.Offer, error) {
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		if !m.Supplier {
			return errs.New(errs.PermissionDenied, "", "只有供应方可以报价", "only suppliers can make offers")
		}
		d, err := tx.Demand(ctx, demandID, true)
		if err != nil {
			return err
		}
		if d.Status != market.DemandOpen {
			return errs.New(errs.FailedPrecondition, "demand", "该需求已不接受报价", "the demand no longer takes offers")
		}
		if d.MemberID == m.ID {
			return errs.New(errs.FailedPrecondition, "demand", "不能对本成员的需求报价", "you cannot offer on your own demand")
		}
		l, err := tx.Listing(ctx, o.ListingID, false)
		if err != nil {
			return err
		}
		if l.MemberID != m.ID {
			return errs.New(errs.PermissionDenied, "listing_id", "只能以本成员的挂牌报价", "offer with one of your own listings")
		}
		if l.Status != catalog.StatusPublished {
			return errs.New(errs.FailedPrecondition, "listing_id", "只能以已发布的挂牌报价", "offer with a published listing")
		}
		if err := l.Admits(d.MemberID, d.Industry, d.EnterpriseNature); err != nil {
			return err
		}
		o.Defaults(l)
		if err := o.Check(l); err != nil {
			return err
		}
		o.DemandID, o.DemanderID, o.SupplierID, o.ListingVersion, o.Status = d.ID, d.MemberID, m.ID, l.Version, market.OfferOpen
		kind := KindOfferMade
		prev, err := tx.OfferOn(ctx, d.ID, l.ID)
		switch {
		case err == nil:
			if prev.Status != market.OfferOpen {
				return errs.New(errs.FailedPrecondition, "offer", "该报价已撤回或已结束", "that offer was withdrawn or has ended")
			}
			o.ID, o.Created, kind = prev.ID, prev.Created, KindOfferChanged
			err = tx.SaveOffer(ctx, o, false)
		case errs.Is(err, errs.NotFound):
			o.ID = auth.NewID("ofr_")
			err = tx.SaveOffer(ctx, o, true)
		}
		if err != nil {
			return err
		}
		_, err = tx.Append(ctx, m.ID, kind, o.ID, bizlog.P{"demand": d.ID, "demander": d.MemberID, "listing": l.ID, "listing_version": l.Version,
			"mode": string(o.Price.Mode), "basis": string(o.Price.Basis), "listed_fen": catalog.ListedFen(o.Price), bizlog.CommitField("price", mk.P.Digest()): commitJSON(mk.P.Digest(), o.Price),
			"retention_days": o.RetentionDays})
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// OfferView is one offer in the demander's side-by-side comparison, with
// its expected monthly bill at the demand's volume (computed here, from the
// stored price).
type OfferView struct {
	Offer    *market.Offer
	Listing  *catalog.Listing
	Estimate pricing.Bill
}

// Offers lists the offers on a demand for comparison, cheapest expected
// monthly bill first: all of them for its demander, its own for a supplier.
func (mk *Market) Offers(ctx context.Context, demandID string) ([]OfferView, error) {
	var out []OfferView
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) error {
		d, err := tx.Demand(ctx, demandID, false)
		if err != nil {
			return err
		}
		os, err := tx.Offers(ctx, demandID)
		if err != nil {
			return err
		}
		hit := d.HitRateBP
		if hit == 0 {
			hit = 10000
		}
		for _, o := range os {
			l, err := tx.Listing(system(ctx), o.ListingID, false)
			if err != nil {
				return err
			}
			bill, err := o.Price.Preview(d.MonthlyVolume, hit)
			if err != nil {
				return err
			}
			out = append(out, OfferView{Offer: o, Listing: l, Estimate: bill})
		}
		return nil
	})
	sortOffers(out)
	return out, err
}

func sortOffers(v []OfferView) {
	slices.SortFunc(v, func(a, b OfferView) int {
		return cmp.Or(cmp.Compare(a.Estimate.Total, b.Estimate.Total), cmp.Compare(a.Offer.ID, b.Offer.ID))
	})
}

// commitJSON is the log's commitment to a value's JSON.
func commitJSON(alg digest.Alg, v any) string {
	b, _ := json.Marshal(v)
	return bizlog.CommitWith(alg, b)
}

// SelectOffer is the demander's choice among the offers (择优选定). It
// creates the order, pending both confirmations, with terms the server
// builds from the demand and the stored offer; the listing must still be
// published, unchanged since the offer, and admit the demander.
func (mk *Market) SelectOffer(ctx context.Context, offerID string) (*market.Order, error) {
	var o *market.Order
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		of, err := tx.Offer(ctx, offerID, true)
		if err != nil {
			return err
		}
		if of.DemanderID != m.ID {
			return errs.New(errs.PermissionDenied, "", "只有需求方可以选定报价", "only the demander selects an offer")
		}
		d, err := tx.Demand(ctx, of.DemandID, true)
		if err != nil {
			return err
		}
		if d.Status != market.DemandOpen || of.Status != market.OfferOpen {
			return errs.New(errs.FailedPrecondition, "offer", "该需求已成交或报价已失效", "the demand is closed or the offer is no longer open")
		}
		l, err := tx.Listing(system(ctx), of.ListingID, false)
		if err != nil {
			return err
		}
		switch {
		case l.Status != catalog.StatusPublished:
			return errs.New(errs.FailedPrecondition, "listing", "该挂牌已下架，不能成交", "the listing is no longer published")
		case l.Version != of.ListingVersion:
			return errs.New(errs.FailedPrecondition, "listing", "挂牌在报价后已变更，请供应方重新报价", "the listing changed after the offer; the supplier must offer again")
		}
		if err := l.Admits(d.MemberID, d.Industry, d.EnterpriseNature); err != nil {
			return err
		}
		if err := of.Check(l); err != nil {
			return err
		}
		if err := d.Term.Validate(today(tx)); err != nil {
			return err
		}
		o = market.NewOrderWith(mk.P.Digest(), auth.NewID("ord_"), market.Terms{
			DemandID: d.ID, OfferID: of.ID, ListingID: l.ID, ListingVersion: l.Version,
			Demander: d.MemberID, Supplier: of.SupplierID,
			Purpose: d.Purpose, Scope: d.Scope, Method: d.Method, Scenario: d.Scenario, Term: d.Term,
			Price: of.Price, RetentionDays: of.RetentionDays, Traversal: of.Traversal, Columns: l.TagKeys(), Verification: l.Limit.Verification,
		}, tx.Now())
		if err := tx.SaveOrder(ctx, o, true); err != nil {
			return err
		}
		others, err := tx.Offers(ctx, d.ID)
		if err != nil {
			return err
		}
		for _, other := range others {
			if other.Status != market.OfferOpen {
				continue
			}
			other.Status = market.OfferNotSelected
			if other.ID == of.ID {
				other.Status = market.OfferSelected
			}
			if err := tx.SaveOffer(ctx, other, false); err != nil {
				return err
			}
		}
		d.Status, d.OrderID = market.DemandOrdered, o.ID
		if err := tx.SaveDemand(ctx, d, false); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, d.MemberID, KindOfferSelected, of.ID, bizlog.P{"demand": d.ID, "order": o.ID, "offers": len(others)}); err != nil {
			return err
		}
		return mk.logOrder(ctx, tx, o, KindOrderCreated, bizlog.P{"terms_sha256": o.TermsHash, "listing": l.ID,
			"start": o.Terms.Term.Start.String(), "end": o.Terms.Term.End.String(), "mode": string(o.Terms.Price.Mode), "listed_fen": catalog.ListedFen(o.Terms.Price)})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// logOrder appends an order's entry under both parties: each member's view
// of the log shows its orders.
func (mk *Market) logOrder(ctx context.Context, tx *store.Tx, o *market.Order, kind string, payload bizlog.P) error {
	payload["demander"], payload["supplier"] = o.Terms.Demander, o.Terms.Supplier
	for _, m := range []string{o.Terms.Demander, o.Terms.Supplier} {
		e, err := tx.Append(ctx, m, kind, o.ID, payload)
		if err != nil {
			return err
		}
		// Each party's webhook hears of it, from the outbox, as its log
		// entry (the event's ID names the entry).
		if err := tx.EnqueueWebhook(ctx, m, "evt_"+strconv.FormatInt(e.Seq, 10), kind, map[string]any{"order": o.ID, "entry": e.Seq, "detail": payload}); err != nil {
			return err
		}
	}
	return nil
}

// SignConfirmation signs one side's confirmation of an order (X-W6): the
// demand confirmation 数据需求确认单 by the demander, the supply confirmation
// 数据供应确认单 by the supplier, each over the terms' content hash the
// signer was shown. The order row is locked, so two signatures at the same
// moment are applied one after the other: the order becomes active exactly
// once, when the second lands and both members can trade.
func (mk *Market) SignConfirmation(ctx context.Context, orderID string, side market.Side, termsHash string) (*market.Order, error) {
	var o *market.Order
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		if o, err = tx.Order(ctx, orderID, true); err != nil {
			return err
		}
		a := auth.ActorFrom(ctx)
		both, err := o.Sign(side, m.ID, a.Ref(), termsHash, tx.Now())
		if err != nil {
			return err
		}
		if _, err := tx.Append(ctx, m.ID, KindConfirmationSign, o.ID, bizlog.P{"side": string(side), "terms_sha256": termsHash}); err != nil {
			return err
		}
		if both {
			other := o.Terms.Supplier
			if m.ID == other {
				other = o.Terms.Demander
			}
			if err := mk.canTrade(ctx, tx, other); err != nil {
				return err
			}
			if err := o.Activate(tx.Now()); err != nil {
				return err
			}
			if err := mk.logOrder(ctx, tx, o, KindOrderActivated, bizlog.P{"terms_sha256": o.TermsHash}); err != nil {
				return err
			}
		}
		return tx.SaveOrder(ctx, o, false)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// canTrade checks another member's onboarding and standing.
func (mk *Market) canTrade(ctx context.Context, tx *store.Tx, id string) error {
	m, err := tx.Member(system(ctx), id, false)
	if err != nil {
		return err
	}
	if err := m.CanTrade(); err != nil {
		return errs.New(errs.FailedPrecondition, "member", "对方成员目前不能交易："+errs.ReasonOf(err).ZH, "the other party cannot trade now: "+errs.ReasonOf(err).EN)
	}
	return nil
}

// Order returns an order the actor may see, its status as of now.
func (mk *Market) Order(ctx context.Context, id string) (*market.Order, error) {
	var o *market.Order
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if o, err = tx.Order(ctx, id, false); err == nil {
			o.Status = o.StatusAt(tx.Now())
		}
		return err
	})
	return o, err
}

// Orders lists the orders the actor may see, their status as of now.
func (mk *Market) Orders(ctx context.Context, q store.OrderQuery) ([]*market.Order, error) {
	var os []*market.Order
	err := mk.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		os, err = tx.Orders(ctx, q)
		for _, o := range os {
			o.Status = o.StatusAt(tx.Now())
		}
		return err
	})
	return os, err
}

// CheckOrderForDelivery is the market's gate for a delivery of ids IDs
// under an order, inside the delivery's transaction: the order is one the
// actor may see, active, within its term and (real-time orders) within its
// per-request traversal limit, both members can trade now, and no technical
// halt covers the members or the listing. The per-day and
// per-minute traversal limits (Terms.Traversal) need the delivery's own
// counts and are enforced by delivery.
func (mk *Market) CheckOrderForDelivery(ctx context.Context, tx *store.Tx, orderID string, ids int) (*market.Order, error) {
	o, err := tx.Order(ctx, orderID, false)
	if err != nil {
		return nil, err
	}
	if err := o.CheckDelivery(tx.Now(), ids); err != nil {
		return nil, err
	}
	for _, m := range []string{o.Terms.Demander, o.Terms.Supplier} {
		if err := mk.canTrade(ctx, tx, m); err != nil {
			return nil, err
		}
	}
	if err := platform.CheckHalts(ctx, tx, platform.Touches{Members: []string{o.Terms.Demander, o.Terms.Supplier}, Listing: o.Terms.ListingID}); err != nil {
		return nil, err
	}
	return o, nil
}

// orderStep applies an operator's step to an order and logs it.
func (mk *Market) orderStep(ctx context.Context, id, kind string, step func(o *market.Order, tx *store.Tx) error, payload bizlog.P) (*market.Order, error) {
	if err := auth.Require(ctx, auth.PermMarketAdmin); err != nil {
		return nil, err
	}
	var o *market.Order
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		o, err = mk.orderStepIn(ctx, tx, id, kind, step, payload)
		return err
	})
	return o, err
}

// orderStepIn applies a step to an order in the caller's transaction: the
// order's row locked, the step, the row saved and the change logged under
// both parties.
func (mk *Market) orderStepIn(ctx context.Context, tx *store.Tx, id, kind string, step func(o *market.Order, tx *store.Tx) error, payload bizlog.P) (*market.Order, error) {
	o, err := tx.Order(ctx, id, true)
	if err != nil {
		return nil, err
	}
	if err := step(o, tx); err != nil {
		return nil, err
	}
	if err := tx.SaveOrder(ctx, o, false); err != nil {
		return nil, err
	}
	return o, mk.logOrder(ctx, tx, o, kind, payload)
}

// SuspendOrderIn suspends an active order in the caller's transaction —
// a complaint accepted (X-G3) — so that the suspension commits with what
// caused it. Deliveries lock the order's row and read its state after:
// none that commits after the suspension is charged or delivered.
func (mk *Market) SuspendOrderIn(ctx context.Context, tx *store.Tx, id, reason string) (*market.Order, error) {
	return mk.orderStepIn(ctx, tx, id, KindOrderSuspended, func(o *market.Order, tx *store.Tx) error { return o.Suspend(reason, tx.Now()) }, bizlog.P{"reason": reason})
}

// ResumeOrderIn resumes a suspended order in the caller's transaction.
func (mk *Market) ResumeOrderIn(ctx context.Context, tx *store.Tx, id string) (*market.Order, error) {
	return mk.orderStepIn(ctx, tx, id, KindOrderResumed, func(o *market.Order, tx *store.Tx) error { return o.Resume(tx.Now()) }, bizlog.P{})
}

// SuspendOrder halts an active order (operator: a complaint, a dispute or
// a sanction, X-G3, X-G4).
func (mk *Market) SuspendOrder(ctx context.Context, id, reason string) (*market.Order, error) {
	return mk.orderStep(ctx, id, KindOrderSuspended, func(o *market.Order, tx *store.Tx) error { return o.Suspend(reason, tx.Now()) }, bizlog.P{"reason": reason})
}

// ResumeOrder reactivates a suspended order (operator).
func (mk *Market) ResumeOrder(ctx context.Context, id string) (*market.Order, error) {
	return mk.orderStep(ctx, id, KindOrderResumed, func(o *market.Order, tx *store.Tx) error { return o.Resume(tx.Now()) }, bizlog.P{})
}

// TerminateOrder ends an order early (operator).
func (mk *Market) TerminateOrder(ctx context.Context, id, reason string) (*market.Order, error) {
	return mk.orderStep(ctx, id, KindOrderTerminated, func(o *market.Order, tx *store.Tx) error { return o.Terminate(reason, tx.Now()) }, bizlog.P{"reason": reason})
}

// ExpireOrders records the expiry of active orders whose term has ended
// (a periodic job, or the operator). Reads already report them expired;
// this makes the stored status and the log agree. It returns how many.
func (mk *Market) ExpireOrders(ctx context.Context) (int, error) {
	if err := auth.Require(ctx, auth.PermMarketAdmin); err != nil {
		return 0, err
	}
	n := 0
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) error {
		n = 0
		os, err := tx.EndedOrders(ctx, tx.Now(), 500)
		if err != nil {
			return err
		}
		for _, o := range os {
			if err := o.Expire(tx.Now()); err != nil {
				return err
			}
			if err := tx.SaveOrder(ctx, o, false); err != nil {
				return err
			}
			if err := mk.logOrder(ctx, tx, o, KindOrderExpired, bizlog.P{"end": o.Terms.Term.End.String()}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// RunOrderExpiry records ended orders' expiry every interval until ctx is
// done, so that an order's stored status and the business log follow its
// term without anyone asking (X-W6: an order ends at the end of its term).
func (mk *Market) RunOrderExpiry(ctx context.Context, every time.Duration) {
	ctx = auth.WithActor(ctx, auth.System)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := mk.ExpireOrders(ctx); err != nil && ctx.Err() == nil {
			mk.P.Logger.Error("order expiry failed", "err", err)
		} else if n > 0 {
			mk.P.Logger.Info("orders expired", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RenewOrder starts a renewal: a new order with the same terms for a new
// term, to be confirmed by both sides again (either party).
func (mk *Market) RenewOrder(ctx context.Context, id string, term market.Term) (*market.Order, error) {
	var o *market.Order
	err := mk.P.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		old, err := tx.Order(ctx, id, true)
		if err != nil {
			return err
		}
		switch old.StatusAt(tx.Now()) {
		case market.Active, market.Expired:
		default:
			return errs.New(errs.FailedPrecondition, "order", "只能续签生效中或已到期的订单", "only an active or expired order can be renewed")
		}
		if term.Start.Before(old.Terms.Term.End.AddDays(1)) {
			return errs.Invalidf("term.start", "续签期限须在原订单结束之后开始", "a renewal starts after the order it renews ends")
		}
		if err := term.Validate(today(tx)); err != nil {
			return err
		}
		if err := mk.canTrade(ctx, tx, old.Terms.Demander); err != nil {
			return err
		}
		if err := mk.canTrade(ctx, tx, old.Terms.Supplier); err != nil {
			return err
		}
		o = market.NewOrderWith(mk.P.Digest(), auth.NewID("ord_"), old.Renewal(term), tx.Now())
		if err := tx.SaveOrder(ctx, o, true); err != nil {
			return err
		}
		return mk.logOrder(ctx, tx, o, KindOrderCreated, bizlog.P{"terms_sha256": o.TermsHash, "renewal_of": old.ID, "by": m.ID,
			"start": term.Start.String(), "end": term.End.String()})
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// tagKeys lists a dataset listing's tag keys in its order: the columns an
// order on it licenses.
