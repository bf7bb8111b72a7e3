// Package scan is the prohibited-content scanner of the catalog gate: it
// reads a supplier's CSV and reports every cell that carries what 《数据互联
// 规则》 第五节 forbids (X-F1..X-F5) and every identifier leaking into a tag
// (X-E4).
//
// Identifiers are found by validators, not by shapes alone: a cell is walked
// once, byte by byte; runs of digits, of letters and digits, and the
// punctuation that joins them (phone separators, dots of an address, the @ of
// an e-mail) are cut out as candidates, and only a candidate of the right
// length is handed to the check in package ident. Words are found through a
// dictionary indexed by their first rune. Neither step goes back over the
// text, so the cost is linear in the cell.
package scan

import (
	"hulian/internal/i18n"
)

// Finding is one prohibited item in one cell.
type Finding struct {
	Row    int    `json:"row"` // the file line where the record starts; 1 for the header
	Column string `json:"column"`
	Kind   Kind   `json:"kind"`
	Clause string `json:"clause"`
	Reason string `json:"reason"`
}

// Kind names what was found.
type Kind string

const (
	KindIDCard     Kind = "idcard"
	KindMobile     Kind = "mobile"
	KindLandline   Kind = "landline"
	KindEmail      Kind = "email"
	KindPassport   Kind = "passport"
	KindPermit     Kind = "permit"
	KindQQ         Kind = "qq"
	KindWeChat     Kind = "wechat"
	KindPlate      Kind = "plate"
	KindIMEI       Kind = "imei"
	KindMAC        Kind = "mac"
	KindIPv4       Kind = "ipv4"
	KindIPv6       Kind = "ipv6"
	KindName       Kind = "name"
	KindEthnicity  Kind = "ethnicity"
	KindBirthDate  Kind = "birth_date"
	KindAge        Kind = "age"
	KindPhoto      Kind = "photo"
	KindBiometric  Kind = "biometric"
	KindCV         Kind = "cv"
	KindMarital    Kind = "marital"
	KindEducation  Kind = "education"
	KindEmployer   Kind = "employer"
	KindHealth     Kind = "health"
	KindAddress    Kind = "address"
	KindBankCard   Kind = "bank_card"
	KindIncome     Kind = "income"
	KindPayment    Kind = "payment"
	KindSecurities Kind = "securities"
	KindProperty   Kind = "property"
	KindInsurance  Kind = "insurance"
	KindUSCC       Kind = "uscc"
	KindOrgCode    Kind = "org_code"
	KindEnterprise Kind = "enterprise"
	KindContent    Kind = "content"
	KindExIDInTag  Kind = "exid_in_tag"
	KindIDInTag    Kind = "id_in_tag"
)

type kindInfo struct {
	clause string
	label  i18n.Text
}

// kinds maps each kind to its clause and its name for people. Device and
// network identifiers and licence plates are direct identifiers of X-F1's
// "including but not limited to"; a credit code or an organisation code
// names an enterprise, and its customer lists, accounts, formulas and
// programs are its data (X-F4).
var kinds = map[Kind]kindInfo{
	KindIDCard:     {"X-F1", i18n.T("身份证号码", "identity card number")},
	KindMobile:     {"X-F1", i18n.T("手机号码", "mobile number")},
	KindLandline:   {"X-F1", i18n.T("固定电话号码", "landline number")},
	KindEmail:      {"X-F1", i18n.T("电子邮箱地址", "e-mail address")},
	KindPassport:   {"X-F1", i18n.T("护照号码", "passport number")},
	KindPermit:     {"X-F1", i18n.T("港澳台通行证号码", "Hong Kong/Macao/Taiwan permit number")},
	KindQQ:         {"X-F1", i18n.T("QQ 号", "QQ account")},
	KindWeChat:     {"X-F1", i18n.T("微信号", "WeChat account")},
	KindPlate:      {"X-F1", i18n.T("机动车号牌", "licence plate")},
	KindIMEI:       {"X-F1", i18n.T("IMEI 设备号", "IMEI")},
	KindMAC:        {"X-F1", i18n.T("MAC 地址", "MAC address")},
	KindIPv4:       {"X-F1", i18n.T("IPv4 地址", "IPv4 address")},
	KindIPv6:       {"X-F1", i18n.T("IPv6 地址", "IPv6 address")},
	KindName:       {"X-F2", i18n.T("姓名", "personal name")},
	KindEthnicity:  {"X-F2", i18n.T("民族", "ethnicity")},
	KindBirthDate:  {"X-F2", i18n.T("出生日期", "date of birth")},
	KindAge:        {"X-F2", i18n.T("确切年龄", "exact age")},
	KindPhoto:      {"X-F2", i18n.T("照片或图像数据", "photo or image data")},
	KindBiometric:  {"X-F2", i18n.T("指纹等生物识别信息", "fingerprint or other biometric data")},
	KindCV:         {"X-F2", i18n.T("个人简历", "CV (résumé)")},
	KindMarital:    {"X-F2", i18n.T("婚姻状况", "marital status")},
	KindEducation:  {"X-F2", i18n.T("学历", "education")},
	KindEmployer:   {"X-F2", i18n.T("工作单位", "employer")},
	KindHealth:     {"X-F2", i18n.T("健康疾病信息", "health or disease")},
	KindAddress:    {"X-F2", i18n.T("详细地址（街道门牌）", "street-level address")},
	KindBankCard:   {"X-F3", i18n.T("银行卡号", "bank card number")},
	KindIncome:     {"X-F3", i18n.T("个人收入金额", "personal income amount")},
	KindPayment:    {"X-F3", i18n.T("个人支付记录", "personal payment record")},
	KindSecurities: {"X-F3", i18n.T("证券账户", "securities account")},
	KindProperty:   {"X-F3", i18n.T("房产登记信息", "housing registration")},
	KindInsurance:  {"X-F3", i18n.T("保险保单号", "insurance policy number")},
	KindUSCC:       {"X-F4", i18n.T("统一社会信用代码", "unified social credit code")},
	KindOrgCode:    {"X-F4", i18n.T("组织机构代码", "organisation code")},
	KindEnterprise: {"X-F4", i18n.T("企业经营数据", "enterprise business data")},
	KindContent:    {"X-F5", i18n.T("禁止内容词", "prohibited content term")},
	KindExIDInTag:  {"X-E4", i18n.T("标签中出现 exID", "an exID inside a tag")},
	KindIDInTag:    {"X-E4", i18n.T("标签中出现本行主体 ID", "the row's subject ID inside a tag")},
}

// Clause returns the clause a kind violates.
func (k Kind) Clause() string { return kinds[k].clause }

// Label returns the kind's name for people.
func (k Kind) Label() i18n.Text { return kinds[k].label }

// Kinds lists every kind the scanner reports.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	return out
}

// DirectIdentifier reports whether k is an X-F1 direct identifier.
func (k Kind) DirectIdentifier() bool { return k.Clause() == "X-F1" }
