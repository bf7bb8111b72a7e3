package console

import "hulian/internal/i18n"

// mediationMessages are the order disputes' pages (X-G4).
var mediationMessages = map[string]i18n.Text{
	"md.title":             i18n.T("订单纠纷", "Order disputes"),
	"md.lead":              i18n.T("订单双方发生纠纷时，一方可提请运营方调解；影响数据互联的，提出时即暂停该订单。运营方从业务日志调取订单的记录及其包含证明（双方可凭平台公钥离线验证），记录调解过程与结果。", "When the members of an order disagree, either may ask the operator to mediate; one that affects the exchange suspends the order when it is opened. The operator extracts the order's records from the business log with their inclusion proofs (each party can check them offline with the platform's key) and records the mediation and its outcome."),
	"md.none":              i18n.T("暂无订单纠纷。", "No order disputes."),
	"md.order":             i18n.T("订单", "Order"),
	"md.party":             i18n.T("提出方", "Opened by"),
	"md.other":             i18n.T("对方", "Other member"),
	"md.opened":            i18n.T("提出时间", "Opened"),
	"md.state":             i18n.T("状态", "State"),
	"md.st.open":           i18n.T("调解中", "in mediation"),
	"md.st.settled":        i18n.T("已调解完毕", "settled"),
	"md.suspended":         i18n.T("订单已暂停", "order suspended"),
	"md.open":              i18n.T("提出订单纠纷", "Open an order dispute"),
	"md.open.submit":       i18n.T("提出", "Open"),
	"md.one":               i18n.T("订单纠纷", "Order dispute"),
	"md.outcome":           i18n.T("调解结果", "Outcome"),
	"md.notes":             i18n.T("调解记录", "Mediation notes"),
	"md.evidence":          i18n.T("业务日志记录", "Business log records"),
	"md.evidence.help":     i18n.T("每条记录附签名检查点与包含证明，可凭平台日志公钥离线验证。", "Each record comes with a signed checkpoint and its inclusion proof, checkable offline with the platform's log key."),
	"md.evidence.download": i18n.T("下载回执（JSON）", "Download the receipts (JSON)"),
	"md.evidence.none":     i18n.T("运营方尚未调取。", "Not extracted yet."),
	"md.proof":             i18n.T("包含证明", "Inclusion proof"),
	"md.proof.ok":          i18n.T("已验证", "verified"),
	"md.proof.bad":         i18n.T("验证失败", "does not verify"),
	"md.extract":           i18n.T("调取该订单的日志记录", "Extract the order's log records"),
	"md.mediate":           i18n.T("调解", "Mediate"),
	"md.resume":            i18n.T("结案时恢复被暂停的订单", "Resume the suspended order on settling"),
	"md.note":              i18n.T("记录", "Add the note"),
	"md.settle":            i18n.T("结案", "Settle"),
	"md.done.open":         i18n.T("纠纷已提出，对方已收到通知。", "The dispute is opened; the other member is notified."),
	"md.done.extract":      i18n.T("已调取日志记录。", "The log records are extracted."),
	"md.done.note":         i18n.T("已记录。", "Noted."),
	"md.done.settle":       i18n.T("已结案，双方已收到通知。", "Settled; both members are notified."),
	"ic.f.order":           i18n.T("订单编号", "Order ID"),
	"ic.f.reason":          i18n.T("事由", "What it is about"),
	"ic.f.suspend":         i18n.T("影响数据互联：提出即暂停该订单", "It affects the exchange: suspend the order now"),
}

func init() {
	for k, v := range mediationMessages {
		if _, dup := messages[k]; dup {
			panic("console: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
