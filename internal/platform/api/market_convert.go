package api

import (
	"context"

	"hulian/internal/calendar"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/market"
	"hulian/internal/platform/store"
	"hulian/internal/platform/trading"
	"hulian/internal/pricing"
)

func dateRangeToProto(t market.Term) *hulianv1.DateRange {
	return &hulianv1.DateRange{Start: t.Start.String(), End: t.End.String()}
}

// termFromProto reads a term; the domain checks that it makes sense.
func termFromProto(field string, r *hulianv1.DateRange) (market.Term, error) {
	if r == nil {
		return market.Term{}, errs.Invalidf(field, "期限须有开始日期和结束日期", "a term needs a start and an end date")
	}
	var t market.Term
	var err error
	if t.Start, err = calendar.ParseDate(r.Start); err != nil {
		return t, errs.Invalidf(field+".start", "日期应写作 YYYY-MM-DD", "write the date as YYYY-MM-DD")
	}
	if t.End, err = calendar.ParseDate(r.End); err != nil {
		return t, errs.Invalidf(field+".end", "日期应写作 YYYY-MM-DD", "write the date as YYYY-MM-DD")
	}
	return t, nil
}

func demandToProto(d *market.Demand) *hulianv1.Demand {
	return &hulianv1.Demand{
		Id: d.ID, MemberId: d.MemberID, Title: d.Title, Purpose: d.Purpose, Scope: d.Scope, Method: string(d.Method),
		Scenario: d.Scenario, Term: dateRangeToProto(d.Term), Categories: d.Categories, Tags: d.Tags, Industry: d.Industry,
		EnterpriseNature: d.EnterpriseNature, MonthlyVolume: d.MonthlyVolume, HitRateBp: d.HitRateBP, BudgetFen: d.BudgetFen,
		Note: d.Note, Status: string(d.Status), OrderId: d.OrderID, Created: timestamp(d.Created), Updated: timestamp(d.Updated),
	}
}

// demandFromProto reads what a demander states; what the server sets is
// left out whatever the request says.
func demandFromProto(p *hulianv1.Demand) (*market.Demand, error) {
	if p == nil {
		return nil, errs.Invalidf("demand", "缺少需求内容", "the demand is missing")
	}
	term, err := termFromProto("demand.term", p.Term)
	if err != nil {
		return nil, err
	}
	return &market.Demand{
		Title: p.Title, Purpose: p.Purpose, Scope: p.Scope, Method: market.Method(p.Method), Scenario: p.Scenario, Term: term,
		Categories: p.Categories, Tags: p.Tags, EnterpriseNature: p.EnterpriseNature,
		MonthlyVolume: p.MonthlyVolume, HitRateBP: p.HitRateBp, BudgetFen: p.BudgetFen, Note: p.Note,
	}, nil
}

func priceToProto(p pricing.Plan) *hulianv1.ListingPrice {
	out := &hulianv1.ListingPrice{Mode: string(p.Mode), Basis: string(p.Basis), UnitPrice: p.UnitPrice,
		MonthlyFee: p.MonthlyFee, Included: p.Included, OverageUnitPrice: p.OverageUnitPrice}
	for _, t := range p.Tiers {
		out.Tiers = append(out.Tiers, &hulianv1.ListingPriceTier{UpTo: t.UpTo, UnitPrice: t.UnitPrice})
	}
	for _, b := range p.Bands {
		out.Bands = append(out.Bands, &hulianv1.ListingPriceBand{UpTo: b.UpTo, Fee: b.Fee})
	}
	return out
}

// priceFromProto reads an offered price; nil is "the listing's".
func priceFromProto(p *hulianv1.ListingPrice) pricing.Plan {
	if p == nil {
		return pricing.Plan{}
	}
	out := pricing.Plan{Mode: pricing.Mode(p.Mode), Basis: pricing.Basis(p.Basis), UnitPrice: p.UnitPrice,
		MonthlyFee: p.MonthlyFee, Included: p.Included, OverageUnitPrice: p.OverageUnitPrice}
	for _, t := range p.Tiers {
		if t != nil {
			out.Tiers = append(out.Tiers, pricing.Tier{UpTo: t.UpTo, UnitPrice: t.UnitPrice})
		}
	}
	for _, b := range p.Bands {
		if b != nil {
			out.Bands = append(out.Bands, pricing.Band{UpTo: b.UpTo, Fee: b.Fee})
		}
	}
	return out
}

func traversalToProto(t catalog.Traversal) *hulianv1.ListingTraversal {
	return &hulianv1.ListingTraversal{IdsPerRequest: int32(t.IDsPerRequest), IdsPerDay: t.IDsPerDay, RequestsPerMinute: int32(t.RequestsPerMinute)}
}

func traversalFromProto(t *hulianv1.ListingTraversal) catalog.Traversal {
	if t == nil {
		return catalog.Traversal{}
	}
	return catalog.Traversal{IDsPerRequest: int(t.IdsPerRequest), IDsPerDay: t.IdsPerDay, RequestsPerMinute: int(t.RequestsPerMinute)}
}

