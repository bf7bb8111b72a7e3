// Package api is the platform's Protobuf-over-HTTP API (X-A3), served with
// the Connect protocol from the services in proto/hulian/v1. Handlers
// validate requests, call the use cases of package platform and translate
// between the domain and the wire; they decide nothing themselves. The same
// procedures answer binary Protobuf and JSON, so curl works as well as the
// generated clients.
package api

import (
	"context"
	"errors"
	"net/http"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/i18n"
	"hulian/internal/platform"
)

// MaxRequestBytes is the largest request message the API accepts. The
// largest message besides a delivery, an application, is under 2 KiB;
// Deliver alone takes more (MaxDeliverBytes).
const MaxRequestBytes = 1 << 20

// Mount registers the API's Connect handlers on mux. Each service owns the
// path prefix "/hulian.v1.<Service>/". A platform without a client of
// supplier nodes gets the Connect one here, since the relay behind
// DeliveryService needs it.
func Mount(mux *http.ServeMux, p *platform.Platform) {
	if p.Answerer == nil {
		p.Answerer = NewNodeAnswerer(nil)
	}
	opts := HandlerOptions(p)
	mux.Handle(hulianv1connect.NewMemberServiceHandler(&memberService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewTokenServiceHandler(&tokenService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewExIDServiceHandler(&exidService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewCatalogServiceHandler(&catalogService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewMarketServiceHandler(&marketService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewQuotaServiceHandler(&quotaService{p: p}, opts...))
	mountDelivery(mux, p, opts)
}

// HandlerOptions are the options every service of the platform's API is
// built with: strict codecs (unknown fields are an error, not silently
// dropped), the request size limit and the one error translation.
func HandlerOptions(p *platform.Platform) []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithCodec(protoCodec{}),
		connect.WithCodec(jsonCodec{name: "json"}),
		connect.WithCodec(jsonCodec{name: "json; charset=utf-8"}),
		connect.WithReadMaxBytes(MaxRequestBytes),
		connect.WithInterceptors(errorInterceptor(p)),
	}
}

// errorInterceptor turns every error a handler returns into a Connect
// error, so that handlers can return the platform's errors unchanged.
func errorInterceptor(p *platform.Platform) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			res, err := next(ctx, req)
			if err == nil {
				return res, nil
			}
			var ce *connect.Error
			if errors.As(err, &ce) {
				return nil, err
			}
			if errs.KindOf(err) == errs.Internal {
				p.Logger.ErrorContext(ctx, "api call failed", "procedure", req.Spec().Procedure, "err", err)
			}
			return nil, ConnectError(ctx, err)
		}
	}
}

// codes is the one mapping from the platform's error kinds to Connect codes.
var codes = map[errs.Kind]connect.Code{
	errs.Internal:           connect.CodeInternal,
	errs.Invalid:            connect.CodeInvalidArgument,
	errs.NotFound:           connect.CodeNotFound,
	errs.Conflict:           connect.CodeAlreadyExists,
	errs.Unauthenticated:    connect.CodeUnauthenticated,
	errs.PermissionDenied:   connect.CodePermissionDenied,
	errs.FailedPrecondition: connect.CodeFailedPrecondition,
	errs.ResourceExhausted:  connect.CodeResourceExhausted,
	errs.Unavailable:        connect.CodeUnavailable,
}

// ConnectError translates err for a remote caller: the code from its kind,
// the message in the caller's language (from i18n.From(ctx)) naming the
// field, and an ErrorDetail with field, row and the reason in both
// languages. Foreign errors become internal errors without their details,
// which belong in the log.
func ConnectError(ctx context.Context, err error) *connect.Error {
	switch {
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, err)
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	}
	lang := i18n.From(ctx)
	kind := errs.KindOf(err)
	ce := connect.NewError(codes[kind], errors.New(errs.Message(err, lang)))
	d := &hulianv1.ErrorDetail{Kind: kind.String()}
	var e *errs.Error
	if errors.As(err, &e) && !(e.Kind == errs.Internal && e.Reason == (i18n.Text{})) {
		d.Field, d.Row, d.ReasonZh, d.ReasonEn = e.Field, int32(e.Row), e.Reason.ZH, e.Reason.EN
	} else {
		msg := errs.Message(err, i18n.ZH)
		d.ReasonZh, d.ReasonEn = msg, errs.Message(err, i18n.EN)
	}
	if detail, derr := connect.NewErrorDetail(d); derr == nil {
		ce.AddDetail(detail)
	}
	return ce
}

// Detail returns the ErrorDetail the platform attached to an error from one
// of its clients, or nil.
func Detail(err error) *hulianv1.ErrorDetail {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if ed, ok := v.(*hulianv1.ErrorDetail); ok {
			return ed
		}
	}
	return nil
}
