package api

import (
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform/store"
)

func statementToProto(st *store.IssuedStatement) *hulianv1.Statement {
	out := &hulianv1.Statement{Id: st.ID, Month: st.Month, DemanderId: st.Demander, SupplierId: st.Supplier, TotalFen: st.TotalFen,
		LinesDigest: st.LinesDigest, Signature: st.Signature, Seq: st.Seq, IssuedAt: timestamp(st.Issued),
		Corrects: st.Corrects, DisputeId: st.Dispute, AdjustmentsDigest: st.AdjustmentsDigest, FromMonth: st.From}
	for _, l := range st.Lines {
		out.Lines = append(out.Lines, &hulianv1.StatementLine{OrderId: l.Order, ListingId: l.Listing, Deliveries: l.Deliveries, Queried: l.Queried,
			Matched: l.Matched, ChargeFen: l.ChargeFen, FirstSeq: l.FirstSeq, LastSeq: l.LastSeq, Month: l.Month})
	}
	for _, a := range st.Adjustments {
		out.Adjustments = append(out.Adjustments, &hulianv1.Adjustment{OrderId: a.Order, AmountFen: a.AmountFen, Reason: a.Reason})
	}
	return out
}

func disputeToProto(d *store.Dispute) *hulianv1.Dispute {
	return &hulianv1.Dispute{Id: d.ID, StatementId: d.Statement, OrderId: d.Order, PartyId: d.Party, Reason: d.Reason, OpenedAt: timestamp(d.Opened),
		Status: string(d.Status), Answer: d.Answer, AnsweredAt: timestamp(d.Answered), Evidence: []byte(d.Evidence), CorrectionId: d.Correction}
}

func payoutToProto(p *store.Payout) *hulianv1.Payout {
	return &hulianv1.Payout{RootId: p.Root, StatementId: p.Statement, SupplierId: p.Supplier, AmountFen: p.AmountFen, ConfirmedAt: timestamp(p.Confirmed),
		InvoiceCode: p.InvoiceCode, InvoiceNumber: p.InvoiceNumber, InvoiceAmountFen: p.InvoiceAmountFen, InvoiceTaxFen: p.InvoiceTaxFen,
		InvoiceDate: p.InvoiceDate, ReceivedOn: p.ReceivedOn, DueOn: p.DueOn, PaidOn: p.PaidOn, PaymentReference: p.PaymentRef,
		OverdueAt: timestamp(p.Overdue), Stage: p.Stage()}
}
