package platform_test

import (
	"context"
	"strings"
	"testing"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/errs"
	"hulian/internal/netguard"
	"hulian/internal/platform"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/listings"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/store/storetest"
)

func newPlatform(t testing.TB, db *store.DB) *exchange.Exchange {
	t.Helper()
	p := exchange.New(db, nil, relay.NewNodeAnswerer(netguard.Policy{Allow: netguard.Loopback}, nil))
	if err := p.LoadReference(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestListingLifecycle walks a dataset through listing, the gate, review
// and publication (X-W1), with its visibility to other members at each step.
func TestListingLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		opCtx := operator(t, p)
		sup := onboard(t, p, opCtx, 11, true, false)
		dem := onboard(t, p, opCtx, 12, false, true)

		if _, err := p.Listings.CreateListing(dem.ctx, catalogtest.Dataset()); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("demander listing: %v", err)
		}
		l, err := p.Listings.CreateListing(sup.ctx, catalogtest.Dataset())
		if err != nil {
			t.Fatal(err)
		}
		visible := func() bool {
			ls, err := p.Listings.SearchListings(dem.ctx, store.ListingQuery{Keyword: "消费"})
			if err != nil {
				t.Fatal(err)
			}
			return len(ls) == 1
		}
		if _, err := p.Listings.Listing(dem.ctx, l.ID); !errs.Is(err, errs.NotFound) || visible() {
			t.Errorf("draft visible to another member: %v", err)
		}
		if _, err := p.Listings.SubmitListing(sup.ctx, l.ID, nil); !errs.Is(err, errs.Invalid) {
			t.Errorf("submit without gate report: %v", err)
		}
		if _, err := p.Listings.SubmitListing(sup.ctx, l.ID, catalogtest.Report(l, sup.nodeKey, 999)); err == nil || !strings.Contains(err.Error(), "999") {
			t.Errorf("submit with k = 999: %v", err)
		}
		if _, err := p.Listings.SubmitListing(sup.ctx, l.ID, catalogtest.Report(l, dem.nodeKey, 5000)); err == nil {
			t.Error("gate report signed by another member's node accepted")
		}
		if _, err := p.Listings.SubmitListing(sup.ctx, l.ID, catalogtest.Report(l, sup.nodeKey, 5000)); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Listings.StartReview(sup.ctx, l.ID); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("supplier reviewing itself: %v", err)
		}
		if _, err := p.Listings.StartReview(opCtx, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Listings.DecideListing(opCtx, l.ID, true, "符合六要素标准"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Listings.PublishListing(dem.ctx, l.ID); err == nil {
			t.Error("another member published the listing")
		}
		if _, err := p.Listings.PublishListing(sup.ctx, l.ID); err != nil {
			t.Fatal(err)
		}
		if !visible() {
			t.Fatal("published listing not found by another member")
		}
		byCat, _ := p.Listings.SearchListings(dem.ctx, store.ListingQuery{Category: "behaviour", Industry: "F", MaxFen: 5})
		byTag, _ := p.Listings.SearchListings(dem.ctx, store.ListingQuery{Tag: "有车人群"})
		tooCheap, _ := p.Listings.SearchListings(dem.ctx, store.ListingQuery{MaxFen: 4})
		if len(byCat) != 1 || len(byTag) != 1 || len(tooCheap) != 0 {
			t.Errorf("search by category %d, tag %d, price %d", len(byCat), len(byTag), len(tooCheap))
		}

		quotes, err := p.Listings.Quotes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range quotes {
			want := 0
			if q.Category.Code == "behaviour.consumption" || q.Category.Code == "basic.group" {
				want = 1
			}
			if q.Listings != want || (want == 1 && (q.MinFen != 5 || q.MedianFen != 5 || q.MaxFen != 5)) {
				t.Errorf("quote %s: %+v", q.Category.Code, q)
			}
		}

		// Any change re-enters review: the listing leaves the market.
		changed := catalogtest.Dataset()
		changed.Title = "城市消费水平标签（第二版）"
		l2, err := p.Listings.UpdateListing(sup.ctx, l.ID, changed)
		if err != nil {
			t.Fatal(err)
		}
		if l2.Version != 2 || l2.Status != catalog.StatusDraft || visible() {
			t.Errorf("after change: version %d status %s visible %v", l2.Version, l2.Status, visible())
		}
		if _, err := p.Listings.SubmitListing(sup.ctx, l.ID, catalogtest.Report(l, sup.nodeKey, 5000)); err == nil {
			t.Error("gate report of version 1 accepted for version 2")
		}

		var kinds []string
		db.Read(opCtx, func(tx *store.Tx) error {
			es, err := tx.LogEntries(opCtx, store.LogFilter{Member: sup.member.ID, Limit: 1000})
			for _, e := range es {
				if strings.HasPrefix(e.Kind, "listing.") {
					kinds = append(kinds, e.Kind)
				}
			}
			return err
		})
		want := []string{listings.KindListingCreated, listings.KindListingSubmitted, listings.KindListingReview, listings.KindListingApproved, listings.KindListingPublished, listings.KindListingChanged}
		if strings.Join(kinds, ",") != strings.Join(want, ",") {
			t.Errorf("log kinds %v, want %v", kinds, want)
		}
	})
}

