package console

import "hulian/internal/i18n"

// cyclesMessages are the settlement cycles' page (X-S1).
var cyclesMessages = map[string]i18n.Text{
	"cy.title":          i18n.T("结算周期", "Settlement cycles"),
	"cy.lead":           i18n.T("结算单按自然月出具；如需调整结算周期，由双方另行协商：一方提议，另一方同意后，自约定月份起双方之间（两个方向）的结算单按该周期出具，周期届满后的第三个工作日出具。", "Statements are monthly; a pair of members may agree another cycle. One proposes, the other accepts, and from the month agreed the statements between them (both ways) each cover that many months, issued on the third working day after the period ends."),
	"cy.inforce":        i18n.T("现行约定", "Cycles in force"),
	"cy.default":        i18n.T("未另行约定的成员之间按月结算。周期自 1 月起算，例如季度为 1–3 月、4–6 月……", "Members with no agreement settle monthly. Periods are counted from January: quarters are January–March, April–June, and so on."),
	"cy.pair":           i18n.T("双方", "Members"),
	"cy.cycle":          i18n.T("结算周期", "Cycle"),
	"cy.period":         i18n.T("本月所在结算期", "This month's period"),
	"cy.proposals":      i18n.T("提议与答复", "Proposals and answers"),
	"cy.none":           i18n.T("暂无结算周期提议。", "No cycle proposals."),
	"cy.proposer":       i18n.T("提议方", "Proposed by"),
	"cy.other":          i18n.T("答复方", "Answered by"),
	"cy.from":           i18n.T("起始月份", "From"),
	"cy.proposed":       i18n.T("提议时间", "Proposed"),
	"cy.state":          i18n.T("状态", "State"),
	"cy.st.proposed":    i18n.T("待答复", "awaiting an answer"),
	"cy.st.agreed":      i18n.T("已同意", "agreed"),
	"cy.st.declined":    i18n.T("已拒绝", "declined"),
	"cy.st.lapsed":      i18n.T("已过期（起始月份已开始）", "lapsed (its first month has begun)"),
	"cy.accept":         i18n.T("同意", "Accept"),
	"cy.decline":        i18n.T("拒绝", "Decline"),
	"cy.propose":        i18n.T("提议调整结算周期", "Propose a settlement cycle"),
	"cy.propose.submit": i18n.T("提议", "Propose"),
	"cy.f.counterparty": i18n.T("对方成员", "Other member"),
	"cy.f.months":       i18n.T("结算周期", "Cycle"),
	"cy.f.from":         i18n.T("起始月份", "First month"),
	"cy.f.from.hint":    i18n.T("须为下个月或更晚，且为所选周期的第一个月（如季度须为 1、4、7 或 10 月）。", "Next month or later, and the first month of a period of the cycle chosen (a quarter begins in January, April, July or October)."),
	"cy.f.note":         i18n.T("说明（可选）", "Note (optional)"),
	"cy.m.1":            i18n.T("每月", "monthly"),
	"cy.m.2":            i18n.T("每两个月", "every two months"),
	"cy.m.3":            i18n.T("每季度", "quarterly"),
	"cy.m.6":            i18n.T("每半年", "half-yearly"),
	"cy.m.12":           i18n.T("每年", "yearly"),
	"cy.done.propose":   i18n.T("提议已发出，待对方答复。", "Proposed: the other member has been asked."),
	"cy.done.accept":    i18n.T("已同意：自约定月份起按新周期结算。", "Accepted: statements follow the new cycle from its first month."),
	"cy.done.decline":   i18n.T("已拒绝该提议。", "Declined."),
	"st.period":         i18n.T("结算期", "Period"),
	"st.line_month":     i18n.T("月份", "Month"),
}

func init() {
	for k, v := range cyclesMessages {
		if _, dup := messages[k]; dup {
			panic("console: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
