package api

import (
	"context"
	"strings"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/books"
	"hulian/internal/platform/disputes"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/payouts"
	"hulian/internal/platform/statements"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// settlementService implements hulian.v1.SettlementService over the
// statements, disputes, payouts and books rooms.
type settlementService struct{ x *exchange.Exchange }

// checkStatement checks a statement ID: stm_YYYYMM_<hex>, maybe _c<n>.
func checkStatement(id string) error {
	if err := checkID("statement_id", "stm_", id); err != nil {
		return err
	}
	if settlement.MonthOfID(id) == "" {
		return errs.Invalidf("statement_id", "结算单编号格式不正确", "malformed statement ID")
	}
	return nil
}

func (s *settlementService) ListStatements(ctx context.Context, req *connect.Request[hulianv1.ListStatementsRequest]) (*connect.Response[hulianv1.ListStatementsResponse], error) {
	if m := req.Msg.Month; m != "" {
		if _, _, err := settlement.ParseMonth(m); err != nil {
			return nil, err
		}
	}
	sts, err := s.x.Statements.List(ctx, store.StatementFilter{Month: req.Msg.Month})
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListStatementsResponse{Statements: make([]*hulianv1.Statement, 0, len(sts))}
	for _, st := range sts {
		res.Statements = append(res.Statements, statementToProto(st))
	}
	for _, m := range statements.Summaries(ctx, sts) {
		res.Summaries = append(res.Summaries, &hulianv1.MemberSummary{MemberId: m.Member, Month: m.Month, PayableFen: m.PayableFen, DueFen: m.DueFen, Statements: int32(m.Statements)})
	}
	return connect.NewResponse(res), nil
}

func (s *settlementService) GetStatement(ctx context.Context, req *connect.Request[hulianv1.GetStatementRequest]) (*connect.Response[hulianv1.GetStatementResponse], error) {
	if err := checkStatement(req.Msg.StatementId); err != nil {
		return nil, err
	}
	k, err := s.x.Payouts.Case(ctx, req.Msg.StatementId)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.GetStatementResponse{Statement: statementToProto(k.Statement), DisputeDeadline: timestamp(k.Deadline)}
	for _, st := range k.Chain {
		res.Chain = append(res.Chain, statementToProto(st))
	}
	for _, d := range k.Disputes {
		res.Disputes = append(res.Disputes, disputeToProto(d))
	}
	if k.Payout != nil {
		res.Payout = payoutToProto(k.Payout)
	}
	return connect.NewResponse(res), nil
}

func (s *settlementService) OpenDispute(ctx context.Context, req *connect.Request[hulianv1.OpenDisputeRequest]) (*connect.Response[hulianv1.OpenDisputeResponse], error) {
	if err := checkStatement(req.Msg.StatementId); err != nil {
		return nil, err
	}
	if o := req.Msg.OrderId; o != "" {
		if err := checkID("order_id", "ord_", o); err != nil {
			return nil, err
		}
	}
	d, err := s.x.Disputes.Open(ctx, req.Msg.StatementId, req.Msg.OrderId, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.OpenDisputeResponse{Dispute: disputeToProto(d)}), nil
}

// maxCredits is the most credits one answer may carry.
const maxCredits = 100

func (s *settlementService) AnswerDispute(ctx context.Context, req *connect.Request[hulianv1.AnswerDisputeRequest]) (*connect.Response[hulianv1.AnswerDisputeResponse], error) {
	if err := checkID("dispute_id", "dsp_", req.Msg.DisputeId); err != nil {
		return nil, err
	}
	if len(req.Msg.Credits) > maxCredits {
		return nil, errs.Invalidf("credits", "一次答复至多 100 项退还", "an answer carries at most 100 credits")
	}
	ans := disputes.Answer{Text: req.Msg.Answer}
	for _, c := range req.Msg.Credits {
		ans.Credits = append(ans.Credits, settlement.Adjustment{Order: c.OrderId, AmountFen: c.AmountFen, Reason: c.Reason})
	}
	d, corr, err := s.x.Disputes.Answer(ctx, req.Msg.DisputeId, ans)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.AnswerDisputeResponse{Dispute: disputeToProto(d)}
	if corr != nil {
		res.Correction = statementToProto(corr)
	}
	return connect.NewResponse(res), nil
}

func (s *settlementService) ConfirmStatement(ctx context.Context, req *connect.Request[hulianv1.ConfirmStatementRequest]) (*connect.Response[hulianv1.ConfirmStatementResponse], error) {
	if err := checkStatement(req.Msg.StatementId); err != nil {
		return nil, err
	}
	p, err := s.x.Payouts.Confirm(ctx, req.Msg.StatementId)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ConfirmStatementResponse{Payout: payoutToProto(p)}), nil
}

