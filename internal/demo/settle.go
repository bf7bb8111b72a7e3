package demo

import (
	"context"
	"fmt"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/settlement"
)

// stepStatements shows the month's statements as they stand, computed
// from the business log: provisional until the third working day of the
// next month, their totals equal to the fen to what the deliveries
// charged.
func (d *Demo) stepStatements(ctx context.Context) error {
	s := d.Platform.Exchange.Statements
	month := settlement.MonthOf(d.Platform.DB.Now())
	sts, err := s.Compute(ctx, month)
	if err != nil {
		return err
	}
	var total int64
	for _, st := range sts {
		total += st.TotalFen
		d.n.say("结算单 %s（%s，临时）：需方 %s → 供方 %s，%d 个订单，%d 次计费配送，合计 %s",
			"statement %s (%s, provisional): demander %s → supplier %s, %d orders, %d charged deliveries, total %s",
			st.ID, month, d.name(st.Demander), d.name(st.Supplier), len(st.Lines), st.Deliveries(), yuan(st.TotalFen))
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