// TestListingScreening checks that prohibited content in a listing's text
// is refused with the field and clause, and nothing is stored (X-F1, X-F5, X-E4).
func TestListingScreening(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		opCtx := operator(t, p)
		sup := onboard(t, p, opCtx, 21, true, false)
		cases := map[string]func(l *catalog.Listing){
			"limit.description": func(l *catalog.Listing) { l.Limit.Description = "样例用户 13800138000 的消费分档" },
			"tags[0].values[1]": func(l *catalog.Listing) { l.Tags[0].Values[1] = "ex1aaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
		}
		for field, mutate := range cases {
			l := catalogtest.Dataset()
			mutate(l)
			_, err := p.Listings.CreateListing(sup.ctx, l)
			e, ok := err.(*errs.Error)
			if !ok || e.Field != field || !strings.Contains(e.Error(), "X-") {
				t.Errorf("%s: got %v", field, err)
			}
		}
		ls, _ := p.Listings.SearchListings(sup.ctx, store.ListingQuery{})
		if len(ls) != 0 {
			t.Errorf("%d listings stored after refusals", len(ls))
		}
	})
}

func TestTradingGateForListing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		operator(t, p)
		_, acct, err := p.Apply(context.Background(), application(31))
		if err != nil {
			t.Fatal(err)
		}
		ctx := auth.WithActor(context.Background(), acct.Actor())
		if _, err := p.Listings.CreateListing(ctx, catalogtest.Dataset()); !errs.Is(err, errs.FailedPrecondition) {
			t.Errorf("listing before onboarding: %v", err)
		}
	})
}

func TestReferenceUpdate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		opCtx := operator(t, p)
		body := strings.Replace(string(catalog.DefaultTaxonomy), `"version": "2017"`, `"version": "2026-1"`, 1)
		body = strings.Replace(body, `{"code": "behaviour.driving", "zh": "驾驶行为", "en": "Driving behaviour"}`,
			`{"code": "behaviour.driving", "zh": "驾驶行为", "en": "Driving behaviour"}, {"code": "behaviour.travel", "zh": "出行行为", "en": "Travel behaviour"}`, 1)
		if err := p.PutReference(auth.WithActor(context.Background(), auth.Actor{AccountID: "x", MemberID: "m", Role: auth.RoleMember}), catalog.RefTaxonomy, []byte(body)); !errs.Is(err, errs.PermissionDenied) {
			t.Errorf("member editing the taxonomy: %v", err)
		}
		if err := p.PutReference(opCtx, catalog.RefTaxonomy, []byte(body)); err != nil {
			t.Fatal(err)
		}
		if _, ok := p.Taxonomy().Leaf("behaviour.travel"); !ok || p.Taxonomy().Version != "2026-1" {
			t.Error("new taxonomy not in force")
		}
		if err := p.PutReference(opCtx, catalog.RefTaxonomy, []byte(body)); !errs.Is(err, errs.Conflict) {
			t.Errorf("same version again: %v", err)
		}
		// A restarted platform loads the newest version from the database.
		p2 := newPlatform(t, db)
		if p2.Taxonomy().Version != "2026-1" {
			t.Errorf("after restart: %s", p2.Taxonomy().Version)
		}
		var n int
		db.Read(opCtx, func(tx *store.Tx) error {
			es, err := tx.LogEntries(opCtx, store.LogFilter{Kind: platform.KindReferenceUpdated})
			n = len(es)
			return err
		})
		if n != 3 { // two defaults at first start, one update
			t.Errorf("%d reference log entries", n)
		}
	})
}

// TestListingStorageRegion: a member storing data outside mainland China
// cannot list datasets about people, but may list datasets about things
// (O-6).
func TestListingStorageRegion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db)
		opCtx := operator(t, p)
		sup := onboard(t, p, opCtx, 71, true, false)
		m := sup.member
		m.StorageRegion = "CN-HK"
		if err := db.Transact(opCtx, func(tx *store.Tx) error { return tx.UpdateMember(opCtx, m) }); err != nil {
			t.Fatal(err)
		}
		_, err := p.Listings.CreateListing(sup.ctx, catalogtest.Dataset())
		if e, ok := err.(*errs.Error); !ok || e.Kind != errs.FailedPrecondition || e.Field != "storage_region" {
			t.Fatalf("person dataset stored in CN-HK: %v", err)
		}
		things := catalogtest.Dataset()
		things.Subject = catalog.SubjectThing
		if _, err := p.Listings.CreateListing(sup.ctx, things); err != nil {
			t.Errorf("thing dataset: %v", err)
		}
	})
}
