package console

import "hulian/internal/i18n"

// logKinds name the business log's entry kinds for people; the code stays
// on hover, since it is what `hulian log` and the API filter on.
var logKinds = map[string]i18n.Text{
	"member.applied":                 i18n.T("申请入网", "membership applied for"),
	"member.resubmitted":             i18n.T("重新提交申请", "application resubmitted"),
	"member.qualified":               i18n.T("资质审核通过", "qualification approved"),
	"member.rejected":                i18n.T("资质审核未通过", "qualification rejected"),
	"member.agreement_signed":        i18n.T("签署成员协议", "member agreement signed"),
	"member.account_opened":          i18n.T("账户开通", "account opened"),
	"member.integration_passed":      i18n.T("接入联调通过", "integration test passed"),
	"account.created":                i18n.T("创建账户", "account created"),
	"account.disabled":               i18n.T("停用账户", "account disabled"),
	"token.created":                  i18n.T("创建 API 令牌", "API token created"),
	"token.revoked":                  i18n.T("撤销 API 令牌", "API token revoked"),
	"log.key_created":                i18n.T("生成日志签名密钥", "log signing key created"),
	"log.witness_registered":         i18n.T("登记日志见证者", "log witness registered"),
	"incident.reported":              i18n.T("报告安全事件", "incident reported"),
	"incident.authority_reported":    i18n.T("安全事件已报告主管部门", "incident reported to the authorities"),
	"incident.subjects_notified":     i18n.T("已通知受影响的个人", "people affected told"),
	"incident.remediated":            i18n.T("安全事件补救", "incident remedied"),
	"incident.closed":                i18n.T("安全事件结案", "incident closed"),
	"order_dispute.opened":           i18n.T("提出订单纠纷", "order dispute opened"),
	"order_dispute.evidence":         i18n.T("调取订单纠纷的日志记录", "order dispute: log records extracted"),
	"order_dispute.noted":            i18n.T("记录订单纠纷的调解", "order dispute: mediation noted"),
	"order_dispute.settled":          i18n.T("订单纠纷调解完毕", "order dispute settled"),
	"exid.key_created":               i18n.T("生成 exID 密钥", "exID key created"),
	"exid.issued":                    i18n.T("签发 exID", "exIDs issued"),
	"reference.updated":              i18n.T("更新参考数据", "reference data updated"),
	"listing.created":                i18n.T("创建挂牌", "listing created"),
	"listing.changed":                i18n.T("修改挂牌", "listing changed"),
	"listing.submitted":              i18n.T("提交挂牌审核", "listing submitted"),
	"listing.review_started":         i18n.T("开始审核挂牌", "listing review started"),
	"listing.approved":               i18n.T("挂牌审核通过", "listing approved"),
	"listing.rejected":               i18n.T("挂牌审核未通过", "listing rejected"),
	"listing.published":              i18n.T("挂牌上架", "listing published"),
	"listing.suspended":              i18n.T("挂牌暂停", "listing suspended"),
	"listing.resumed":                i18n.T("挂牌恢复", "listing resumed"),
	"listing.withdrawn":              i18n.T("挂牌撤回", "listing withdrawn"),
	"demand.published":               i18n.T("发布需求", "demand published"),
	"demand.withdrawn":               i18n.T("撤回需求", "demand withdrawn"),
	"offer.made":                     i18n.T("提交报价", "offer made"),
	"offer.changed":                  i18n.T("修改报价", "offer changed"),
	"offer.selected":                 i18n.T("选定报价", "offer selected"),
	"order.created":                  i18n.T("生成订单", "order created"),
	"confirmation.signed":            i18n.T("签署确认单", "confirmation signed"),
	"order.activated":                i18n.T("订单生效", "order active"),
	"order.suspended":                i18n.T("订单暂停", "order suspended"),
	"order.resumed":                  i18n.T("订单恢复", "order resumed"),
	"order.terminated":               i18n.T("订单终止", "order terminated"),
	"order.expired":                  i18n.T("订单到期", "order expired"),
	"quota.topped_up":                i18n.T("额度充值", "quota topped up"),
	"quota.credit_set":               i18n.T("设置临时额度", "temporary credit set"),
	"quota.alerts_set":               i18n.T("设置余额提醒", "balance alerts set"),
	"quota.deducted":                 i18n.T("扣减额度", "quota deducted"),
	"quota.low_balance":              i18n.T("余额不足提醒", "low balance"),
	"quota.suspended":                i18n.T("额度用尽暂停", "suspended for want of quota"),
	"quota.resumed":                  i18n.T("额度恢复", "quota restored"),
	"delivery.endpoint_registered":   i18n.T("登记节点应答地址", "node endpoint registered"),
	"delivery.completed":             i18n.T("完成配送", "delivery completed"),
	"delivery.redelivered":           i18n.T("重发配送结果", "delivery resent"),
	"delivery.destroyed":             i18n.T("销毁证明", "destruction attested"),
	"settlement.statement_issued":    i18n.T("出具结算单", "statement issued"),
	"settlement.statement_corrected": i18n.T("出具更正结算单", "statement corrected"),
	"settlement.terms_set":           i18n.T("设置结算条款", "settlement terms set"),
	"settlement.dispute_opened":      i18n.T("提出结算异议", "statement disputed"),
	"settlement.dispute_answered":    i18n.T("答复结算异议", "dispute answered"),
	"settlement.statement_confirmed": i18n.T("供方确认结算单", "statement confirmed"),
	"settlement.invoice_recorded":    i18n.T("登记增值税专用发票", "VAT invoice recorded"),
	"settlement.invoice_received":    i18n.T("运营方收到发票", "invoice received"),
	"settlement.payout_paid":         i18n.T("向供方付款", "supplier paid"),
	"settlement.payout_overdue":      i18n.T("付款逾期", "payout overdue"),
}

// LogKind is an entry kind's name in the page's language.
func (v *view) LogKind(kind string) string {
	if l, ok := logKinds[kind]; ok {
		return l.In(v.Lang)
	}
	return kind
}
