// Package listings is the platform's register of listings (挂牌): a
// supplier's listing from draft through the node-signed gate report,
// review and publication to suspension or withdrawal, each step checked,
// screened for prohibited content and logged in its transaction (X-E*,
// X-F*, X-W1); and what the market reads of them — search and quotes.
package listings

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/catalog"
	"hulian/internal/compliance/gate"
	"hulian/internal/compliance/scan"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// Log entry kinds of listings.
const (
	KindListingCreated   = "listing.created"
	KindListingChanged   = "listing.changed"
	KindListingSubmitted = "listing.submitted"
	KindListingReview    = "listing.review_started"
	KindListingApproved  = "listing.approved"
	KindListingRejected  = "listing.rejected"
	KindListingPublished = "listing.published"
	KindListingSuspended = "listing.suspended"
	KindListingResumed   = "listing.resumed"
	KindListingWithdrawn = "listing.withdrawn"
)

// Registry is the register of listings of the platform P.
type Registry struct {
	P         *platform.Platform
	scanner   *scan.Scanner // screening, reasons in English
	scannerZH *scan.Scanner // the same, reasons in Chinese
}

// New returns the register of p's listings.
func New(p *platform.Platform) *Registry {
	return &Registry{P: p, scanner: scan.New(scan.Options{Lang: i18n.EN}), scannerZH: scan.New(scan.Options{Lang: i18n.ZH})}
}

// screen checks a listing's published text for prohibited content (X-F5
// terms) and identifiers in tag names or values (X-E4, X-F1..X-F4). Nothing
// of a listing with a finding is published.
func (r *Registry) screen(l *catalog.Listing) error {
	texts := [][2]string{{"title", l.Title}, {"limit.description", l.Limit.Description}}
	for i, k := range l.Limit.Keywords {
		texts = append(texts, [2]string{fmt.Sprintf("limit.keywords[%d]", i), k})
	}
	for i, s := range l.Limit.Scenarios {
		texts = append(texts, [2]string{fmt.Sprintf("limit.scenarios[%d]", i), s})
	}
	for i, t := range l.Tags {
		texts = append(texts, [2]string{fmt.Sprintf("tags[%d].name", i), t.Name}, [2]string{fmt.Sprintf("tags[%d].description", i), t.Description}, [2]string{fmt.Sprintf("tags[%d].constraints", i), t.Constraints})
		for j, v := range t.Values {
			texts = append(texts, [2]string{fmt.Sprintf("tags[%d].values[%d]", i, j), v})
		}
	}
	for _, t := range texts {
		for _, f := range r.scanner.ScanCell(t[0], t[1]) {
			if scan.Prohibited(f) {
				zh := r.scannerZH.ScanCell(t[0], t[1])
				reason := f.Reason
				if len(zh) > 0 {
					reason = zh[0].Reason
				}
				return &errs.Error{Kind: errs.Invalid, Field: t[0], Reason: i18n.T(
					"含有禁止内容（"+f.Clause+"）："+reason, "contains prohibited content ("+f.Clause+"): "+f.Reason)}
			}
		}
	}
	return nil
}

func (r *Registry) validateListing(l *catalog.Listing) error {
	tax, ind := r.P.Reference()
	if tax == nil {
		return errs.New(errs.Unavailable, "", "参考数据尚未加载", "reference data is not loaded")
	}
	if err := l.Validate(tax, ind); err != nil {
		return err
	}
	return r.screen(l)
}

