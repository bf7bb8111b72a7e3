package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/catalog/catalogtest"
	"hulian/internal/compliance/gate"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/member"
	"hulian/internal/platform/api"
	"hulian/internal/platform/store/storetest"
	"hulian/internal/rpc"
)

var protoNames = protojson.MarshalOptions{UseProtoNames: true}

// jsonContent is a valid dataset's content as a curl user would send it.
func jsonContent(t *testing.T) string {
	t.Helper()
	b, err := protoNames.Marshal(api.ContentToProto(catalogtest.Dataset(), true))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func jsonGateReport(t *testing.T, r *gate.SignedReport) string {
	t.Helper()
	b, err := protoNames.Marshal(api.GateReportToProto(r))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// putTaxonomyBody is a PutReference request installing the default
// taxonomy under a fresh version.
func putTaxonomyBody(t *testing.T) string {
	t.Helper()
	var tax map[string]any
	if err := json.Unmarshal(catalog.DefaultTaxonomy, &tax); err != nil {
		t.Fatal(err)
	}
	tax["version"] = fmt.Sprintf("authz-%d", uniq())
	body, _ := json.Marshal(tax)
	req, _ := json.Marshal(map[string]any{"kind": "taxonomy", "body": body}) // bytes travel as base64, as in protojson
	return string(req)
}

// listingOfA makes one of member A's dataset listings and takes it to
// status through the use cases. Member A must be active.
func (f *fixture) listingOfA(t *testing.T, status catalog.Status) *catalog.Listing {
	t.Helper()
	p := f.M.Exchange
	ctx := auth.WithActor(context.Background(), f.A.actor())
	op := auth.WithActor(context.Background(), f.Operator.Actor())
	l, err := p.Listings.CreateListing(ctx, catalogtest.Dataset())
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		to catalog.Status
		do func() (*catalog.Listing, error)
	}{
		{catalog.StatusSubmitted, func() (*catalog.Listing, error) {
			return p.Listings.SubmitListing(ctx, l.ID, catalogtest.Report(l, f.A.Node, 5000))
		}},
		{catalog.StatusInReview, func() (*catalog.Listing, error) { return p.Listings.StartReview(op, l.ID) }},
		{catalog.StatusApproved, func() (*catalog.Listing, error) { return p.Listings.DecideListing(op, l.ID, true, "") }},
		{catalog.StatusPublished, func() (*catalog.Listing, error) { return p.Listings.PublishListing(ctx, l.ID) }},
		{catalog.StatusSuspended, func() (*catalog.Listing, error) { return p.Listings.SuspendListing(op, l.ID, "核查") }},
	}
	for _, s := range steps {
		if l.Status == status {
			break
		}
		if l, err = s.do(); err != nil {
			t.Fatalf("to %s: %v", s.to, err)
		}
	}
	if l.Status != status {
		t.Fatalf("listing is %s, want %s", l.Status, status)
	}
	return l
}

// wantField fails unless err is a Connect error of code naming field.
func wantField(t *testing.T, what string, err error, code connect.Code, field string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: succeeded, want %v on %q", what, code, field)
		return
	}
	d := rpc.Detail(err)
	if connect.CodeOf(err) != code || d == nil || d.Field != field {
		t.Errorf("%s: %v (detail %+v), want %v on field %q", what, err, d, code, field)
	}
}

