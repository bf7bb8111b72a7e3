package demo

import (
	"context"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/i18n"
	"hulian/internal/protocol/exid"
	"hulian/internal/rpc"
)

// stepHalt halts the listing for a technical failure with a public
// notice: the demander's next real-time request is refused with the
// halt's reason and nothing is charged; the operator resumes, and the same
// request goes through.
func (d *Demo) stepHalt(ctx context.Context) error {
	ids, err := d.someCustomers(20)
	if err != nil {
		return err
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

// stepComplaint: a stranger complains, with evidence and no account, that
// the real-time exchange infringes their privacy; the operator accepts it
// and the order is suspended in the same transaction, so the demander's
// next request is refused with the reason; the supplier answers with
// counter-evidence, the operator restores the order, and the request goes
// through again. The complainant follows it with the receipt code.
func (d *Demo) stepComplaint(ctx context.Context) error {
	ids, err := d.someCustomers(20)
	if err != nil {
		return err
	}
	stranger := rpc.NewSupervisionClient(d.Platform.URL(), rpc.WithLanguage(d.opts.Lang))
	filed, err := stranger.FileComplaint(ctx, connect.NewRequest(&hulianv1.FileComplaintRequest{Kind: "privacy", Complainant: "王女士",
		Contact: "wang@example.com", Concerns: "收到的营销短信提及的数据服务", Description: "未经我同意使用我的消费数据",
		Evidence: []*hulianv1.EvidenceFile{{Name: "短信记录.txt", Data: []byte("2026 年收到的营销短信记录：……")}}}))
	if err != nil {
		return fromAPI(err)
	}
	d.n.say("一位消费者无须注册提交隐私投诉 %s，附证据（平台按内容核验类型，证据的 SHA-256 记入业务日志，投诉人身份不入日志）", "a consumer files privacy complaint %s without an account, with evidence (its type checked by content, its SHA-256 in the business log, the complainant's identity kept out of it)",
		filed.Msg.Id)
	if _, err := d.w.op.oversee.DecideComplaint(ctx, connect.NewRequest(&hulianv1.DecideComplaintRequest{Id: filed.Msg.Id, Step: "accept",
		OrderId: d.w.rt.orderID, Note: "证据初步成立，先行暂停"})); err != nil {
		return fromAPI(err)
	}
	d.n.say("运营方受理并指明所涉订单 %s：订单在同一事务中暂停，双方立即收到通知", "the operator accepts it, naming order %s: the order is suspended in the same transaction and both members are notified at once", d.w.rt.orderID)
	if _, err := d.Demander.Demand.Query(ctx, d.w.rt.orderID, ids); err == nil {
		return errs.New(errs.Internal, "complaint", "订单暂停期间的请求未被拒绝", "a request while the order was suspended was not refused")
	} else {
		d.w.summary.ComplaintRefused = errs.Message(err, d.opts.Lang)
		d.n.say("需求方的请求被拒绝，未计费：%s", "the demander's request is refused, nothing charged: %s", d.w.summary.ComplaintRefused)
	}
	if _, err := d.w.sup.oversee.AnswerComplaint(ctx, connect.NewRequest(&hulianv1.AnswerComplaintRequest{Id: filed.Msg.Id,
		Answer:   "所涉客户均已在需求方签署数据查询授权，配送仅含去标识化标签",
		Evidence: []*hulianv1.EvidenceFile{{Name: "授权与配送说明.txt", Data: []byte("需求方节点的授权承诺值与配送记录见业务日志")}}})); err != nil {
		return fromAPI(err)
	}
	if _, err := d.w.op.oversee.DecideComplaint(ctx, connect.NewRequest(&hulianv1.DecideComplaintRequest{Id: filed.Msg.Id, Step: "restore",
		Note: "抗辩证据充分，恢复订单"})); err != nil {
		return fromAPI(err)
	}
	st, err := stranger.GetComplaintStatus(ctx, connect.NewRequest(&hulianv1.GetComplaintStatusRequest{Id: filed.Msg.Id, Code: filed.Msg.Code}))
	if err != nil {
		return fromAPI(err)
	}
	res, err := d.Demander.Demand.Query(ctx, d.w.rt.orderID, ids)
	if err != nil {
		return err
	}
	d.w.summary.RealtimeQueried += len(ids)
	d.w.summary.RealtimeMatched += res.Matched
	d.w.summary.ChargedFen += res.ChargeFen
	d.n.say("供应方提交抗辩证据，运营方恢复订单；投诉人凭查询码看到状态“%s”；同一请求重新发出：查得 %d 个，扣费 %s", "the supplier answers with counter-evidence and the operator restores the order; the complainant sees the status “%s” with the receipt code; the same request again: %d matched, charged %s",
		complaintStatus[st.Msg.Complaint.Status].In(d.opts.Lang), res.Matched, yuan(res.ChargeFen))
	return nil
}

// complaintStatus names the statuses the complainant may see.
var complaintStatus = map[string]i18n.Text{
	"received": i18n.T("已收到，待受理", "received"), "accepted": i18n.T("已受理", "accepted"), "rejected": i18n.T("不予受理", "not accepted"),
	"answered": i18n.T("被投诉方已抗辩", "answered"), "restored": i18n.T("抗辩成立，已恢复", "restored"), "upheld": i18n.T("投诉成立，维持暂停", "upheld"),
}

// someCustomers are the first n of the demander's customers who signed a
// query authorisation.
func (d *Demo) someCustomers(n int) ([]exid.ExID, error) {
	cs, err := readCustomers(d.w.demanderExIDs)
	if err != nil {
		return nil, err
	}
	ids := make([]exid.ExID, 0, n)
	for _, c := range cs {
		if len(ids) == n {
			break
		}
		if !d.w.unsigned[c.id] {
			ids = append(ids, c.id)
		}
	}
	return ids, nil
}
