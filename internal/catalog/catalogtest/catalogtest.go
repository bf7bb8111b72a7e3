// Package catalogtest makes valid listings and gate reports for tests.
package catalogtest

import (
	"crypto"
	"time"

	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	"hulian/internal/pricing"
	"hulian/internal/protocol/ident"
)

// Dataset returns a valid dataset listing with two tags.
//
// Its tags are not associated with individuals, so its orders need no
// query authorisation (X-E10); Verified returns one that does.
func Dataset() *catalog.Listing {
	return &catalog.Listing{
		Kind: catalog.Dataset, Title: "城市消费水平标签", Subject: catalog.SubjectPerson, IDType: ident.Mobile,
		Tags: []catalog.Tag{
			{Key: "consumption_level", Name: "消费水平", Category: "behaviour.consumption", Description: "近 12 个月线上消费金额分档",
				ValueType: catalog.ValueSegment, Values: []string{"低", "中", "高"}, Column: "level"},
			{Key: "car_owner", Name: "有车人群", Category: "basic.group", Description: "是否为有车人群", ValueType: catalog.ValueHit, Column: "car"},
		},
		Limit: catalog.Limit{Description: "基于授权交易数据的消费水平分档", Keywords: []string{"消费", "分档"}, Language: "zh",
			SourceIndustry: "F52", Processing: "direct", Sensitivity: "low", Association: "none",
			Traversal: catalog.Traversal{IDsPerRequest: 1000, IDsPerDay: 1_000_000, RequestsPerMinute: 600}, Coverage: 2_000_000,
			DataSource: "accumulated", Quality: catalog.Scores{Supplier: 80}},
		Term:  catalog.Term{UpdateFrequency: "monthly", StatisticsPeriod: "近 12 个月", RetentionDays: 30},
		Price: pricing.Plan{Mode: pricing.PerCall, Basis: pricing.PerHit, UnitPrice: 5},
	}
}

// Verified is Dataset with tags weakly (one-step) or strongly (two-step)
// associated with individuals: its orders deliver only for subjects whose
// query authorisation the demander commits to.
func Verified(method string) *catalog.Listing {
	l := Dataset()
	l.Limit.Association, l.Limit.Verification = "weak", method
	if method == "two_step" {
		l.Limit.Association = "strong"
	}
	return l
}

// Report returns a gate report for l signed by key in which every listed
// value has n subjects.
func Report(l *catalog.Listing, key crypto.Signer, n int64) *gate.SignedReport {
	r := &gate.SignedReport{ListingID: l.ID, Version: l.Version, Rows: 3 * n, Subjects: 3 * n, K: gate.MinK, Created: time.Now().UTC(),
		Status: gate.Deidentified, Source: "会员消费记录，依会员协议收集"}
	for _, t := range l.Tags {
		values := t.Values
		if t.ValueType == catalog.ValueHit {
			values = []string{"1"}
		}
		for _, v := range values {
			r.Counts = append(r.Counts, gate.ValueCount{Key: t.Key, Value: v, Subjects: n})
		}
	}
	r.Sign(key)
	return r
}
