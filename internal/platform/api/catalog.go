package api

import (
	"context"
	"errors"
	"strings"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/catalog"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform"
	"hulian/internal/platform/listings"
	"hulian/internal/platform/store"
)

// catalogService implements hulian.v1.CatalogService.
type catalogService struct {
	p   *platform.Platform // reference data
	reg *listings.Registry
}

func (s *catalogService) GetTaxonomy(ctx context.Context, _ *connect.Request[hulianv1.GetTaxonomyRequest]) (*connect.Response[hulianv1.GetTaxonomyResponse], error) {
	t := s.p.Taxonomy()
	if t == nil {
		return nil, errNoReference
	}
	return connect.NewResponse(&hulianv1.GetTaxonomyResponse{Version: t.Version, Source: t.Source, Categories: categoriesToProto(t.Categories)}), nil
}

func (s *catalogService) GetIndustries(ctx context.Context, _ *connect.Request[hulianv1.GetIndustriesRequest]) (*connect.Response[hulianv1.GetIndustriesResponse], error) {
	in := s.p.Industries()
	if in == nil {
		return nil, errNoReference
	}
	res := &hulianv1.GetIndustriesResponse{Version: in.Version, Source: in.Source}
	for _, sec := range in.Sections {
		ps := &hulianv1.IndustrySection{Section: industryToProto(sec.Industry)}
		for _, d := range sec.Divisions {
			ps.Divisions = append(ps.Divisions, industryToProto(d))
		}
		res.Sections = append(res.Sections, ps)
	}
	return connect.NewResponse(res), nil
}

func (s *catalogService) PutReference(ctx context.Context, req *connect.Request[hulianv1.PutReferenceRequest]) (*connect.Response[hulianv1.PutReferenceResponse], error) {
	// Authorise before parsing, so that a caller without the right learns
	// nothing about the files' validation.
	if err := auth.Require(ctx, auth.PermCatalogAdmin); err != nil {
		return nil, err
	}
	if err := s.p.PutReference(ctx, req.Msg.Kind, req.Msg.Body); err != nil {
		return nil, within(err, "body", referenceFields)
	}
	version := s.p.Industries().Version
	if req.Msg.Kind == catalog.RefTaxonomy {
		version = s.p.Taxonomy().Version
	}
	return connect.NewResponse(&hulianv1.PutReferenceResponse{Version: version}), nil
}

func (s *catalogService) CreateListing(ctx context.Context, req *connect.Request[hulianv1.CreateListingRequest]) (*connect.Response[hulianv1.CreateListingResponse], error) {
	l, err := contentFromProto(req.Msg.Content)
	if err != nil {
		return nil, err
	}
	l, err = s.reg.CreateListing(ctx, l)
	if err != nil {
		return nil, inContent(err)
	}
	return connect.NewResponse(&hulianv1.CreateListingResponse{Listing: listingToProto(ctx, l)}), nil
}

func (s *catalogService) UpdateListing(ctx context.Context, req *connect.Request[hulianv1.UpdateListingRequest]) (*connect.Response[hulianv1.UpdateListingResponse], error) {
	if err := checkID("id", "lst_", req.Msg.Id); err != nil {
		return nil, err
	}
	l, err := contentFromProto(req.Msg.Content)
	if err != nil {
		return nil, err
	}
	l, err = s.reg.UpdateListing(ctx, req.Msg.Id, l)
	if err != nil {
		return nil, inContent(err)
	}
	return connect.NewResponse(&hulianv1.UpdateListingResponse{Listing: listingToProto(ctx, l)}), nil
}

func (s *catalogService) SubmitListing(ctx context.Context, req *connect.Request[hulianv1.SubmitListingRequest]) (*connect.Response[hulianv1.SubmitListingResponse], error) {
	if err := checkID("id", "lst_", req.Msg.Id); err != nil {
		return nil, err
	}
	l, err := s.reg.SubmitListing(ctx, req.Msg.Id, gateReportFromProto(req.Msg.GateReport))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SubmitListingResponse{Listing: listingToProto(ctx, l)}), nil
}

