package console

import "hulian/internal/i18n"

// complaintMessages are the complaint pages' text (X-G3).
var complaintMessages = map[string]i18n.Text{
	"cp.title":              i18n.T("权利人投诉", "File a complaint"),
	"cp.lead":               i18n.T("认为数据互联侵犯了您的隐私或商业秘密，可凭证据向运营方投诉，无须注册。运营方受理后立即暂停所涉数据互联并通知相关成员；被投诉成员可提交抗辩证据。", "If you believe an exchange infringes your privacy or trade secret, complain to the operator with your evidence — no account needed. Once the operator accepts the complaint, the exchange is suspended at once and the members are notified; they may answer with counter-evidence."),
	"cp.f.kind":             i18n.T("投诉类型", "Complaint"),
	"cp.kind.privacy":       i18n.T("侵犯隐私", "privacy infringed"),
	"cp.kind.trade_secret":  i18n.T("侵犯商业秘密", "trade secret infringed"),
	"cp.f.complainant":      i18n.T("投诉人", "Your name or organisation"),
	"cp.f.contact":          i18n.T("联系方式", "How to reach you"),
	"cp.f.concerns":         i18n.T("涉及的订单、挂牌或成员", "The order, listing or member concerned"),
	"cp.f.description":      i18n.T("被侵犯的情况", "What happened"),
	"cp.f.evidence":         i18n.T("证据", "Evidence"),
	"cp.f.order":            i18n.T("所涉订单、挂牌或成员编号（ord_…、lst_… 或 mem_…；挂牌连同其全部订单暂停，成员连同其全部挂牌与订单暂停）", "The order, listing or member concerned (ord_…, lst_… or mem_…; a listing is suspended with all its orders, a member with all its listings and orders)"),
	"cp.member":             i18n.T("所涉成员", "Member concerned"),
	"cp.suspended_listings": i18n.T("暂停的挂牌", "Listings suspended"),
	"cp.listing":            i18n.T("所涉挂牌", "Listing concerned"),
	"cp.suspended_orders":   i18n.T("暂停的订单", "Orders suspended"),
	"cp.f.note":             i18n.T("处理意见", "Grounds"),
	"cp.f.answer":           i18n.T("抗辩意见", "Your answer"),
	"cp.evidence.hint":      i18n.T("PDF、PNG、JPEG 或纯文本，至多 3 个文件、合计 48 KiB；按内容识别类型，每个文件的摘要（SHA-256，国密配置下为 SM3）记入业务日志。", "PDF, PNG, JPEG or plain text, at most 3 files and 48 KiB in all; types are read from the content, and each file's digest (SHA-256, or SM3 under the 国密 profile) goes into the business log."),
	"cp.privacy":            i18n.T("您的姓名与联系方式只供运营方处理投诉，不写入业务日志，也不提供给被投诉成员。", "Your name and contact are for the operator's handling only: they are not written to the business log nor given to the members concerned."),
	"cp.submit":             i18n.T("提交投诉", "Submit"),
	"cp.received":           i18n.T("投诉已收到。请保存以下编号与查询码，凭此查看处理进度；查询码只显示这一次。", "Your complaint is received. Keep the ID and code below to follow it; the code is shown this once."),
	"cp.id":                 i18n.T("投诉编号", "Complaint ID"),
	"cp.code":               i18n.T("查询码", "Code"),
	"cp.keep":               i18n.T("运营方可能通过您留下的联系方式与您联系。", "The operator may contact you as you said."),
	"cp.status":             i18n.T("查询投诉进度", "Follow a complaint"),
	"cp.look":               i18n.T("查询", "Look up"),
	"cp.state":              i18n.T("状态", "Status"),
	"cp.st.received":        i18n.T("已收到，待受理", "received, awaiting review"),
	"cp.st.accepted":        i18n.T("已受理，相关数据互联已暂停", "accepted: the exchange is suspended"),
	"cp.st.rejected":        i18n.T("不予受理", "not accepted"),
	"cp.st.answered":        i18n.T("被投诉方已抗辩，待处理", "answered by the member, awaiting decision"),
	"cp.st.restored":        i18n.T("抗辩成立，已恢复", "decided: the exchange resumed"),
	"cp.st.upheld":          i18n.T("投诉成立，维持暂停", "upheld: the exchange stays suspended"),
	"cp.filed":              i18n.T("提交时间", "Filed"),
	"cp.accepted":           i18n.T("受理时间", "Accepted"),
	"cp.resolved":           i18n.T("处理完毕", "Decided"),
	"cp.note":               i18n.T("运营方意见", "The operator's grounds"),
	"cp.answer":             i18n.T("抗辩意见", "The member's answer"),
	"cp.list":               i18n.T("投诉处理", "Complaints"),
	"cp.list.lead":          i18n.T("待受理与待处理的在前。成员只看到涉及本方订单且已受理的投诉，看不到投诉人身份。", "Those awaiting a step first. A member sees the accepted complaints about its orders, never who complained."),
	"cp.none":               i18n.T("暂无投诉。", "No complaints."),
	"cp.order":              i18n.T("订单", "Order"),
	"cp.one":                i18n.T("投诉", "Complaint"),
	"cp.file":               i18n.T("文件", "File"),
	"cp.type":               i18n.T("类型", "Type"),
	"cp.digest":             i18n.T("摘要", "Digest"),
	"cp.by":                 i18n.T("提交方", "From"),
	"cp.by.complainant":     i18n.T("投诉人", "the complainant"),
	"cp.accept":             i18n.T("受理投诉：暂停所涉订单", "Accept: suspend the order concerned"),
	"cp.accept.submit":      i18n.T("受理并暂停", "Accept and suspend"),
	"cp.reject.submit":      i18n.T("不予受理", "Decline"),
	"cp.answer.new":         i18n.T("提交抗辩", "Answer with counter-evidence"),
	"cp.answer.submit":      i18n.T("提交抗辩", "Submit the answer"),
	"cp.resolve":            i18n.T("作出处理决定", "Decide"),
	"cp.restore.submit":     i18n.T("抗辩成立，恢复订单", "Restore the order"),
	"cp.uphold.submit":      i18n.T("投诉成立，维持暂停", "Uphold the complaint"),
	"cp.done.accept":        i18n.T("已受理，订单已暂停，双方已收到通知。", "Accepted: the order is suspended and both members notified."),
	"cp.done.reject":        i18n.T("已不予受理。", "Declined."),
	"cp.done.answer":        i18n.T("抗辩已提交。", "Your answer is submitted."),
	"cp.done.restore":       i18n.T("订单已恢复，双方已收到通知。", "The order resumed; both members are notified."),
	"cp.done.uphold":        i18n.T("投诉成立，订单维持暂停。", "Upheld: the order stays suspended."),
}

func init() {
	for k, v := range complaintMessages {
		if _, dup := messages[k]; dup {
			panic("console: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
