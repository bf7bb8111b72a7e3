package scan

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/protocol/ident"
)

// withLuhn appends the Luhn check digit to payload.
func withLuhn(payload string) string { return payload + string(ident.LuhnDigit(payload)) }

// Test vectors: 11010519491231002X is the example number of GB 11643-1999;
// 91350100M000100Y43 the example code of GB 32100-2015; 490154203237518 the
// example IMEI of 3GPP TS 23.003 as commonly cited.
func TestScanCellKinds(t *testing.T) {
	t.Parallel()
	sc := New(Options{})
	card := withLuhn("621700123456789012")
	visa := withLuhn("411111111111111")
	tests := []struct {
		name, column, value string
		want                []Kind
	}{
		{"idcard", "备注", "身份证11010519491231002X", []Kind{KindIDCard}},
		{"idcard lower x", "note", "id: 11010519491231002x.", []Kind{KindIDCard}},
		{"idcard bad check", "note", "11010519491231002Y", nil},
		{"idcard bad check digit", "note", "110105194912310021", nil},
		{"idcard15", "note", "110105491231002", []Kind{KindIDCard}},
		{"mobile", "note", "电话13812345678", []Kind{KindMobile}},
		{"mobile +86", "note", "+86 138 1234 5678", []Kind{KindMobile}},
		{"mobile 0086", "note", "0086-13812345678", []Kind{KindMobile}},
		{"mobile dashes", "note", "138-1234-5678", []Kind{KindMobile}},
		{"mobile paren", "note", "(+86)13812345678", []Kind{KindMobile}},
		{"two mobiles", "note", "13812345678 13912345678", []Kind{KindMobile}},
		{"mobile in order no", "note", "SO13812345678", nil},
		{"mobile too long", "note", "138123456789", nil},
		{"landline", "note", "010-62345678", []Kind{KindLandline}},
		{"landline paren", "note", "(0755)2345678", []Kind{KindLandline}},
		{"landline phone col", "电话", "02162345678", []Kind{KindLandline}},
		{"email", "note", "联系 zhang.san@example.com 谢谢", []Kind{KindEmail}},
		{"email qq", "note", "12345678@qq.com", []Kind{KindEmail}},
		{"not email", "note", "@home", nil},
		{"bank unionpay", "note", "卡号" + card, []Kind{KindBankCard}},
		{"bank spaced", "note", visa[:4] + " " + visa[4:8] + " " + visa[8:12] + " " + visa[12:], []Kind{KindBankCard}},
		{"bank luhn fail", "note", "6217001234567890120" + "", nil},
		{"order number", "order_id", "202401011234567890", nil},
		{"passport", "note", "护照E12345678", []Kind{KindPassport}},
		{"passport new", "note", "EA1234567", []Kind{KindPassport}},
		{"passport ctx", "护照号", "P1234567", []Kind{KindPassport}},
		{"permit hk", "note", "C12345678", []Kind{KindPermit}},
		{"permit home return", "note", "H1234567890", []Kind{KindPermit}},
		{"permit taiwan ctx", "note", "台胞证 L12345678", []Kind{KindPermit}},
		{"uscc", "note", "91350100M000100Y43", []Kind{KindUSCC}},
		{"uscc bad", "note", "91350100M000100Y44", nil},
		{"plate", "note", "车牌京A12345", []Kind{KindPlate}},
		{"plate dot", "note", "沪B·D12345", []Kind{KindPlate}},
		{"plate new energy large", "note", "粤B12345D", []Kind{KindPlate}},
		{"plate coach", "note", "川A1234学", []Kind{KindPlate}},
		{"not plate", "note", "京东APP", nil},
		{"imei", "imei", "490154203237518", []Kind{KindIMEI}},
		{"mac", "note", "00:1A:2B:3C:4D:5E", []Kind{KindMAC}},
		{"mac dash", "note", "00-1a-2b-3c-4d-5e", []Kind{KindMAC}},
		{"time not mac", "note", "12:30:45", nil},
		{"ipv4", "note", "登录IP 202.96.128.86", []Kind{KindIPv4}},
		{"ipv4 port", "note", "10.1.2.3:8080", []Kind{KindIPv4}},
		{"version", "note", "version 1.2.3.4", nil},
		{"version v", "note", "v1.2.3.4", nil},
		{"version 3", "note", "1.2.3", nil},
		{"ipv6", "note", "2001:db8::8a2e:370:7334", []Kind{KindIPv6}},
		{"qq column", "QQ号", "12345678", []Kind{KindQQ}},
		{"qq text", "note", "QQ: 12345678", []Kind{KindQQ}},
		{"qq glued", "note", "qq12345678", []Kind{KindQQ}},
		{"number no qq", "note", "12345678", nil},
		{"wechat wxid", "note", "wxid_abc123def", []Kind{KindWeChat}},
		{"wechat ctx", "note", "微信：zhangsan_88", []Kind{KindWeChat}},
		{"wechat col", "微信号", "lisi2020", []Kind{KindWeChat}},
		{"birth col", "出生日期", "1990-01-02", []Kind{KindBirthDate}},
		{"birth col compact", "birthday", "19900102", []Kind{KindBirthDate}},
		{"birth text", "note", "出生于1990年1月2日", []Kind{KindBirthDate}},
		{"birth after", "note", "1990年1月2日出生", []Kind{KindBirthDate}},
		{"date not birth", "订单日期", "2024-01-02", nil},
		{"birth year only", "出生年份", "1990", nil},
		{"age band", "年龄段", "25-34岁", nil},
		{"ethnic", "note", "汉族", []Kind{KindEthnicity}},
		{"ethnic col", "民族", "回", []Kind{KindEthnicity}},
		{"aquarium", "note", "水族馆爱好者", nil},
		{"marital", "note", "已婚", []Kind{KindMarital}},
		{"marital col", "婚姻状况", "married", []Kind{KindMarital}},
		{"education col", "学历", "本科", []Kind{KindEducation}},
		{"education text", "note", "学历：硕士", []Kind{KindEducation}},
		{"education no ctx", "note", "高中生兴趣", nil},
		{"health", "note", "糖尿病", []Kind{KindHealth}},
		{"health col", "病史", "无明显异常", []Kind{KindHealth}},
		{"income col", "月收入", "8500", []Kind{KindIncome}},
		{"income band", "月收入", "5000-8000", nil},
		{"income text", "note", "月薪12000元", []Kind{KindIncome}},
		{"income band text", "note", "月薪10000以上", nil},
		{"payment col", "支付金额", "¥128.50", []Kind{KindPayment}},
		{"price", "price", "128.50", nil},
		{"alipay", "note", "常用支付宝", nil},
		{"address", "note", "上海市黄浦区南京东路100号", []Kind{KindAddress}},
		{"address room", "住址", "朝阳区建国路88号3栋501室", []Kind{KindAddress}},
		{"city only", "常住城市", "北京市朝阳区", nil},
		{"metro", "note", "地铁1号线沿线", nil},
		{"layout", "户型", "3室2厅", nil},
		{"name col", "姓名", "张三", []Kind{KindName}},
		{"name col compound", "name", "欧阳娜娜", []Kind{KindName}},
		{"name col latin", "联系人", "Zhang Wei", []Kind{KindName}},
		{"product name", "商品名称", "王老吉", nil},
		{"employer", "工作单位", "某某科技有限公司", []Kind{KindEmployer}},
		{"content", "note", "网络赌博推广", []Kind{KindContent}},
		{"content latin", "note", "K粉", []Kind{KindContent}},
		{"exid", "tag", "ex1" + "abcdefghijklmnopqrstuvwxyz23", []Kind{KindExIDInTag}},
		{"price plain", "note", "售价 1999 元", nil},
		{"version string", "app_version", "10.0.19041.1", nil},
		{"plain text", "note", "喜欢运动和旅游", nil},
		{"placeholder", "姓名", "未知", nil},

		// By value, whatever the column (X-F1..X-F4, #12).
		{"full-width mobile", "tag", "１３８１２３４５６７８", []Kind{KindMobile}},
		{"grouped idcard", "tag", "110105 19491231 002X", []Kind{KindIDCard}},
		{"glued tel", "tag", "tel13812345678", []Kind{KindMobile}},
		{"permit hk e", "tag", "CA1234567", []Kind{KindPermit}},
		{"permit tw e", "tag", "L12345678", []Kind{KindPermit}},
		{"plate lower", "tag", "沪a12345", []Kind{KindPlate}},
		{"plate new energy small", "tag", "粤B·A12345", []Kind{KindPlate}},
		{"plate bullet", "tag", "京A•12345", []Kind{KindPlate}},
		{"plate letter I", "tag", "京AI2345", nil},
		{"birth by value", "tag", "1985-03-12", []Kind{KindBirthDate}},
		{"birth compact cell", "tag", "19850312", []Kind{KindBirthDate}},
		{"recent date", "tag", "2019-03-12", nil},
		{"valid until", "tag", "有效期至2005-08-24", nil},
		{"month", "tag", "1990-05", nil},
		{"birth month ctx", "tag", "出生年月 1990-05", []Kind{KindBirthDate}},
		{"age", "tag", "35岁", []Kind{KindAge}},
		{"age ctx", "tag", "年龄：42", []Kind{KindAge}},
		{"age band", "tag", "35-44岁", nil},
		{"age over", "tag", "45岁以上", nil},
		{"age about", "tag", "30岁左右", nil},
		{"age group header", "tag", "年龄段 3", nil},
		{"name alone", "tag", "张伟", []Kind{KindName}},
		{"name three", "tag", "李晓燕", []Kind{KindName}},
		{"name compound", "tag", "欧阳娜娜", []Kind{KindName}},
		{"name pinyin", "tag", "Wang Xiaoming", []Kind{KindName}},
		{"name honorific", "tag", "请联系张伟先生", []Kind{KindName}},
		{"name ctx", "tag", "收货人：李娜，电话见附件", []Kind{KindName}},
		{"name lead", "tag", "王芳已签收", []Kind{KindName}},
		{"surname only", "tag", "王先生", nil},
		{"word like name", "tag", "安静", nil},
		{"brand", "tag", "李宁运动鞋", nil},
		{"place", "tag", "白云山", nil},
		{"latin place", "tag", "Hong Kong", nil},
		{"phone model", "tag", "HUAWEI Mate", nil},
		{"photo uri", "tag", "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ", []Kind{KindPhoto}},
		{"photo file", "tag", "https://cdn.example.com/u/88/avatar.JPG", []Kind{KindPhoto}},
		{"not photo", "tag", "report.pdf", nil},
		{"fingerprint template", "tag", "Rk1SACAyMAAAAAFmAAABQAHg", []Kind{KindBiometric}},
		{"face template hex", "tag", "464143003031300000000000", []Kind{KindBiometric}},
		{"fingerprint unlock", "tag", "支持指纹解锁", nil},
		{"cv", "tag", "工作经历：2015-2019 销售", []Kind{KindCV}},
		{"securities", "tag", "A123456789", []Kind{KindSecurities}},
		{"securities ctx", "tag", "股东账户 0123456789", []Kind{KindSecurities}},
		{"insurance", "tag", "保单号P123456789012", []Kind{KindInsurance}},
		{"insurance interest", "tag", "保险产品偏好", nil},
		{"property", "tag", "沪(2020)浦东新区不动产权第0123456号", []Kind{KindProperty}},
		{"real estate industry", "tag", "房地产行业 2023年", nil},
		{"org code zeros", "tag", "00000000-0", nil},
		{"org code bad check", "tag", "12345678-9", nil},
		{"org code", "tag", "组织机构代码 12345678-8", []Kind{KindOrgCode}},
		{"enterprise", "tag", "客户名单", []Kind{KindEnterprise}},
		{"infant formula", "tag", "婴儿配方奶粉", nil},
		{"employer text", "tag", "就职于某某银行", []Kind{KindEmployer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []Kind
			for _, f := range sc.ScanCell(tt.column, tt.value) {
				got = append(got, f.Kind)
				if f.Clause == "" || f.Reason == "" {
					t.Errorf("finding without clause or reason: %+v", f)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ScanCell(%q, %q) kinds (-want +got):\n%s", tt.column, tt.value, diff)
			}
		})
	}
}