func (s *catalogService) StartReview(ctx context.Context, req *connect.Request[hulianv1.StartReviewRequest]) (*connect.Response[hulianv1.StartReviewResponse], error) {
	l, err := s.step(ctx, req.Msg.Id, s.reg.StartReview)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.StartReviewResponse{Listing: l}), nil
}

func (s *catalogService) DecideListing(ctx context.Context, req *connect.Request[hulianv1.DecideListingRequest]) (*connect.Response[hulianv1.DecideListingResponse], error) {
	if err := maxText("note", req.Msg.Note, 1000); err != nil {
		return nil, err
	}
	l, err := s.step(ctx, req.Msg.Id, func(ctx context.Context, id string) (*catalog.Listing, error) {
		return s.reg.DecideListing(ctx, id, req.Msg.Approve, req.Msg.Note)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.DecideListingResponse{Listing: l}), nil
}

func (s *catalogService) PublishListing(ctx context.Context, req *connect.Request[hulianv1.PublishListingRequest]) (*connect.Response[hulianv1.PublishListingResponse], error) {
	l, err := s.step(ctx, req.Msg.Id, s.reg.PublishListing)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.PublishListingResponse{Listing: l}), nil
}

func (s *catalogService) SuspendListing(ctx context.Context, req *connect.Request[hulianv1.SuspendListingRequest]) (*connect.Response[hulianv1.SuspendListingResponse], error) {
	if err := maxText("reason", req.Msg.Reason, 1000); err != nil {
		return nil, err
	}
	l, err := s.step(ctx, req.Msg.Id, func(ctx context.Context, id string) (*catalog.Listing, error) {
		return s.reg.SuspendListing(ctx, id, req.Msg.Reason)
	})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SuspendListingResponse{Listing: l}), nil
}

func (s *catalogService) ResumeListing(ctx context.Context, req *connect.Request[hulianv1.ResumeListingRequest]) (*connect.Response[hulianv1.ResumeListingResponse], error) {
	l, err := s.step(ctx, req.Msg.Id, s.reg.ResumeListing)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ResumeListingResponse{Listing: l}), nil
}

func (s *catalogService) WithdrawListing(ctx context.Context, req *connect.Request[hulianv1.WithdrawListingRequest]) (*connect.Response[hulianv1.WithdrawListingResponse], error) {
	l, err := s.step(ctx, req.Msg.Id, s.reg.WithdrawListing)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.WithdrawListingResponse{Listing: l}), nil
}

func (s *catalogService) GetListing(ctx context.Context, req *connect.Request[hulianv1.GetListingRequest]) (*connect.Response[hulianv1.GetListingResponse], error) {
	l, err := s.step(ctx, req.Msg.Id, s.reg.Listing)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetListingResponse{Listing: l}), nil
}

// step checks a listing ID and runs one use case on it.
func (s *catalogService) step(ctx context.Context, id string, fn func(context.Context, string) (*catalog.Listing, error)) (*hulianv1.Listing, error) {
	if err := checkID("id", "lst_", id); err != nil {
		return nil, err
	}
	l, err := fn(ctx, id)
	if err != nil {
		return nil, err
	}
	return listingToProto(ctx, l), nil
}

// statuses are the review states a search may filter on.
var statuses = []catalog.Status{catalog.StatusDraft, catalog.StatusSubmitted, catalog.StatusInReview, catalog.StatusApproved,
	catalog.StatusRejected, catalog.StatusPublished, catalog.StatusSuspended, catalog.StatusWithdrawn}

