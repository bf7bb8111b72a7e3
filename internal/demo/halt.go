package demo

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/protocol/exid"
)

// stepHalt halts the listing for a technical failure with a public
// notice: the demander's next real-time request is refused with the
// halt's reason and nothing is charged; the operator resumes, and the same
// request goes through.
func (d *Demo) stepHalt(ctx context.Context) error {
	cs, err := readCustomers(d.w.demanderExIDs)
	if err != nil {
		return err
	}
	ids := make([]exid.ExID, 0, 20)
	for _, c := range cs {
		if len(ids) == cap(ids) {
			break
		}
		if !d.w.unsigned[c.id] {
			ids = append(ids, c.id)
		}
	}
	h, err := d.w.op.oversee.StartHalt(ctx, connect.NewRequest(&hulianv1.StartHaltRequest{Scope: "listing", Target: d.w.listing.ID,
		Cause: "technical_failure", Notice: "供应方节点证书轮换，预计十分钟内恢复"}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("运营方以“技术故障”技术性暂停挂牌 %s（%s），公告已在平台公告页发布，供应方收到通知", "the operator halts listing %s for a technical failure (%s); the notice is on the announcements page and the supplier is notified",
		d.w.listing.ID, h.Msg.Halt.Id)
	if _, err := d.Demander.Demand.Query(ctx, d.w.rt.orderID, ids); err == nil {
		return errs.New(errs.Internal, "halt", "暂停期间的请求未被拒绝", "a request during the halt was not refused")
	} else {
		d.w.summary.HaltRefused = errs.Message(err, d.opts.Lang)
		d.n.say("暂停期间需求方的请求被拒绝，未计费：%s", "the demander's request during the halt is refused, nothing charged: %s", d.w.summary.HaltRefused)
	}
	if _, err := d.w.op.oversee.LiftHalt(ctx, connect.NewRequest(&hulianv1.LiftHaltRequest{Id: h.Msg.Halt.Id})); err != nil {
		return fromAPI(err)
	}
	res, err := d.Demander.Demand.Query(ctx, d.w.rt.orderID, ids)
	if err != nil {
		return err
	}
	d.w.summary.RealtimeQueried += len(ids)
	d.w.summary.RealtimeMatched += res.Matched
	d.w.summary.ChargedFen += res.ChargeFen
	d.n.say("运营方恢复服务（一步操作，记入业务日志）；同一请求重新发出：查得 %d 个，扣费 %s", "the operator resumes (one action, logged); the same request again: %d matched, charged %s",
		res.Matched, yuan(res.ChargeFen))
	return nil
}
