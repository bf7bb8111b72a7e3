package rpc

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
)

// codes is the one mapping between hulian's error kinds and Connect codes:
// servers translate with it on the way out (ConnectError) and clients on
// the way back (FromConnect).
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

// Code is the Connect code for an error kind.
func Code(k errs.Kind) connect.Code { return codes[k] }

// kindOf is codes read backwards. A deadline that passed is a service that
// did not answer in time: unavailable, retry.
func kindOf(c connect.Code) (errs.Kind, bool) {
	if c == connect.CodeDeadlineExceeded {
		return errs.Unavailable, true
	}
	for k, kc := range codes {
		if kc == c {
			return k, true
		}
	}
	return errs.Internal, false
}

// ConnectError translates err for a remote caller: the code from its kind,
// the message in the caller's language (from i18n.From(ctx)) naming the
// field, and an ErrorDetail with field, row and the reason in both
// languages. Foreign errors become internal errors without their details,
// which belong in the server's log.
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

// ErrorInterceptor turns every error a handler returns into a Connect
// error, so that handlers can return hulian's errors unchanged. Internal
// errors are logged with the procedure, since their details do not leave
// the server.
func ErrorInterceptor(logger *slog.Logger) connect.UnaryInterceptorFunc {
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
			if k := errs.KindOf(err); (k == errs.Internal || k == errs.Unavailable) && logger != nil {
				// The cause (a database's error, say) stays in the log:
				// the caller is told only to retry.
				logger.ErrorContext(ctx, "call failed", "procedure", req.Spec().Procedure, "kind", k.String(), "err", err, "cause", errors.Unwrap(err))
			}
			return nil, ConnectError(ctx, err)
		}
	}
}

// HandlerOptions are the options every Connect service is built with:
// strict codecs (unknown fields are an error, not silently dropped), the
// request size limit and the one error translation.
func HandlerOptions(logger *slog.Logger, maxBytes int) []connect.HandlerOption {
	return []connect.HandlerOption{
		connect.WithCodec(protoCodec{}),
		connect.WithCodec(jsonCodec{name: "json"}),
		connect.WithCodec(jsonCodec{name: "json; charset=utf-8"}),
		connect.WithReadMaxBytes(maxBytes),
		connect.WithInterceptors(ErrorInterceptor(logger)),
	}
}

// Detail returns the ErrorDetail a hulian server attached to an error from
// one of its clients, or nil.
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

// FromConnect turns an error from one of the platform's clients back into
// hulian's error, carrying the platform's own reason in both languages,
// prefixed so that a person can tell the platform refused rather than the
// program in front of them. A platform that was not reached is said to be
// unreachable, with the cause.
func FromConnect(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return &errs.Error{Kind: errs.Unavailable, Reason: i18n.T("无法连接平台："+err.Error(), "cannot reach the platform: "+err.Error()), Err: err}
	}
	kind, known := kindOf(ce.Code())
	e := &errs.Error{Kind: kind, Err: err}
	if d := Detail(err); d != nil && (d.GetReasonZh() != "" || d.GetReasonEn() != "") {
		e.Field, e.Row = d.GetField(), int(d.GetRow())
		e.Reason = i18n.T("平台答复："+d.GetReasonZh(), "the platform says: "+d.GetReasonEn())
		return e
	}
	if kind == errs.Unavailable || !known || ce.Code() == connect.CodeUnknown {
		e.Kind = errs.Unavailable
		e.Reason = i18n.T("无法连接平台，请检查平台地址和网络："+ce.Message(), "cannot reach the platform; check its URL and the network: "+ce.Message())
		return e
	}
	e.Reason = i18n.T("平台返回错误："+ce.Message(), "the platform returned an error: "+ce.Message())
	return e
}
