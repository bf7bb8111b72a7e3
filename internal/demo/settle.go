package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/settlement"
)

// stepStatements shows the month's statements as they stand, computed
// from the business log: provisional until the third working day of the
// next month, their totals equal to the fen to what the deliveries
// charged.
func (d *Demo) stepStatements(ctx context.Context) error {
	s := d.Platform.Exchange.Statements
	month := settlement.MonthOf(d.Platform.DB.Now())
	sts, err := s.Compute(ctx, month, true)
	if err != nil {
		return err
	}
	var total int64
	for _, st := range sts {
		total += st.TotalFen
		d.n.say("结算单 %s（%s，临时）：需方 %s → 供方 %s，%d 个订单，%d 次计费配送，合计 %s",
			"statement %s (%s, provisional): demander %s → supplier %s, %d orders, %d charged deliveries, total %s",
			st.ID, month, d.name(st.Demander), d.name(st.Supplier), st.Orders(), st.Deliveries(), yuan(st.TotalFen))
	}
	if total != d.w.summary.ChargedFen {
		return errs.New(errs.Internal, "total_fen", fmt.Sprintf("本月结算单合计 %s，而配送共扣费 %s", yuan(total), yuan(d.w.summary.ChargedFen)),
			fmt.Sprintf("the month's statements total %s, but the deliveries charged %s", yuan(total), yuan(d.w.summary.ChargedFen)))
	}
	d.w.summary.StatementFen = total
	if due, err := s.IssueAt(month); err == nil {
		d.n.say("合计与各次配送扣费一致（%s）；平台将于 %s（北京时间）正式出具、签名并记入业务日志",
			"the total equals what the deliveries charged (%s); the platform issues, signs and logs them on %s (Beijing time)",
			yuan(total), due.In(calendar.Shanghai).Format("2006-01-02 15:04"))
	} else {
		d.n.say("合计与各次配送扣费一致（%s）；出具日尚不能确定：%s", "the total equals what the deliveries charged (%s); the issue day cannot be given yet: %s",
			yuan(total), errs.Message(err, d.opts.Lang))
	}
	return nil
}

// name is a member's organisation name as the demo knows it.
func (d *Demo) name(member string) string {
	switch member {
	case d.w.sup.memberID:
		return d.w.sup.name.In(d.opts.Lang)
	case d.w.dem.memberID:
		return d.w.dem.name.In(d.opts.Lang)
	}
	return member
}

// settleClock is the clock settlement decides by in the demonstration:
// this instant moved forward by the offset the month's close sets, so
// that a month's statements can be issued, disputed and paid in minutes.
// Records are still stamped with the real time.
func (w *walk) settleClock() time.Time { return time.Now().Add(time.Duration(w.settleOffset.Load())) }

// moveSettleClock sets the settlement clock to at.
func (w *walk) moveSettleClock(at time.Time) { w.settleOffset.Store(int64(time.Until(at))) }

// calendar is the embedded holiday calendar with this year and the next
// declared for the demonstration where it does not declare them: New
// Year's Day only (fixed by 《全国年节及纪念日放假办法》), which the
// narration says, since the State Council's notice for such a year is not
// loaded. A real platform loads the notice with HULIAN_HOLIDAYS.
func (w *walk) calendar() *calendar.Calendar {
	c := calendar.Default()
	var b strings.Builder
	for y := time.Now().Year(); y <= time.Now().Year()+1; y++ {
		if !c.Covers(y) {
			fmt.Fprintf(&b, "year %d demonstration: New Year's Day only, not the State Council's notice\n%d-01-01 holiday 元旦\n", y, y)
			w.demoYears = append(w.demoYears, y)
		}
	}
	if b.Len() == 0 {
		return c
	}
	over, err := calendar.Parse(strings.NewReader(b.String()))
	if err != nil {
		panic(err) // a constant text
	}
	return c.Merge(over)
}

