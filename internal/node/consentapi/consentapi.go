// Package consentapi serves the consent ledger's ConsentService on the
// node (P-1, X-P1): the member's own systems record events as they happen,
// read a subject's history and take a receipt, calling with the node's API
// tokens. It is a thin layer over package consent, which checks every
// event; a batch with one bad event writes nothing and names it.
package consentapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/httpserve"
	"hulian/internal/i18n"
	"hulian/internal/node/apitoken"
	"hulian/internal/node/consent"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
	"hulian/internal/rpc"
)

// MaxEvents is the most events one call records.
const MaxEvents = 1000

// maxBody bounds a request: a thousand events of a few hundred bytes.
const maxBody = 1 << 20

// Service is the ConsentService.
type Service struct {
	Ledger *consent.Ledger
	Tokens *apitoken.Tokens
	// PolicyURL is the notice page a receipt points to.
	PolicyURL string
}

type tokenKey struct{}

// Mount registers the service on mux, behind the token check: a caller
// without a live token is refused before its body is read.
func Mount(mux *http.ServeMux, s *Service) {
	path, h := hulianv1connect.NewConsentServiceHandler(s, connect.WithReadMaxBytes(maxBody))
	mux.Handle("POST "+path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := i18n.With(r.Context(), httpserve.LangOf(r))
		tok, err := s.Tokens.Check(r.WithContext(ctx))
		if err != nil {
			connect.NewErrorWriter().Write(w, r, rpc.ConnectError(ctx, err))
			return
		}
		h.ServeHTTP(w, r.WithContext(context.WithValue(ctx, tokenKey{}, tok)))
	}))
}

// by is who records: the token's name and ID, as the ledger keeps it.
func by(ctx context.Context) string {
	if t, ok := ctx.Value(tokenKey{}).(*nodestore.APIToken); ok {
		return "api:" + t.Name + " (" + t.ID + ")"
	}
	return "api"
}

func (s *Service) RecordConsents(ctx context.Context, req *connect.Request[hulianv1.RecordConsentsRequest]) (*connect.Response[hulianv1.RecordConsentsResponse], error) {
	evs := req.Msg.Events
	if len(evs) == 0 || len(evs) > MaxEvents {
		return nil, rpc.ConnectError(ctx, errs.Invalidf("events", "一次须记录 1 至 1000 条", "record 1 to 1,000 events a call"))
	}
	ins := make([]consent.Input, len(evs))
	for i, e := range evs {
		id, err := exid.Parse(e.Exid)
		if err != nil {
			return nil, rpc.ConnectError(ctx, rowError(i, errs.Invalidf("exid", "exID 格式不正确", "malformed exID")))
		}
		ins[i] = consent.Input{ExID: id[:], Purpose: e.Purpose, Action: e.Action, Basis: e.Basis, NoticeVersion: int(e.NoticeVersion),
			Method: e.Method, Evidence: e.Evidence, Separate: e.Separate, Minor: e.Minor, Guardian: e.Guardian}
		if e.At != nil {
			ins[i].At = e.At.AsTime()
		}
	}
	out, err := s.Ledger.Record(ctx, ins, by(ctx))
	if err != nil {
		var re *consent.RowError
		if errors.As(err, &re) {
			err = rowError(re.Index, re.Err)
		}
		return nil, rpc.ConnectError(ctx, err)
	}
	res := &hulianv1.RecordConsentsResponse{}
	for _, e := range out {
		res.Events = append(res.Events, toProto(e))
	}
	return connect.NewResponse(res), nil
}

// rowError names the event (1-based) an error is about, keeping its field.
func rowError(i int, err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		c := *e
		c.Row = i + 1
		c.Reason = i18n.T(fmt.Sprintf("第 %d 条：%s", i+1, e.Reason.ZH), fmt.Sprintf("event %d: %s", i+1, e.Reason.EN))
		return &c
	}
	return err
}

func (s *Service) GetHistory(ctx context.Context, req *connect.Request[hulianv1.GetHistoryRequest]) (*connect.Response[hulianv1.GetHistoryResponse], error) {
	id, err := exid.Parse(req.Msg.Exid)
	if err != nil {
		return nil, rpc.ConnectError(ctx, errs.Invalidf("exid", "exID 格式不正确", "malformed exID"))
	}
	evs, err := s.Ledger.History(ctx, id[:])
	if err != nil {
		return nil, rpc.ConnectError(ctx, err)
	}
	res := &hulianv1.GetHistoryResponse{}
	for _, e := range evs {
		res.Events = append(res.Events, toProto(e))
	}
	return connect.NewResponse(res), nil
}

func (s *Service) GetReceipt(ctx context.Context, req *connect.Request[hulianv1.GetReceiptRequest]) (*connect.Response[hulianv1.GetReceiptResponse], error) {
	id, err := exid.Parse(req.Msg.Exid)
	if err != nil {
		return nil, rpc.ConnectError(ctx, errs.Invalidf("exid", "exID 格式不正确", "malformed exID"))
	}
	jws, _, err := s.Ledger.Receipt(ctx, id[:], req.Msg.Purpose, s.PolicyURL)
	if err != nil {
		return nil, rpc.ConnectError(ctx, err)
	}
	return connect.NewResponse(&hulianv1.GetReceiptResponse{Jws: jws}), nil
}

func toProto(e *nodestore.ConsentEvent) *hulianv1.ConsentEvent {
	var id exid.ExID
	copy(id[:], e.ExID)
	return &hulianv1.ConsentEvent{Exid: id.String(), Purpose: e.Purpose, Action: e.Action, Basis: e.Basis, NoticeVersion: int32(e.NoticeVersion),
		Method: e.Method, Evidence: e.Evidence, At: timestamppb.New(e.At), Separate: e.Separate, Minor: e.Minor, Guardian: e.Guardian,
		Seq: e.Seq, State: e.State}
}