// CreateListing saves a supplier's new listing as a draft (挂牌).
func (r *Registry) CreateListing(ctx context.Context, l *catalog.Listing) (*catalog.Listing, error) {
	if err := r.validateListing(l); err != nil {
		return nil, err
	}
	err := r.P.DB.Transact(ctx, func(tx *store.Tx) error {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		if !m.Supplier {
			return errs.New(errs.PermissionDenied, "", "只有供应方可以挂牌", "only suppliers can list")
		}
		if err := storedInMainland(m, l); err != nil {
			return err
		}
		l.ID, l.MemberID, l.Version, l.Status, l.GateDigest, l.ReviewNote = auth.NewID("lst_"), m.ID, 1, catalog.StatusDraft, "", ""
		if err := tx.SaveListing(ctx, l, true); err != nil {
			return err
		}
		_, err = tx.Append(ctx, m.ID, KindListingCreated, l.ID, listingPayload(r.P.Digest(), l))
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// storedInMainland refuses a dataset about people from a member whose
// declared storage region is outside mainland China: personal information
// collected in China is stored in China (O-6).
func storedInMainland(m *member.Member, l *catalog.Listing) error {
	if l.Kind == catalog.Dataset && l.Subject == catalog.SubjectPerson && !m.InMainland() {
		return errs.New(errs.FailedPrecondition, "storage_region", "成员声明的数据存储地（"+m.StorageRegion+"）不在中国境内，不能挂牌个人信息数据集（O-6）",
			"the member's declared storage region ("+m.StorageRegion+") is outside mainland China; it cannot list datasets about people (O-6)")
	}
	return nil
}

func listingPayload(alg digest.Alg, l *catalog.Listing) bizlog.P {
	body, _ := json.Marshal(l)
	return bizlog.P{"version": l.Version, "status": string(l.Status), "kind": string(l.Kind), "title": l.Title, "tags": len(l.Tags), bizlog.CommitField("content", alg): bizlog.CommitWith(alg, body)}
}

// UpdateListing replaces a listing's content. The change is a new version
// and must be reviewed again before it is published (X-E8: re-checked
// whenever it changes).
func (r *Registry) UpdateListing(ctx context.Context, id string, changed *catalog.Listing) (*catalog.Listing, error) {
	if err := r.validateListing(changed); err != nil {
		return nil, err
	}
	var l *catalog.Listing
	err := r.P.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return err
		}
		if err := storedInMainland(m, changed); err != nil {
			return err
		}
		old, err := tx.Listing(ctx, id, true)
		if err != nil {
			return err
		}
		if old.MemberID != auth.ActorFrom(ctx).MemberID {
			return errs.New(errs.PermissionDenied, "", "只能修改本成员的挂牌", "you can change only your own listings")
		}
		if err := old.Editable(); err != nil {
			return err
		}
		l = changed
		l.ID, l.MemberID, l.Created = old.ID, old.MemberID, old.Created
		l.Version, l.Status, l.GateDigest, l.ReviewNote = old.Version+1, catalog.StatusDraft, "", ""
		if err := tx.SaveListing(ctx, l, false); err != nil {
			return err
		}
		_, err = tx.Append(ctx, l.MemberID, KindListingChanged, l.ID, listingPayload(r.P.Digest(), l))
		return err
	})
	return l, err
}

// transition applies one review step to a listing and logs it.
func (r *Registry) transition(ctx context.Context, perm auth.Permission, id, kind string, step func(tx *store.Tx, l *catalog.Listing) (bizlog.P, error)) (*catalog.Listing, error) {
	if err := auth.Require(ctx, perm); err != nil {
		return nil, err
	}
	var l *catalog.Listing
	err := r.P.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		l, err = r.transitionIn(ctx, tx, id, kind, step)
		return err
	})
	return l, err
}

// transitionIn is transition in the caller's transaction.
func (r *Registry) transitionIn(ctx context.Context, tx *store.Tx, id, kind string, step func(tx *store.Tx, l *catalog.Listing) (bizlog.P, error)) (*catalog.Listing, error) {
	l, err := tx.Listing(ctx, id, true)
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	if !a.Role.IsStaff() && l.MemberID != a.MemberID {
		return nil, errs.New(errs.PermissionDenied, "", "只能操作本成员的挂牌", "you can act only on your own listings")
	}
	payload, err := step(tx, l)
	if err != nil {
		return nil, err
	}
	if err := tx.SaveListing(ctx, l, false); err != nil {
		return nil, err
	}
	if payload == nil {
		payload = bizlog.P{}
	}
	payload["version"], payload["status"] = l.Version, string(l.Status)
	_, err = tx.Append(ctx, l.MemberID, kind, l.ID, payload)
	return l, err
}

// SubmitListing sends a listing to review. A dataset must come with its
// node's signed gate report for this version: k ≥ 1000 for every tag value
// and no prohibited findings (X-E8, X-F1..X-F5).
func (r *Registry) SubmitListing(ctx context.Context, id string, report *gate.SignedReport) (*catalog.Listing, error) {
	return r.transition(ctx, auth.PermTrade, id, KindListingSubmitted, func(tx *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		m, err := platform.RequireTrading(ctx, tx)
		if err != nil {
			return nil, err
		}
		payload := bizlog.P{}
		if l.Kind == catalog.Dataset {
			if report == nil {
				return nil, errs.Invalidf("gate_report", "数据集须附供应方节点签名的合规检查报告", "a dataset needs the gate report signed by the supplier's node")
			}
			if err := report.Check(l, m.Keys.Signing, r.P.K); err != nil {
				return nil, err
			}
			// The log's field names the hash: gate_sha256, or gate_sm3.
			alg := r.P.Digest()
			sum := alg.Sum(report.SignedBytes())
			l.GateDigest = hex.EncodeToString(sum[:])
			payload[bizlog.CommitField("gate", alg)], payload["gate_rows"], payload["gate_subjects"] = l.GateDigest, report.Rows, report.Subjects
		}
		return payload, l.Submit()
	})
}

// StartReview takes a submitted listing into review (operator).
func (r *Registry) StartReview(ctx context.Context, id string) (*catalog.Listing, error) {
	return r.transition(ctx, auth.PermCatalogReview, id, KindListingReview, func(_ *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		return nil, l.StartReview()
	})
}