// stepMonthClose runs the month's close on the settlement clock: the
// statements are issued on their day, the demander disputes one line, the
// operator answers with the log's receipts and a correction that returns
// the credit to the demander's quota, and after the dispute period the
// supplier confirms the correction, records its VAT special invoice, and
// the operator records its receipt — the payout due five working days
// later — and the payment. The book then sums to zero.
func (d *Demo) stepMonthClose(ctx context.Context) error {
	x := d.Platform.Exchange
	month := settlement.MonthOf(d.Platform.DB.Now())
	due, err := x.Statements.IssueAt(month)
	if err != nil {
		return err
	}
	for _, y := range d.w.demoYears {
		d.n.say("注意：日历尚未载入国务院 %d 年节假日安排，演示仅按元旦一天假期计算该年工作日", "note: the State Council's %d holiday notice is not loaded; the demonstration counts that year's working days with New Year's Day as the only holiday", y)
	}
	d.w.moveSettleClock(due.Add(time.Minute))
	d.n.say("结算时钟拨到 %s（北京时间），即 %s 结算单的出具时间（该月后第三个工作日 9 时）", "the settlement clock moves to %s (Beijing time), when %s's statements are issued (the third working day after, at 9:00)",
		due.In(calendar.Shanghai).Format("2006-01-02 15:04"), month)
	sts, _, err := x.Statements.Run(auth.WithActor(ctx, auth.System), month)
	if err != nil {
		return err
	}
	for _, st := range sts {
		d.w.summary.IssuedFen += st.TotalFen
		d.n.say("出具结算单 %s：%s → %s，合计 %s，平台以日志密钥签名并记入业务日志第 %d 条", "issued statement %s: %s → %s, total %s, signed with the log's key and logged as entry %d",
			st.ID, d.name(st.Demander), d.name(st.Supplier), yuan(st.TotalFen), st.Seq)
	}
	if len(sts) == 0 {
		return errs.New(errs.Internal, "month", "该月没有出具任何结算单", "no statement was issued for the month")
	}
	st := sts[0]
	line := st.Lines[0]
	for _, l := range st.Lines {
		if l.Order == d.w.bt.orderID {
			line = l
		}
	}

	// The demander disputes the batch order's line.
	dres, err := d.w.dem.settle.OpenDispute(ctx, connect.NewRequest(&hulianv1.OpenDisputeRequest{StatementId: st.ID, OrderId: line.Order,
		Reason: "批量配送中部分客户画像字段为空，请核对计费"}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("需求方对订单 %s 的结算行（%d 次配送，%s）提出异议 %s", "the demander disputes the line of order %s (%d deliveries, %s): dispute %s",
		line.Order, line.Deliveries, yuan(line.ChargeFen), dres.Msg.Dispute.Id)
	credit := max(1, line.ChargeFen/10)
	ares, err := d.w.op.settle.AnswerDispute(ctx, connect.NewRequest(&hulianv1.AnswerDisputeRequest{DisputeId: dres.Msg.Dispute.Id,
		Answer:  "经核对业务日志，部分结果画像不完整，退还该订单费用的一成",
		Credits: []*hulianv1.Adjustment{{OrderId: line.Order, AmountFen: -credit, Reason: "画像字段不完整"}}}))
	if err != nil {
		return fromAPI(err)
	}
	var receipts []bizlog.Receipt
	if err := json.Unmarshal(ares.Msg.Dispute.Evidence, &receipts); err != nil {
		return err
	}
	vkey, err := x.Log.VerifierKey(ctx)
	if err != nil {
		return err
	}
	for _, r := range receipts {
		if err := r.Verify(vkey); err != nil {
			return errs.New(errs.Internal, "evidence", fmt.Sprintf("答复所附第 %d 条记录的证明无法验证：%v", r.Entry.Seq, err), fmt.Sprintf("the answer's receipt of entry %d does not verify: %v", r.Entry.Seq, err))
		}
	}
	corr := ares.Msg.Correction
	d.w.summary.CreditFen = credit
	d.n.say("运营方答复并附 %d 条业务日志记录及其包含证明（均已用日志公钥验证），出具更正结算单 %s：合计 %s → %s，退还的 %s 返还需方额度；原结算单不作修改",
		"the operator answers with %d log entries and their inclusion proofs (each verified with the log's key) and issues correction %s: total %s → %s; the %s credited returns to the demander's quota; the statement itself is not changed",
		len(receipts), corr.Id, yuan(st.TotalFen), yuan(corr.TotalFen), yuan(credit))

	// After the dispute period, the supplier's side.
	g, err := d.w.sup.settle.GetStatement(ctx, connect.NewRequest(&hulianv1.GetStatementRequest{StatementId: corr.Id}))
	if err != nil {
		return fromAPI(err)
	}
	deadline := g.Msg.DisputeDeadline.AsTime()
	d.w.moveSettleClock(deadline.Add(time.Hour))
	d.n.say("异议期于 %s 届满；结算时钟拨到其后", "the dispute period ends at %s; the settlement clock moves past it", deadline.In(calendar.Shanghai).Format("2006-01-02 15:04"))
	if _, err := d.w.sup.settle.ConfirmStatement(ctx, connect.NewRequest(&hulianv1.ConfirmStatementRequest{StatementId: corr.Id})); err != nil {
		return fromAPI(err)
	}
	today := calendar.DateOf(d.w.settleClock()).String()
	tax := (corr.TotalFen*6 + 53) / 106 // 6% VAT on modern services, included in the total, rounded to the fen
	inv, err := d.w.sup.settle.RecordInvoice(ctx, connect.NewRequest(&hulianv1.RecordInvoiceRequest{StatementId: corr.Id, InvoiceCode: "3100264130",
		InvoiceNumber: fmt.Sprintf("%08d", time.Now().UnixNano()%100_000_000), AmountFen: corr.TotalFen - tax, TaxFen: tax, InvoiceDate: today}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("供方确认更正结算单并登记增值税专用发票 %s %s：金额 %s，税额 %s，价税合计与结算单一致", "the supplier confirms the correction and records VAT special invoice %s %s: amount %s, tax %s; together they equal the statement",
		inv.Msg.Payout.InvoiceCode, inv.Msg.Payout.InvoiceNumber, yuan(inv.Msg.Payout.InvoiceAmountFen), yuan(inv.Msg.Payout.InvoiceTaxFen))
	rec, err := d.w.op.settle.ReceiveInvoice(ctx, connect.NewRequest(&hulianv1.ReceiveInvoiceRequest{StatementId: corr.Id, ReceivedOn: today}))
	if err != nil {
		return fromAPI(err)
	}
	d.w.summary.PayoutDue = rec.Msg.Payout.DueOn
	d.n.say("运营方于 %s 收到发票：付款期限为 %s（收票后第五个工作日）", "the operator receives the invoice on %s: the payout is due by %s (the fifth working day after)", today, rec.Msg.Payout.DueOn)
	paid, err := d.w.op.settle.RecordPayment(ctx, connect.NewRequest(&hulianv1.RecordPaymentRequest{StatementId: corr.Id, PaidOn: today, PaymentReference: "DEMO-PAY-" + corr.Id}))
	if err != nil {
		return fromAPI(err)
	}
	d.w.summary.PayoutFen = paid.Msg.Payout.AmountFen
	book, err := d.w.op.settle.GetBook(ctx, connect.NewRequest(&hulianv1.GetBookRequest{}))
	if err != nil {
		return fromAPI(err)
	}
	d.w.summary.BookSumFen = book.Msg.SumFen
	if book.Msg.SumFen != 0 || len(book.Msg.Mismatches) > 0 {
		return errs.New(errs.Internal, "book", fmt.Sprintf("账务不平：合计 %s，不符 %v", yuan(book.Msg.SumFen), book.Msg.Mismatches), fmt.Sprintf("the book does not balance: sum %s, mismatches %v", yuan(book.Msg.SumFen), book.Msg.Mismatches))
	}
	d.n.say("运营方当日付款 %s；账务各账户余额合计为零，需方预付账户与其额度余额一致", "the operator pays %s the same day; the book's balances sum to zero and the demander's prepaid account equals its quota",
		yuan(paid.Msg.Payout.AmountFen))
	return nil
}
