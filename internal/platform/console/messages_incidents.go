package console

import "hulian/internal/i18n"

// incidentMessages are the incident pages' text (X-P6, X-P14, C-13).
var incidentMessages = map[string]i18n.Text{
	"ic.title":                    i18n.T("安全事件", "Security incidents"),
	"ic.lead":                     i18n.T("成员发生可能影响数据互联的个人信息毁损、泄露等安全事件，应及时报告运营方；较大及以上级别的事件须在发现后 4 小时内向主管部门报告，并通知受影响的个人、采取补救措施。每一步都记入业务日志。", "A member reports to the operator any incident — personal information destroyed, leaked and the like — that may affect the exchange; one of grade significant or above goes to the authorities within 4 hours of being found, and the people affected are told and the harm remedied. Every step goes into the business log."),
	"ic.none":                     i18n.T("暂无安全事件。", "No incidents."),
	"ic.member":                   i18n.T("成员", "Member"),
	"ic.state":                    i18n.T("状态", "State"),
	"ic.open":                     i18n.T("处理中", "open"),
	"ic.closed":                   i18n.T("已结案", "closed"),
	"ic.overdue":                  i18n.T("报告逾期", "report overdue"),
	"ic.authority_due":            i18n.T("主管部门报告期限", "Authority report due"),
	"ic.no_authority":             i18n.T("无须报告", "not required"),
	"ic.reported":                 i18n.T("报告运营方时间", "Reported to the operator"),
	"ic.report":                   i18n.T("报告安全事件", "Report an incident"),
	"ic.report.help":              i18n.T("只填人数，不填任何个人的信息。时间为北京时间。", "Give numbers of people, never anyone's details. Times are Beijing time."),
	"ic.report.submit":            i18n.T("报告", "Report"),
	"ic.f.kind":                   i18n.T("事件类型", "Kind"),
	"ic.f.title":                  i18n.T("标题", "Title"),
	"ic.f.description":            i18n.T("事件经过、涉及的数据与已采取的措施", "What happened, the data concerned and what was done"),
	"ic.f.grade":                  i18n.T("事件级别", "Grade"),
	"ic.grade.help":               i18n.T("按《网络安全事件分级指南》：涉及 100 万人以上至少为较大，1000 万人以上至少为重大，1 亿人以上为特别重大。", "After the CAC's grading guide: one million people or more is at least significant, ten million at least major, a hundred million critical."),
	"ic.f.affected":               i18n.T("受影响人数", "People affected"),
	"ic.f.found_at":               i18n.T("发现时间", "Found at"),
	"ic.f.affects_exchange":       i18n.T("可能影响数据互联", "May affect the exchange"),
	"ic.f.orders":                 i18n.T("所涉订单编号（以逗号分隔）", "Orders concerned (comma-separated IDs)"),
	"ic.f.authority_name":         i18n.T("报告的主管部门", "Authority reported to"),
	"ic.f.authority_ref":          i18n.T("报告编号", "Report reference"),
	"ic.f.at":                     i18n.T("时间（留空为现在）", "When (empty for now)"),
	"ic.f.count":                  i18n.T("已通知人数", "People told"),
	"ic.f.method":                 i18n.T("通知方式（或未通知的理由）", "How they were told (or why not)"),
	"ic.f.text":                   i18n.T("补救措施或结案说明", "The remediation, or the closing summary"),
	"ic.kind.leak":                i18n.T("数据泄露", "data leak"),
	"ic.kind.tampering":           i18n.T("数据篡改", "data tampered with"),
	"ic.kind.loss":                i18n.T("数据毁损或丢失", "data destroyed or lost"),
	"ic.kind.unauthorised_access": i18n.T("未经授权的访问", "unauthorised access"),
	"ic.kind.availability":        i18n.T("服务中断", "service outage"),
	"ic.kind.other":               i18n.T("其他", "other"),
	"ic.grade.general":            i18n.T("一般", "general"),
	"ic.grade.significant":        i18n.T("较大", "significant"),
	"ic.grade.major":              i18n.T("重大", "major"),
	"ic.grade.critical":           i18n.T("特别重大", "critical"),
	"ic.yes":                      i18n.T("是", "yes"),
	"ic.no":                       i18n.T("否", "no"),
	"ic.one":                      i18n.T("安全事件", "Incident"),
	"ic.steps":                    i18n.T("处置步骤", "Handling"),
	"ic.step.authority":           i18n.T("向主管部门报告", "Reported to the authorities"),
	"ic.step.notified":            i18n.T("通知受影响的个人", "People affected told"),
	"ic.step.remediated":          i18n.T("补救措施", "Remediation"),
	"ic.step.compensated":         i18n.T("赔偿", "Compensation"),
	"ic.f.comp_count":             i18n.T("获赔人数", "People compensated"),
	"ic.f.comp_amount":            i18n.T("赔偿总额（元）", "Total paid (yuan)"),
	"ic.f.comp_text":              i18n.T("赔偿方式，或未赔偿的理由", "How they were compensated, or why no one was"),
	"ic.step.closed":              i18n.T("结案", "Closed"),
	"ic.missing":                  i18n.T("结案前还须记录：", "Still to record before closing: "),
	"ic.record":                   i18n.T("记录", "Record"),
	"ic.close":                    i18n.T("结案", "Close the incident"),
	"ic.done.report":              i18n.T("事件已报告运营方并记入业务日志。", "The incident is reported to the operator and logged."),
	"ic.done.step":                i18n.T("已记录并记入业务日志。", "Recorded and logged."),
	"ic.done.closed":              i18n.T("事件已结案。", "The incident is closed."),
}

func init() {
	for k, v := range incidentMessages {
		if _, dup := messages[k]; dup {
			panic("console: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
