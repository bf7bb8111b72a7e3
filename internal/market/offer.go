package market

import (
	"fmt"
	"slices"
	"time"

	"hulian/internal/catalog"
	"hulian/internal/errs"
	"hulian/internal/pricing"
)

// OfferStatus is where a supplier's offer is.
type OfferStatus string

const (
	OfferOpen        OfferStatus = "open"
	OfferSelected    OfferStatus = "selected"
	OfferNotSelected OfferStatus = "not_selected"
	OfferWithdrawn   OfferStatus = "withdrawn"
)

// Offer is a supplier's answer to a demand within its listing's terms
// (competitive bidding, X-W4): the same billing mode and basis, prices not
// above the listing's, a retention period no longer and traversal limits no
// looser than the listing's.
type Offer struct {
	ID             string            `json:"id"`
	DemandID       string            `json:"demand_id"`
	DemanderID     string            `json:"demander_id"`
	ListingID      string            `json:"listing_id"`
	ListingVersion int               `json:"listing_version"`
	SupplierID     string            `json:"supplier_id"`
	Price          pricing.Plan      `json:"price"`
	RetentionDays  int               `json:"retention_days"`
	Traversal      catalog.Traversal `json:"traversal"`
	Note           string            `json:"note,omitempty"`
	Status         OfferStatus       `json:"status"`
	Created        time.Time         `json:"created"`
	Updated        time.Time         `json:"updated"`
}

// Defaults fills what the supplier left empty from its listing: the listed
// price, the listed retention period and traversal limits.
func (o *Offer) Defaults(l *catalog.Listing) {
	if o.Price.Mode == "" {
		o.Price = l.Price
	}
	if o.RetentionDays == 0 {
		o.RetentionDays = l.Term.RetentionDays
	}
	if o.Traversal == (catalog.Traversal{}) {
		o.Traversal = l.Limit.Traversal
	}
}

// Check verifies the offer stays within its listing's terms.
func (o *Offer) Check(l *catalog.Listing) error {
	if err := o.Price.Validate(); err != nil {
		return prefixed("price.", err)
	}
	if o.Price.Mode != l.Price.Mode || o.Price.Basis != l.Price.Basis {
		return errs.Invalidf("price.mode", "报价的计费方式和计费依据须与挂牌一致（"+string(l.Price.Mode)+"，"+string(l.Price.Basis)+"）",
			"an offer keeps the listing's billing mode and basis ("+string(l.Price.Mode)+", "+string(l.Price.Basis)+")")
	}
	if n, ok := NotAbove(o.Price, l.Price); !ok {
		return errs.Invalidf("price", fmt.Sprintf("报价不能高于挂牌价格（月用量 %d 时高于挂牌价）", n),
			fmt.Sprintf("an offer cannot cost more than the listed price (it does at a monthly volume of %d)", n))
	}
	if o.RetentionDays < 1 || o.RetentionDays > l.Term.RetentionDays {
		return errs.Invalidf("retention_days", fmt.Sprintf("数据留存期限须为 1 到 %d 天（不超过挂牌约定）", l.Term.RetentionDays),
			fmt.Sprintf("the retention period must be 1 to %d days (not beyond the listing's)", l.Term.RetentionDays))
	}
	return NoLooser(o.Traversal, l.Limit.Traversal)
}

func prefixed(prefix string, err error) error {
	if e, ok := err.(*errs.Error); ok {
		c := *e
		c.Field = prefix + c.Field
		return &c
	}
	return err
}

// NoLooser checks that traversal limits t are at least as strict as the
// listing's: where the listing sets a limit, t sets one no higher.
func NoLooser(t, listing catalog.Traversal) error {
	type lim struct {
		field    string
		got, max int64
	}
	for _, c := range []lim{
		{"traversal.ids_per_request", int64(t.IDsPerRequest), int64(listing.IDsPerRequest)},
		{"traversal.ids_per_day", t.IDsPerDay, listing.IDsPerDay},
		{"traversal.requests_per_minute", int64(t.RequestsPerMinute), int64(listing.RequestsPerMinute)},
	} {
		switch {
		case c.got < 0:
			return errs.Invalidf(c.field, "遍历限制不能为负数", "traversal limits cannot be negative")
		case c.max > 0 && (c.got == 0 || c.got > c.max):
			return errs.Invalidf(c.field, fmt.Sprintf("遍历限制不能宽于挂牌的 %d", c.max), fmt.Sprintf("the traversal limit cannot be looser than the listing's %d", c.max))
		}
	}
	return nil
}

// NotAbove reports whether plan a costs no more than plan b for every
// monthly volume, and if not, a volume at which it costs more. Both plans'
// month totals are linear between their tier and band bounds (a band's fee
// is constant within it), so comparing at every bound, the volume after it,
// and the slope beyond the last bound decides all volumes.
func NotAbove(a, b pricing.Plan) (int64, bool) {
	points := []int64{1}
	for _, p := range []pricing.Plan{a, b} {
		for _, t := range p.Tiers {
			points = append(points, t.UpTo, t.UpTo+1)
		}
		for _, band := range p.Bands {
			points = append(points, band.UpTo, band.UpTo+1)
		}
		if p.Included > 0 {
			points = append(points, p.Included, p.Included+1)
		}
	}
	slices.Sort(points)
	last := points[len(points)-1]
	points = append(points, last+1)
	total := func(p pricing.Plan, n int64) int64 {
		t, err := p.MonthTotal(pricing.Usage{Queried: n, Matched: n})
		if err != nil {
			return -1 // unreachable for validated plans and bounded volumes
		}
		return t
	}
	for _, n := range points {
		if n <= 0 {
			continue
		}
		if total(a, n) > total(b, n) {
			return n, false
		}
	}
	// Beyond the last bound both are linear: compare the marginal price.
	sa, sb := total(a, last+2)-total(a, last+1), total(b, last+2)-total(b, last+1)
	if sa > sb {
		return last + 1 + (total(b, last+1)-total(a, last+1))/(sa-sb) + 1, false
	}
	return 0, true
}
