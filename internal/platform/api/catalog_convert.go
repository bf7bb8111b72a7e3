package api

import (
	"context"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/pricing"
	"hulian/internal/protocol/ident"
)

// contentFromProto reads the six elements. The domain validates values;
// this only refuses what the wire alone can get wrong.
func contentFromProto(c *hulianv1.ListingContent) (*catalog.Listing, error) {
	if c == nil {
		return nil, errs.Invalidf("content", "缺少挂牌内容", "the listing content is missing")
	}
	l := &catalog.Listing{Kind: catalog.Kind(c.Kind), Title: c.Title, Subject: catalog.SubjectKind(c.Subject), IDType: ident.Type(c.IdType)}
	for _, t := range c.Tags {
		if t == nil {
			continue
		}
		l.Tags = append(l.Tags, catalog.Tag{Key: t.Key, Name: t.Name, Category: t.Category, Description: t.Description,
			Constraints: t.Constraints, ValueType: catalog.ValueType(t.ValueType), Values: t.Values, Format: t.Format, Column: t.Column})
	}
	if m := c.Limit; m != nil {
		l.Limit = catalog.Limit{Description: m.Description, Keywords: m.Keywords, Language: m.Language, SourceIndustry: m.SourceIndustry,
			Processing: m.Processing, Sensitivity: m.Sensitivity, Association: m.Association, Verification: m.Verification,
			Scenarios: m.Scenarios, Coverage: m.Coverage, Members: m.Members, Industries: m.Industries,
			EnterpriseNatures: m.EnterpriseNatures, DataSource: m.DataSource, SecurityScore: int(m.SecurityScore), RiskScore: int(m.RiskScore)}
		if tr := m.Traversal; tr != nil {
			l.Limit.Traversal = catalog.Traversal{IDsPerRequest: int(tr.IdsPerRequest), IDsPerDay: tr.IdsPerDay, RequestsPerMinute: int(tr.RequestsPerMinute)}
		}
		if q := m.Quality; q != nil {
			l.Limit.Quality = catalog.Scores{Supplier: int(q.Supplier), ThirdParty: int(q.ThirdParty), Demander: int(q.Demander)}
		}
	}
	if t := c.Term; t != nil {
		l.Term = catalog.Term{UpdateFrequency: t.UpdateFrequency, StatisticsPeriod: t.StatisticsPeriod, RetentionDays: int(t.RetentionDays)}
	}
	if p := c.Price; p != nil {
		l.Price = pricing.Plan{Mode: pricing.Mode(p.Mode), Basis: pricing.Basis(p.Basis), UnitPrice: p.UnitPrice,
			MonthlyFee: p.MonthlyFee, Included: p.Included, OverageUnitPrice: p.OverageUnitPrice}
		for _, t := range p.Tiers {
			if t != nil {
				l.Price.Tiers = append(l.Price.Tiers, pricing.Tier{UpTo: t.UpTo, UnitPrice: t.UnitPrice})
			}
		}
		for _, b := range p.Bands {
			if b != nil {
				l.Price.Bands = append(l.Price.Bands, pricing.Band{UpTo: b.UpTo, Fee: b.Fee})
			}
		}
	}
	return l, nil
}

