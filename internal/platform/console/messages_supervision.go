package console

import "hulian/internal/i18n"

// supervisionMessages are the supervision pages' text: halts, sanctions,
// members' notices and the public announcements.
var supervisionMessages = map[string]i18n.Text{
	"sv.vol.title":          i18n.T("监管事项月度数量", "Supervision by month"),
	"sv.vol.lead":           i18n.T("近 12 个月（北京时间）每月的投诉、安全事件、订单纠纷、违规处置与技术性暂停的数量，由业务日志统计。", "The complaints, incidents, order disputes, sanctions and technical halts of each of the last 12 months (Beijing time), counted from the business log."),
	"sv.vol.complaints":     i18n.T("投诉", "complaints"),
	"sv.vol.incidents":      i18n.T("安全事件", "incidents"),
	"sv.vol.disputes":       i18n.T("订单纠纷", "order disputes"),
	"sv.vol.sanctions":      i18n.T("违规处置", "sanctions"),
	"sv.vol.halts":          i18n.T("技术性暂停", "halts"),
	"members.supervision":   i18n.T("监管处置：技术性暂停与违规处置 →", "Oversight: technical halts and sanctions →"),
	"nav.notices":           i18n.T("通知", "Notices"),
	"sv.title":              i18n.T("监管处置", "Oversight"),
	"sv.lead":               i18n.T("技术性暂停（《数据互联规则》第十三节）与违规处置（第十四节、第十二节）：自提交起即在签发、挂牌、撮合与配送各环节生效，均记入业务日志并通知相关成员。", "Technical halts (§13 of the rules) and sanctions (§14 and §12): in force at issuance, listings, the market and every delivery from the moment they are committed, each logged and notified to the members concerned."),
	"sv.halts":              i18n.T("技术性暂停", "Technical halts"),
	"sv.halts.none":         i18n.T("尚无技术性暂停。", "No halts."),
	"sv.halts.inforce":      i18n.T("正在生效的暂停", "Halts in force"),
	"sv.halts.none_inforce": i18n.T("数据互联服务正常。", "The exchange is running normally."),
	"sv.halts.past":         i18n.T("已恢复的暂停", "Past halts"),
	"sv.scope":              i18n.T("范围", "Scope"),
	"sv.scope.platform":     i18n.T("整个平台", "the whole platform"),
	"sv.scope.member":       i18n.T("成员", "a member"),
	"sv.scope.listing":      i18n.T("挂牌", "a listing"),
	"sv.scope.category":     i18n.T("标签类别", "a tag category"),
	"sv.cause":              i18n.T("原因", "Cause"),
	"sv.notice":             i18n.T("公告", "Notice"),
	"sv.started":            i18n.T("开始", "Started"),
	"sv.lifted":             i18n.T("已解除", "lifted"),
	"sv.inforce":            i18n.T("生效中", "in force"),
	"sv.resume":             i18n.T("恢复服务", "Resume"),
	"sv.halt.new":           i18n.T("技术性暂停服务", "Halt the exchange"),
	"sv.halt.submit":        i18n.T("暂停", "Halt"),
	"sv.member":             i18n.T("成员", "Member"),
	"sv.sanctions":          i18n.T("违规处置", "Sanctions"),
	"sv.sanctions.none":     i18n.T("尚无处置。", "No sanctions."),
	"sv.sanctions.mine":     i18n.T("对本方的处置", "Sanctions against us"),
	"sv.kind":               i18n.T("措施", "Measure"),
	"sv.basis":              i18n.T("依据", "Basis"),
	"sv.reason":             i18n.T("事由", "Reason"),
	"sv.imposed":            i18n.T("采取时间", "Imposed"),
	"sv.public":             i18n.T("网站公开", "published"),
	"sv.public.label":       i18n.T("在平台公告页公开警示", "Publish the warning on the announcements page"),
	"sv.correct_by":         i18n.T("改正期限", "correct by"),
	"sv.lift":               i18n.T("解除暂停", "Lift"),
	"sv.lift_reason":        i18n.T("解除理由", "Why it is lifted"),
	"sv.sanction.new":       i18n.T("采取处置措施", "Impose a sanction"),
	"sv.sanction.submit":    i18n.T("采取措施", "Impose"),
	"sv.f.target":           i18n.T("对象（挂牌编号或类别代码；整个平台或成员时不填）", "Target (a listing ID or a category code; none for the platform or a member)"),
	"sv.f.notice":           i18n.T("对外公告", "Public notice"),
	"sv.f.authority_ref":    i18n.T("处罚或裁定文书编号（依据为有权机关时）", "The penalty's or ruling's reference (for an authority's penalty)"),
	"sv.f.correct_by":       i18n.T("改正期限（责令改正时）", "Correct by (for an order to correct)"),
	"sv.f.reason":           i18n.T("事由", "Reason"),
	"sv.done.halted":        i18n.T("已暂停服务，公告已发布。", "The exchange is halted and the notice published."),
	"sv.done.resumed":       i18n.T("已恢复服务。", "The exchange has resumed."),
	"sv.done.imposed":       i18n.T("已采取措施并通知该成员。", "The sanction is imposed and the member notified."),
	"sv.done.lifted":        i18n.T("已解除暂停并通知该成员。", "The suspension is lifted and the member notified."),
	"sv.notices":            i18n.T("通知", "Notices"),
	"sv.notices.lead":       i18n.T("运营方对本方采取的措施、涉及本方的技术性暂停等通知；设置了额度提醒地址的，同时以签名 webhook 推送。", "Notices of measures the operator took against us, halts that concern us and the like; with a webhook set on the quota page, each is also sent there, signed."),
	"sv.notices.none":       i18n.T("暂无通知。", "No notices."),
	"sv.announcements":      i18n.T("平台公告", "Announcements"),
	"sv.announcements.lead": i18n.T("技术性暂停及其恢复、在网站公开的警示。", "Technical halts and their resumption, and the warnings published on the platform."),
	"sv.warnings":           i18n.T("公开警示", "Published warnings"),
}

func init() {
	for k, v := range supervisionMessages {
		if _, dup := messages[k]; dup {
			panic("console: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