// TestCatalogLifecycle walks a dataset listing through the API as its
// supplier, the operator, another member and an anonymous visitor: the
// six elements (X-E1..X-E12), the signed gate report (X-E8, X-F1..X-F5),
// review and publication (X-W1), search and the market quotes (X-W4, X-D1).
func TestCatalogLifecycle(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, eng)
			f.setStage(t, f.A, member.StageActive)
			f.setStage(t, f.B, member.StageActive)
			ctx := context.Background()
			sup := rpc.NewCatalogClient(f.URL, rpc.WithToken(f.A.Token))
			other := rpc.NewCatalogClient(f.URL, rpc.WithToken(f.B.Token), rpc.WithJSON())
			op := rpc.NewCatalogClient(f.URL, rpc.WithToken(f.OpToken))
			anon := rpc.NewCatalogClient(f.URL)
			node := rpc.NewCatalogClient(f.URL, rpc.WithNodeKey(f.A.ID, f.A.Node))

			content := api.ContentToProto(catalogtest.Dataset(), true)
			cr, err := sup.CreateListing(ctx, connect.NewRequest(&hulianv1.CreateListingRequest{Content: content}))
			if err != nil {
				t.Fatal(err)
			}
			l := cr.Msg.Listing
			if l.Status != "draft" || l.Version != 1 || l.MemberId != f.A.ID || l.ListedFen != 5 || l.Content.Tags[0].Column != "level" {
				t.Fatalf("created %+v", l)
			}
			_, err = other.GetListing(ctx, connect.NewRequest(&hulianv1.GetListingRequest{Id: l.Id}))
			wantField(t, "draft seen by another member", err, connect.CodeNotFound, "listing")

			domain := catalogtest.Dataset()
			domain.ID, domain.Version = l.Id, 1
			submit := func(c hulianv1connect.CatalogServiceClient, r *gate.SignedReport) error {
				req := &hulianv1.SubmitListingRequest{Id: l.Id}
				if r != nil {
					req.GateReport = api.GateReportToProto(r)
				}
				_, err := c.SubmitListing(ctx, connect.NewRequest(req))
				return err
			}
			wantField(t, "submit without a report", submit(sup, nil), connect.CodeInvalidArgument, "gate_report")
			wantField(t, "report signed by another node", submit(sup, catalogtest.Report(domain, f.B.Node, 5000)), connect.CodeInvalidArgument, "gate_report.signature")
			tampered := catalogtest.Report(domain, f.A.Node, 500)
			for i := range tampered.Counts {
				tampered.Counts[i].Subjects = 5000
			}
			wantField(t, "tampered report", submit(sup, tampered), connect.CodeInvalidArgument, "gate_report.signature")
			wantField(t, "k below 1000", submit(sup, catalogtest.Report(domain, f.A.Node, 999)), connect.CodeInvalidArgument, "gate_report.counts")
			// The node submits with its own signed request, as it would.
			if err := submit(node, catalogtest.Report(domain, f.A.Node, 5000)); err != nil {
				t.Fatal(err)
			}

			_, err = sup.StartReview(ctx, connect.NewRequest(&hulianv1.StartReviewRequest{Id: l.Id}))
			wantField(t, "supplier reviewing", err, connect.CodePermissionDenied, "")
			if _, err := op.StartReview(ctx, connect.NewRequest(&hulianv1.StartReviewRequest{Id: l.Id})); err != nil {
				t.Fatal(err)
			}
			_, err = op.DecideListing(ctx, connect.NewRequest(&hulianv1.DecideListingRequest{Id: l.Id}))
			wantField(t, "reject without reasons", err, connect.CodeInvalidArgument, "note")
			if _, err := op.DecideListing(ctx, connect.NewRequest(&hulianv1.DecideListingRequest{Id: l.Id, Approve: true, Note: "符合六要素标准"})); err != nil {
				t.Fatal(err)
			}
			_, err = other.PublishListing(ctx, connect.NewRequest(&hulianv1.PublishListingRequest{Id: l.Id}))
			wantField(t, "another member publishing", err, connect.CodeNotFound, "listing")
			pr, err := sup.PublishListing(ctx, connect.NewRequest(&hulianv1.PublishListingRequest{Id: l.Id}))
			if err != nil {
				t.Fatal(err)
			}
			if pr.Msg.Listing.Status != "published" || pr.Msg.Listing.PublishedAt == nil || pr.Msg.Listing.GateDigest == "" {
				t.Errorf("published %+v", pr.Msg.Listing)
			}

			search := func(req *hulianv1.SearchListingsRequest) []*hulianv1.Listing {
				t.Helper()
				res, err := other.SearchListings(ctx, connect.NewRequest(req))
				if err != nil {
					t.Fatal(err)
				}
				return res.Msg.Listings
			}
			for _, q := range []*hulianv1.SearchListingsRequest{
				{Category: "behaviour"}, {Category: "behaviour.consumption"}, {Tag: "消费水平"}, {Keyword: "分档"},
				{Industry: "F"}, {MinFen: 5, MaxFen: 5},
			} {
				got := search(q)
				if len(got) != 1 || got[0].Id != l.Id {
					t.Errorf("search %v: %d listings", q, len(got))
					continue
				}
				if got[0].Content.Tags[0].Column != "" {
					t.Errorf("another member sees the supplier's CSV column %q", got[0].Content.Tags[0].Column)
				}
			}
			for _, q := range []*hulianv1.SearchListingsRequest{{Category: "basic.location"}, {MinFen: 6}, {Industry: "A"}, {Keyword: "不存在"}} {
				if got := search(q); len(got) != 0 {
					t.Errorf("search %v: %d listings, want none", q, len(got))
				}
			}

			qr, err := anon.GetQuotes(ctx, connect.NewRequest(&hulianv1.GetQuotesRequest{}))
			if err != nil {
				t.Fatal(err)
			}
			var quoted bool
			for _, q := range qr.Msg.Quotes {
				if q.Category == "behaviour.consumption" {
					quoted = q.Listings == 1 && q.MinFen == 5 && q.MedianFen == 5 && q.MaxFen == 5 && q.Zh != ""
				}
			}
			if !quoted {
				t.Errorf("quotes lack the published listing: %v", qr.Msg.Quotes)
			}
			tax, err := anon.GetTaxonomy(ctx, connect.NewRequest(&hulianv1.GetTaxonomyRequest{}))
			if err != nil || len(tax.Msg.Categories) == 0 || len(tax.Msg.Categories[0].Children) == 0 {
				t.Errorf("taxonomy: %v", err)
			}
			ind, err := anon.GetIndustries(ctx, connect.NewRequest(&hulianv1.GetIndustriesRequest{}))
			if err != nil || len(ind.Msg.Sections) == 0 {
				t.Errorf("industries: %v", err)
			}

			_, err = op.SuspendListing(ctx, connect.NewRequest(&hulianv1.SuspendListingRequest{Id: l.Id}))
			wantField(t, "suspend without a reason", err, connect.CodeInvalidArgument, "reason")
			if _, err := op.SuspendListing(ctx, connect.NewRequest(&hulianv1.SuspendListingRequest{Id: l.Id, Reason: "投诉核查"})); err != nil {
				t.Fatal(err)
			}
			if got := search(&hulianv1.SearchListingsRequest{Keyword: "分档"}); len(got) != 0 {
				t.Error("suspended listing still found")
			}
			if _, err := op.ResumeListing(ctx, connect.NewRequest(&hulianv1.ResumeListingRequest{Id: l.Id})); err != nil {
				t.Fatal(err)
			}
			// Any change re-enters review.
			content.Title = "城市消费水平标签（修订）"
			ur, err := sup.UpdateListing(ctx, connect.NewRequest(&hulianv1.UpdateListingRequest{Id: l.Id, Content: content}))
			if err != nil {
				t.Fatal(err)
			}
			if ur.Msg.Listing.Status != "draft" || ur.Msg.Listing.Version != 2 || ur.Msg.Listing.GateDigest != "" {
				t.Errorf("updated %+v", ur.Msg.Listing)
			}
			wr, err := sup.WithdrawListing(ctx, connect.NewRequest(&hulianv1.WithdrawListingRequest{Id: l.Id}))
			if err != nil || wr.Msg.Listing.Status != "withdrawn" {
				t.Fatalf("withdraw: %v", err)
			}
			mine, err := sup.SearchListings(ctx, connect.NewRequest(&hulianv1.SearchListingsRequest{Mine: true}))
			if err != nil || len(mine.Msg.Listings) != 1 {
				t.Errorf("own listings: %v", err)
			}
		})
	}
}