// ContentToProto writes a listing's six elements for the wire. The tags'
// CSV columns are the supplier's own business: withColumns says whether
// the reader may see them.
func ContentToProto(l *catalog.Listing, withColumns bool) *hulianv1.ListingContent {
	c := &hulianv1.ListingContent{Kind: string(l.Kind), Title: l.Title, Subject: string(l.Subject), IdType: string(l.IDType)}
	for _, t := range l.Tags {
		pt := &hulianv1.ListingTag{Key: t.Key, Name: t.Name, Category: t.Category, Description: t.Description,
			Constraints: t.Constraints, ValueType: string(t.ValueType), Values: t.Values, Format: t.Format}
		if withColumns {
			pt.Column = t.Column
		}
		c.Tags = append(c.Tags, pt)
	}
	m := l.Limit
	c.Limit = &hulianv1.ListingLimit{Description: m.Description, Keywords: m.Keywords, Language: m.Language, SourceIndustry: m.SourceIndustry,
		Processing: m.Processing, Sensitivity: m.Sensitivity, Association: m.Association, Verification: m.Verification,
		Scenarios: m.Scenarios, Coverage: m.Coverage, Members: m.Members, Industries: m.Industries,
		EnterpriseNatures: m.EnterpriseNatures, DataSource: m.DataSource, SecurityScore: int32(m.SecurityScore), RiskScore: int32(m.RiskScore),
		Traversal: &hulianv1.ListingTraversal{IdsPerRequest: int32(m.Traversal.IDsPerRequest), IdsPerDay: m.Traversal.IDsPerDay, RequestsPerMinute: int32(m.Traversal.RequestsPerMinute)},
		Quality:   &hulianv1.ListingScores{Supplier: int32(m.Quality.Supplier), ThirdParty: int32(m.Quality.ThirdParty), Demander: int32(m.Quality.Demander)},
	}
	c.Term = &hulianv1.ListingTerm{UpdateFrequency: l.Term.UpdateFrequency, StatisticsPeriod: l.Term.StatisticsPeriod, RetentionDays: int32(l.Term.RetentionDays)}
	p := l.Price
	c.Price = &hulianv1.ListingPrice{Mode: string(p.Mode), Basis: string(p.Basis), UnitPrice: p.UnitPrice,
		MonthlyFee: p.MonthlyFee, Included: p.Included, OverageUnitPrice: p.OverageUnitPrice}
	for _, t := range p.Tiers {
		c.Price.Tiers = append(c.Price.Tiers, &hulianv1.ListingPriceTier{UpTo: t.UpTo, UnitPrice: t.UnitPrice})
	}
	for _, b := range p.Bands {
		c.Price.Bands = append(c.Price.Bands, &hulianv1.ListingPriceBand{UpTo: b.UpTo, Fee: b.Fee})
	}
	return c
}

func listingToProto(ctx context.Context, l *catalog.Listing) *hulianv1.Listing {
	a := auth.ActorFrom(ctx)
	own := a.Role.IsStaff() || (a.MemberID != "" && a.MemberID == l.MemberID)
	return &hulianv1.Listing{
		Id: l.ID, MemberId: l.MemberID, Content: ContentToProto(l, own), Version: int32(l.Version), Status: string(l.Status),
		ReviewNote: l.ReviewNote, GateDigest: l.GateDigest, ListedFen: catalog.ListedFen(l.Price),
		Created: timestamp(l.Created), Updated: timestamp(l.Updated), PublishedAt: timestamp(l.PublishedAt),
	}
}

// gateReportFromProto reads a gate report exactly as its node signed it:
// the signature covers the JSON of gate.SignedReport, so every field must
// come back unchanged, the creation time to the nanosecond.
func gateReportFromProto(g *hulianv1.GateReport) *gate.SignedReport {
	if g == nil {
		return nil
	}
	r := &gate.SignedReport{ListingID: g.ListingId, Version: int(g.Version), Rows: g.Rows, Subjects: g.Subjects,
		K: int(g.K), Findings: int(g.Findings), Signature: g.Signature, Status: g.Status, Source: g.Source}
	if g.Created != nil {
		r.Created = g.Created.AsTime()
	}
	for _, c := range g.Counts {
		if c != nil {
			r.Counts = append(r.Counts, gate.ValueCount{Key: c.Key, Value: c.Value, Subjects: c.Subjects})
		}
	}
	return r
}

// GateReportToProto writes a signed gate report for SubmitListing.
func GateReportToProto(r *gate.SignedReport) *hulianv1.GateReport {
	g := &hulianv1.GateReport{ListingId: r.ListingID, Version: int32(r.Version), Rows: r.Rows, Subjects: r.Subjects,
		K: int32(r.K), Findings: int32(r.Findings), Created: timestamp(r.Created), Signature: r.Signature, Status: r.Status, Source: r.Source}
	for _, c := range r.Counts {
		g.Counts = append(g.Counts, &hulianv1.GateValueCount{Key: c.Key, Value: c.Value, Subjects: c.Subjects})
	}
	return g
}