func (s *catalogService) SearchListings(ctx context.Context, req *connect.Request[hulianv1.SearchListingsRequest]) (*connect.Response[hulianv1.SearchListingsResponse], error) {
	m := req.Msg
	q := store.ListingQuery{Status: catalog.Status(m.Status), Category: m.Category, Tag: m.Tag, Keyword: m.Keyword, Industry: m.Industry,
		MinFen: m.MinFen, MaxFen: m.MaxFen, Limit: int(m.Limit)}
	if err := CheckListingQuery(&q); err != nil {
		return nil, err
	}
	if m.Mine {
		a := auth.ActorFrom(ctx)
		if a.MemberID == "" {
			return nil, errs.Invalidf("mine", "只有成员有自己的挂牌", "only members have listings of their own")
		}
		q.Member = a.MemberID
	}
	ls, err := s.reg.SearchListings(ctx, q)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.SearchListingsResponse{Listings: make([]*hulianv1.Listing, 0, len(ls))}
	for _, l := range ls {
		res.Listings = append(res.Listings, listingToProto(ctx, l))
	}
	return connect.NewResponse(res), nil
}

// CheckListingQuery checks a search's filters as a caller typed them,
// naming the field, and sets the default limit. The console uses it too.
func CheckListingQuery(q *store.ListingQuery) error {
	if q.Status != "" && !contains(statuses, q.Status) {
		return errs.Invalidf("status", "未知的挂牌状态", "unknown listing status")
	}
	for _, f := range []struct{ name, v string }{{"category", q.Category}, {"tag", q.Tag}, {"keyword", q.Keyword}, {"industry", q.Industry}} {
		if err := maxText(f.name, f.v, 100); err != nil {
			return err
		}
	}
	if q.MinFen < 0 {
		return errs.Invalidf("min_fen", "价格不能为负数", "a price cannot be negative")
	}
	if q.MaxFen < 0 || (q.MaxFen > 0 && q.MaxFen < q.MinFen) {
		return errs.Invalidf("max_fen", "最高价须不小于最低价", "the maximum price must not be below the minimum")
	}
	if q.Limit < 0 || q.Limit > 500 {
		return errs.Invalidf("limit", "条数须在 1 到 500 之间", "limit ranges from 1 to 500")
	}
	if q.Limit == 0 {
		q.Limit = 100
	}
	return nil
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (s *catalogService) GetQuotes(ctx context.Context, _ *connect.Request[hulianv1.GetQuotesRequest]) (*connect.Response[hulianv1.GetQuotesResponse], error) {
	qs, err := s.reg.Quotes(ctx)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.GetQuotesResponse{Quotes: make([]*hulianv1.CategoryQuote, 0, len(qs))}
	for _, q := range qs {
		res.Quotes = append(res.Quotes, &hulianv1.CategoryQuote{
			Category: q.Category.Code, Parent: q.Parent, Zh: q.Category.ZH, En: q.Category.EN,
			Listings: int32(q.Listings), MinFen: q.MinFen, MedianFen: q.MedianFen, MaxFen: q.MaxFen,
		})
	}
	return connect.NewResponse(res), nil
}

var errNoReference = errs.New(errs.Unavailable, "", "参考数据尚未加载", "reference data is not loaded")

// referenceFields are the top-level fields of the reference data files.
var referenceFields = map[string]bool{"file": true, "version": true, "categories": true, "sections": true}

// contentFields are the first path elements of the errors that
// catalog.Listing.Validate and the content screen report; on the wire they
// are inside the request's content message.
var contentFields = []string{"kind", "title", "subject", "id_type", "tags", "limit", "term", "price"}

// inContent places a listing-content error's field inside "content.".
func inContent(err error) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid {
		return err
	}
	head := e.Field
	if i := strings.IndexAny(head, ".["); i >= 0 {
		head = head[:i]
	}
	if !contains(contentFields, head) {
		return err
	}
	c := *e
	c.Field = "content." + e.Field
	return &c
}

func categoriesToProto(cs []catalog.Category) []*hulianv1.TaxonomyCategory {
	var out []*hulianv1.TaxonomyCategory
	for _, c := range cs {
		out = append(out, &hulianv1.TaxonomyCategory{Code: c.Code, Zh: c.ZH, En: c.EN, Children: categoriesToProto(c.Children)})
	}
	return out
}

func industryToProto(i catalog.Industry) *hulianv1.IndustryCode {
	return &hulianv1.IndustryCode{Code: i.Code, Zh: i.ZH, En: i.EN}
}