// TestCatalogBadInput checks that bad listings and queries are refused
// with the field named as the caller sent it.
func TestCatalogBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	f.setStage(t, f.A, member.StageActive)
	ctx := context.Background()
	c := rpc.NewCatalogClient(f.URL, rpc.WithToken(f.A.Token), rpc.WithLanguage("en"))
	op := rpc.NewCatalogClient(f.URL, rpc.WithToken(f.OpToken))
	edit := func(fn func(*hulianv1.ListingContent)) *hulianv1.ListingContent {
		x := api.ContentToProto(catalogtest.Dataset(), true)
		fn(x)
		return x
	}
	create := []struct {
		name    string
		content *hulianv1.ListingContent
		field   string
	}{
		{"no content", nil, "content"},
		{"bad kind", edit(func(x *hulianv1.ListingContent) { x.Kind = "dataset2" }), "content.kind"},
		{"no title", edit(func(x *hulianv1.ListingContent) { x.Title = "" }), "content.title"},
		{"bad subject", edit(func(x *hulianv1.ListingContent) { x.Subject = "robot" }), "content.subject"},
		{"bad id type", edit(func(x *hulianv1.ListingContent) { x.IdType = "qq" }), "content.id_type"},
		{"no tags", edit(func(x *hulianv1.ListingContent) { x.Tags = nil }), "content.tags"},
		{"bad tag key", edit(func(x *hulianv1.ListingContent) { x.Tags[0].Key = "Level!" }), "content.tags[0].key"},
		{"unknown category", edit(func(x *hulianv1.ListingContent) { x.Tags[1].Category = "nope.nope" }), "content.tags[1].category"},
		{"one value", edit(func(x *hulianv1.ListingContent) { x.Tags[0].Values = []string{"低"} }), "content.tags[0].values"},
		{"phone in a value", edit(func(x *hulianv1.ListingContent) { x.Tags[0].Values = []string{"低", "13812345678"} }), "content.tags[0].values[1]"},
		{"no keywords", edit(func(x *hulianv1.ListingContent) { x.Limit.Keywords = nil }), "content.limit.keywords"},
		{"bad industry", edit(func(x *hulianv1.ListingContent) { x.Limit.SourceIndustry = "Z99" }), "content.limit.source_industry"},
		{"strong one-step", edit(func(x *hulianv1.ListingContent) { x.Limit.Association = "strong" }), "content.limit.verification"},
		{"no retention", edit(func(x *hulianv1.ListingContent) { x.Term.RetentionDays = 0 }), "content.term.retention_days"},
		{"no price", edit(func(x *hulianv1.ListingContent) { x.Price.UnitPrice = -1 }), "content.price.unit_price"},
		{"bad billing", edit(func(x *hulianv1.ListingContent) { x.Price.Basis = "row" }), "content.price.basis"},
	}
	for _, tc := range create {
		_, err := c.CreateListing(ctx, connect.NewRequest(&hulianv1.CreateListingRequest{Content: tc.content}))
		wantField(t, tc.name, err, connect.CodeInvalidArgument, tc.field)
	}
	_, err := c.GetListing(ctx, connect.NewRequest(&hulianv1.GetListingRequest{Id: "mem_abc"}))
	wantField(t, "wrong ID prefix", err, connect.CodeInvalidArgument, "id")
	for _, q := range []struct {
		req   *hulianv1.SearchListingsRequest
		field string
	}{
		{&hulianv1.SearchListingsRequest{MinFen: -1}, "min_fen"},
		{&hulianv1.SearchListingsRequest{MinFen: 10, MaxFen: 5}, "max_fen"},
		{&hulianv1.SearchListingsRequest{Limit: 501}, "limit"},
		{&hulianv1.SearchListingsRequest{Status: "live"}, "status"},
	} {
		_, err := c.SearchListings(ctx, connect.NewRequest(q.req))
		wantField(t, "search "+q.field, err, connect.CodeInvalidArgument, q.field)
	}
	_, err = op.SearchListings(ctx, connect.NewRequest(&hulianv1.SearchListingsRequest{Mine: true}))
	wantField(t, "staff asking for their own", err, connect.CodeInvalidArgument, "mine")
	_, err = op.PutReference(ctx, connect.NewRequest(&hulianv1.PutReferenceRequest{Kind: "taxonomy", Body: []byte(`{"version":"x","categories":[]}`)}))
	wantField(t, "empty taxonomy", err, connect.CodeInvalidArgument, "body.categories")
	_, err = op.PutReference(ctx, connect.NewRequest(&hulianv1.PutReferenceRequest{Kind: "tags", Body: catalog.DefaultTaxonomy}))
	wantField(t, "unknown kind", err, connect.CodeInvalidArgument, "kind")
}