func offerToProto(o *market.Offer) *hulianv1.Offer {
	return &hulianv1.Offer{
		Id: o.ID, DemandId: o.DemandID, DemanderId: o.DemanderID, ListingId: o.ListingID, ListingVersion: int32(o.ListingVersion),
		SupplierId: o.SupplierID, Price: priceToProto(o.Price), RetentionDays: int32(o.RetentionDays), Traversal: traversalToProto(o.Traversal),
		Note: o.Note, Status: string(o.Status), Created: timestamp(o.Created), Updated: timestamp(o.Updated),
	}
}

func billToProto(b pricing.Bill) *hulianv1.CostPreview {
	out := &hulianv1.CostPreview{Queried: b.Queried, Matched: b.Matched, Billable: b.Billable, TotalFen: b.Total}
	for _, l := range b.Lines {
		out.Lines = append(out.Lines, &hulianv1.CostLine{ItemZh: l.Item.ZH, ItemEn: l.Item.EN, Units: l.Units, UnitPrice: l.UnitPrice, Amount: l.Amount})
	}
	return out
}

func matchesToProto(ctx context.Context, m *trading.Matches) *hulianv1.MatchResponse {
	res := &hulianv1.MatchResponse{Demand: demandToProto(m.Demand)}
	for _, r := range m.Ranked {
		pm := &hulianv1.Match{Rank: int32(r.Rank), Listing: listingToProto(ctx, r.Listing), Score: int32(r.Score), MonthlyFen: r.MonthlyFen,
			ExplanationZh: r.Explanation.ZH, ExplanationEn: r.Explanation.EN}
		for _, p := range r.Parts {
			pm.Parts = append(pm.Parts, &hulianv1.ScorePart{Name: p.Name, Points: int32(p.Points), Max: int32(p.Max), WhyZh: p.Why.ZH, WhyEn: p.Why.EN})
		}
		res.Ranked = append(res.Ranked, pm)
	}
	for _, e := range m.Excluded {
		res.Excluded = append(res.Excluded, &hulianv1.ExcludedListing{ListingId: e.ListingID, Title: e.Title, ReasonZh: e.Reason.ZH, ReasonEn: e.Reason.EN})
	}
	return res
}

func signatureToProto(s *market.Signature) *hulianv1.Signature {
	if s == nil {
		return nil
	}
	return &hulianv1.Signature{Member: s.Member, Account: s.Account, At: timestamp(s.At), TermsHash: s.TermsHash}
}

func orderToProto(o *market.Order) *hulianv1.Order {
	t := o.Terms
	return &hulianv1.Order{
		Id: o.ID,
		Terms: &hulianv1.Terms{
			DemandId: t.DemandID, OfferId: t.OfferID, ListingId: t.ListingID, ListingVersion: int32(t.ListingVersion), RenewalOf: t.RenewalOf,
			Demander: t.Demander, Supplier: t.Supplier, Purpose: t.Purpose, Scope: t.Scope, Method: string(t.Method), Scenario: t.Scenario,
			Term: dateRangeToProto(t.Term), Price: priceToProto(t.Price), RetentionDays: int32(t.RetentionDays), Traversal: traversalToProto(t.Traversal), Verification: t.Verification,
		},
		TermsHash: o.TermsHash, DemandSignature: signatureToProto(o.Demand), SupplySignature: signatureToProto(o.Supply),
		Status: string(o.Status), Reason: o.Reason, ActivatedAt: timestamp(o.ActivatedAt), Created: timestamp(o.Created), Updated: timestamp(o.Updated),
	}
}

// namedOrder is an order with the names of its parties and listing.
func namedOrder(o *market.Order, n trading.OrderNames) *hulianv1.Order {
	p := orderToProto(o)
	p.DemanderName, p.SupplierName = n.Members[o.Terms.Demander], n.Members[o.Terms.Supplier]
	p.ListingTitle = n.Listings[o.Terms.ListingID]
	return p
}

func quotaToProto(a *store.QuotaAccount, available int64) *hulianv1.QuotaAccount {
	return &hulianv1.QuotaAccount{
		MemberId: a.Member, BalanceFen: a.BalanceFen, AvailableFen: available, CreditFen: a.CreditFen, CreditExpires: timestamp(a.CreditExpires),
		CreditReason: a.CreditReason, ThresholdFen: a.ThresholdFen, WebhookUrl: a.WebhookURL, LowWarned: a.LowWarned,
		SuspendedAt: timestamp(a.Suspended), ToppedUpFen: a.ToppedUpFen, DeductedFen: a.DeductedFen, Updated: timestamp(a.Updated),
	}
}

func notificationsToProto(ns []store.QuotaNotification) []*hulianv1.QuotaNotification {
	out := make([]*hulianv1.QuotaNotification, 0, len(ns))
	for _, n := range ns {
		out = append(out, &hulianv1.QuotaNotification{Id: n.ID, Kind: n.Kind, AvailableFen: n.AvailableFen, ThresholdFen: n.ThresholdFen,
			At: timestamp(n.At), Cleared: timestamp(n.Cleared)})
	}
	return out
}

func movementToProto(m store.Movement) *hulianv1.Movement {
	return &hulianv1.Movement{RequestId: m.RequestID, Kind: m.Kind, AmountFen: m.AmountFen, BalanceFen: m.BalanceFen,
		AvailableFen: m.AvailableFen, Reason: m.Reason, Object: m.Object, Actor: m.Actor, At: timestamp(m.At)}
}