func (s *settlementService) RecordInvoice(ctx context.Context, req *connect.Request[hulianv1.RecordInvoiceRequest]) (*connect.Response[hulianv1.RecordInvoiceResponse], error) {
	if err := checkStatement(req.Msg.StatementId); err != nil {
		return nil, err
	}
	m := req.Msg
	p, err := s.x.Payouts.RecordInvoice(ctx, settlement.Root(m.StatementId), payoutInvoice(m))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RecordInvoiceResponse{Payout: payoutToProto(p)}), nil
}

func (s *settlementService) ReceiveInvoice(ctx context.Context, req *connect.Request[hulianv1.ReceiveInvoiceRequest]) (*connect.Response[hulianv1.ReceiveInvoiceResponse], error) {
	if err := checkStatement(req.Msg.StatementId); err != nil {
		return nil, err
	}
	p, err := s.x.Payouts.Receive(ctx, settlement.Root(req.Msg.StatementId), req.Msg.ReceivedOn)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ReceiveInvoiceResponse{Payout: payoutToProto(p)}), nil
}

func (s *settlementService) RecordPayment(ctx context.Context, req *connect.Request[hulianv1.RecordPaymentRequest]) (*connect.Response[hulianv1.RecordPaymentResponse], error) {
	if err := checkStatement(req.Msg.StatementId); err != nil {
		return nil, err
	}
	p, err := s.x.Payouts.Pay(ctx, settlement.Root(req.Msg.StatementId), req.Msg.PaidOn, req.Msg.PaymentReference)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RecordPaymentResponse{Payout: payoutToProto(p)}), nil
}

func (s *settlementService) GetBook(ctx context.Context, req *connect.Request[hulianv1.GetBookRequest]) (*connect.Response[hulianv1.GetBookResponse], error) {
	if m := req.Msg.MemberId; m != "" {
		if err := checkID("member_id", "mem_", m); err != nil {
			return nil, err
		}
	}
	v, err := s.x.Books.Read(ctx, req.Msg.MemberId)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.GetBookResponse{SumFen: v.Sum}
	for _, m := range v.Mismatches {
		res.Mismatches = append(res.Mismatches, m.Member)
	}
	for _, b := range v.Balances {
		res.Balances = append(res.Balances, &hulianv1.BookBalance{MemberId: b.Account.Member, Account: string(b.Account.Kind), AmountFen: b.AmountFen})
	}
	for _, l := range v.History {
		bl := &hulianv1.BookLine{FirstSeq: l.From, LastSeq: l.To, Date: l.Date.String(), Kind: l.Kind, Object: l.Object, Count: int32(l.Count),
			ChangesFen: map[string]int64{}, AfterFen: map[string]int64{}}
		for _, k := range books.MemberAccounts {
			bl.ChangesFen[string(k)], bl.AfterFen[string(k)] = l.Changes[k], l.After[k]
		}
		res.History = append(res.History, bl)
	}
	return connect.NewResponse(res), nil
}

func payoutInvoice(m *hulianv1.RecordInvoiceRequest) payouts.Invoice {
	return payouts.Invoice{Code: strings.TrimSpace(m.InvoiceCode), Number: strings.TrimSpace(m.InvoiceNumber), AmountFen: m.AmountFen, TaxFen: m.TaxFen, Date: m.InvoiceDate}
}