// DecideListing approves or rejects a listing in review (operator).
func (r *Registry) DecideListing(ctx context.Context, id string, approve bool, note string) (*catalog.Listing, error) {
	kind := KindListingRejected
	if approve {
		kind = KindListingApproved
	}
	return r.transition(ctx, auth.PermCatalogReview, id, kind, func(_ *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		if err := l.Decide(approve, note); err != nil {
			return nil, err
		}
		return bizlog.P{"note": l.ReviewNote}, nil
	})
}

// PublishListing publishes an approved listing (its supplier).
func (r *Registry) PublishListing(ctx context.Context, id string) (*catalog.Listing, error) {
	return r.transition(ctx, auth.PermTrade, id, KindListingPublished, func(tx *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		if _, err := platform.RequireTrading(ctx, tx); err != nil {
			return nil, err
		}
		if err := l.Publish(); err != nil {
			return nil, err
		}
		l.PublishedAt = tx.Now()
		return nil, nil
	})
}

// SuspendListing takes a published listing off the market (operator).
func (r *Registry) SuspendListing(ctx context.Context, id, reason string) (*catalog.Listing, error) {
	return r.transition(ctx, auth.PermCatalogReview, id, KindListingSuspended, func(_ *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		return bizlog.P{"reason": reason}, l.Suspend(reason)
	})
}

// SuspendListingIn suspends a published listing in the caller's
// transaction — a complaint accepted (X-G3) — so that it commits with what
// caused it. The caller checked the actor's permission.
func (r *Registry) SuspendListingIn(ctx context.Context, tx *store.Tx, id, reason string) (*catalog.Listing, error) {
	return r.transitionIn(ctx, tx, id, KindListingSuspended, func(_ *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		return bizlog.P{"reason": reason}, l.Suspend(reason)
	})
}

// ResumeListingIn resumes a suspended listing in the caller's transaction.
func (r *Registry) ResumeListingIn(ctx context.Context, tx *store.Tx, id string) (*catalog.Listing, error) {
	return r.transitionIn(ctx, tx, id, KindListingResumed, func(_ *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		return nil, l.Resume()
	})
}

// ResumeListing republishes a suspended listing (operator).
func (r *Registry) ResumeListing(ctx context.Context, id string) (*catalog.Listing, error) {
	return r.transition(ctx, auth.PermCatalogReview, id, KindListingResumed, func(_ *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		return nil, l.Resume()
	})
}

// WithdrawListing ends a listing (its supplier).
func (r *Registry) WithdrawListing(ctx context.Context, id string) (*catalog.Listing, error) {
	return r.transition(ctx, auth.PermTrade, id, KindListingWithdrawn, func(_ *store.Tx, l *catalog.Listing) (bizlog.P, error) {
		return nil, l.Withdraw()
	})
}

// Listing returns a listing the actor may see.
func (r *Registry) Listing(ctx context.Context, id string) (*catalog.Listing, error) {
	var l *catalog.Listing
	err := r.P.DB.Read(ctx, func(tx *store.Tx) (err error) { l, err = tx.Listing(ctx, id, false); return err })
	return l, err
}

// SearchListings searches the listings the actor may see.
func (r *Registry) SearchListings(ctx context.Context, q store.ListingQuery) ([]*catalog.Listing, error) {
	var ls []*catalog.Listing
	err := r.P.DB.Read(ctx, func(tx *store.Tx) (err error) { ls, err = tx.SearchListings(ctx, q); return err })
	return ls, err
}

// Quote is the market quote of one tag category (X-W4, X-D1): how many
// published listings carry it and their unit prices in fen.
type Quote struct {
	Category  catalog.Category
	Parent    string
	Listings  int
	MinFen    int64
	MedianFen int64
	MaxFen    int64
}

// Quotes computes the market quotes from published listings. They are
// public: suppliers set prices with reference to them.
func (r *Registry) Quotes(ctx context.Context) ([]Quote, error) {
	var prices []store.PriceByCategory
	err := r.P.DB.Read(ctx, func(tx *store.Tx) (err error) { prices, err = tx.PublishedPrices(ctx); return err })
	if err != nil {
		return nil, err
	}
	tax := r.P.Taxonomy()
	byCat := map[string][]int64{}
	for _, pr := range prices {
		byCat[pr.Category] = append(byCat[pr.Category], pr.UnitFen)
	}
	var out []Quote
	for _, first := range tax.Categories {
		for _, leaf := range first.Children {
			v := byCat[leaf.Code]
			q := Quote{Category: leaf, Parent: first.Code, Listings: len(v)}
			if len(v) > 0 {
				slices.Sort(v)
				q.MinFen, q.MaxFen = v[0], v[len(v)-1]
				if len(v)%2 == 1 {
					q.MedianFen = v[len(v)/2]
				} else {
					// Integer fen: the mean of the two middle prices, rounded down.
					q.MedianFen = (v[len(v)/2-1] + v[len(v)/2]) / 2
				}
			}
			out = append(out, q)
		}
	}
	return out, nil
}
