package scan

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"hulian/internal/protocol/ident"
)

// labelled is one corpus cell: a value in a column and the kind it must
// produce ("" for a look-alike that must produce nothing).
type labelled struct {
	column, value string
	want          Kind
}

// gen makes valid identifiers and look-alikes deterministically.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) *gen { return &gen{rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

func (g *gen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// idCard returns a valid 18-character number: the check character is found
// by asking the validator, so the test does not restate the algorithm.
func (g *gen) idCard() string {
	body := fmt.Sprintf("%s%04d%02d%02d%s", g.pick("110105", "310104", "440305", "510107", "330106", "420102"), 1950+g.r.IntN(55), 1+g.r.IntN(12), 1+g.r.IntN(28), g.digits(3))
	for _, c := range "0123456789X" {
		if ident.CheckIDCard(body+string(c)) == nil {
			return body + string(c)
		}
	}
	panic("no check character for " + body)
}

// badIDCard is a valid number with a wrong check character.
func (g *gen) badIDCard() string {
	id := g.idCard()
	for _, c := range "0123456789X" {
		if cand := id[:17] + string(c); ident.CheckIDCard(cand) != nil {
			return cand
		}
	}
	panic("unreachable")
}

func (g *gen) uscc() string {
	for {
		body := "91" + g.pick("110105", "310104", "440300") + g.digits(4) + string(rune('A'+g.r.IntN(8))) + g.digits(4)
		for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
			if ident.CheckUSCC(body+string(c)) == nil {
				return body + string(c)
			}
		}
	}
}

func (g *gen) mobile() string {
	return g.pick("138", "139", "150", "186", "177", "199", "135", "158") + g.digits(8)
}

func (g *gen) card() string {
	p := g.pick("6222", "6217", "6228", "4563", "5187") + g.digits(11+g.r.IntN(4))
	return p + string(ident.LuhnDigit(p))
}

func (g *gen) badCard() string {
	c := g.card()
	last := c[len(c)-1]
	return c[:len(c)-1] + string('0'+(last-'0'+1)%10)
}

func (g *gen) imei() string {
	p := g.pick("35", "86", "01") + g.digits(12)
	return p + string(ident.LuhnDigit(p))
}

func (g *gen) hex2() string { return fmt.Sprintf("%02X", g.r.IntN(256)) }

// corpus returns at least n labelled cells, about half positives.
func corpus(n int) []labelled {
	g := newGen(20240501)
	text := func(v string) string {
		return fmt.Sprintf(g.pick("%s", "联系方式：%s，工作日可联系", "客户留言 %s 请回电", "备注(%s)", "信息: %s。"), v)
	}
	pos := []func() labelled{
		func() labelled { return labelled{"备注", text(g.idCard()), KindIDCard} },
		func() labelled { return labelled{"证件号", g.idCard(), KindIDCard} },
		func() labelled { return labelled{"备注", text(g.mobile()), KindMobile} },
		func() labelled {
			m := g.mobile()
			return labelled{"联系电话", g.pick("+86 ", "0086", "+86-", "") + m[:3] + g.pick(" ", "-") + m[3:7] + g.pick(" ", "-") + m[7:], KindMobile}
		},
		func() labelled {
			return labelled{"备注", text(g.pick("010-", "021-", "0755-", "(020)") + string(byte('2'+g.r.IntN(7))) + g.digits(7)), KindLandline}
		},
		func() labelled {
			return labelled{"备注", text(g.pick("zhang", "li.na", "wang_88", "tom") + g.digits(3) + "@" + g.pick("163.com", "qq.com", "example.cn", "mail.sina.com.cn")), KindEmail}
		},
		func() labelled { return labelled{"备注", text(g.card()), KindBankCard} },
		func() labelled {
			c := g.card()
			var b strings.Builder
			for i := 0; i < len(c); i += 4 {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(c[i:min(i+4, len(c))])
			}
			return labelled{"银行卡", b.String(), KindBankCard}
		},
		func() labelled { return labelled{"备注", text(g.pick("E", "G") + g.digits(8)), KindPassport} },
		func() labelled { return labelled{"备注", text(g.pick("C", "H", "M") + g.digits(8)), KindPermit} },
		func() labelled { return labelled{"备注", text(g.uscc()), KindUSCC} },
		func() labelled {
			return labelled{"备注", text(g.pick("京", "沪", "粤", "川") + g.pick("A", "B", "C") + g.pick("", "·") + g.digits(5)), KindPlate}
		},
		func() labelled { return labelled{"设备", g.imei(), KindIMEI} },
		func() labelled {
			return labelled{"备注", text(strings.Join([]string{g.hex2(), g.hex2(), g.hex2(), g.hex2(), g.hex2(), g.hex2()}, g.pick(":", "-"))), KindMAC}
		},
		func() labelled {
			return labelled{"备注", text(fmt.Sprintf("%d.%d.%d.%d", 1+g.r.IntN(223), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))), KindIPv4}
		},
		func() labelled {
			return labelled{"备注", "QQ号 " + g.pick("1", "2", "3", "8") + g.digits(5+g.r.IntN(5)), KindQQ}
		},
		func() labelled {
			return labelled{"备注", "微信：" + g.pick("zhang", "lily", "wx") + "_" + g.digits(4), KindWeChat}
		},
		func() labelled {
			return labelled{"出生日期", fmt.Sprintf("%d-%02d-%02d", 1950+g.r.IntN(55), 1+g.r.IntN(12), 1+g.r.IntN(28)), KindBirthDate}
		},
		func() labelled {
			return labelled{"备注", g.pick("汉族", "回族", "维吾尔族", "壮族", "满族"), KindEthnicity}
		},
		func() labelled {
			return labelled{"姓名", g.pick("张", "王", "李", "欧阳", "陈") + g.pick("伟", "芳", "娜娜", "建国", "小明"), KindName}
		},
		func() labelled {
			return labelled{"备注", g.pick("上海市南京东路", "北京市朝阳区建国路", "杭州市文三路") + fmt.Sprint(1+g.r.IntN(999)) + "号", KindAddress}
		},
		func() labelled { return labelled{"月收入", fmt.Sprint(3000 + g.r.IntN(30000)), KindIncome} },
		func() labelled { return labelled{"备注", g.pick("糖尿病", "高血压", "抑郁症"), KindHealth} },
		func() labelled { return labelled{"备注", g.pick("网络赌博", "冰毒", "传销"), KindContent} },
	}
	neg := []func() labelled{
		func() labelled { return labelled{"订单号", "2024" + g.digits(14), ""} },
		func() labelled { return labelled{"备注", text("SO" + g.digits(12)), ""} },
		func() labelled {
			return labelled{"价格", fmt.Sprintf("¥%d.%02d", g.r.IntN(10000), g.r.IntN(100)), ""}
		},
		func() labelled { return labelled{"备注", text(fmt.Sprintf("售价%d元", g.r.IntN(100000))), ""} },
		func() labelled {
			return labelled{"版本", fmt.Sprintf("%d.%d.%d", g.r.IntN(20), g.r.IntN(20), g.r.IntN(200)), ""}
		},
		func() labelled {
			return labelled{"备注", fmt.Sprintf("版本 %d.%d.%d.%d", g.r.IntN(20), g.r.IntN(20), g.r.IntN(20), g.r.IntN(9999)), ""}
		},
		func() labelled {
			return labelled{"年龄段", g.pick("18-24岁", "25-34岁", "35-44岁", "45岁以上"), ""}
		},
		func() labelled {
			return labelled{"下单日期", fmt.Sprintf("%d-%02d-%02d", 2015+g.r.IntN(10), 1+g.r.IntN(12), 1+g.r.IntN(28)), ""}
		},
		func() labelled { return labelled{"备注", text(g.badIDCard()), ""} },
		func() labelled { return labelled{"备注", text(g.badCard()), ""} },
		func() labelled { return labelled{"备注", text(g.pick("10", "12", "11") + g.digits(9)), ""} },
		func() labelled {
			return labelled{"兴趣", g.pick("运动|旅游", "美食;电影", "汽车", "母婴", "理财") + "", ""}
		},
		func() labelled {
			return labelled{"常驻城市", g.pick("北京市朝阳区", "上海市浦东新区", "深圳市南山区"), ""}
		},
		func() labelled { return labelled{"户型", g.pick("3室2厅", "2室1厅", "1室0厅"), ""} },
		func() labelled {
			return labelled{"备注", g.pick("地铁1号线沿线", "近2号线", "10号线通勤"), ""}
		},
		func() labelled { return labelled{"月收入", g.pick("5000-8000", "8000-15000", "1万以上"), ""} },
		func() labelled { return labelled{"备注", "水族馆爱好者", ""} },
		func() labelled {
			return labelled{"商品名称", g.pick("王老吉", "李宁运动鞋", "张小泉剪刀"), ""}
		},
		func() labelled { return labelled{"备注", g.digits(8), ""} },
		func() labelled {
			return labelled{"时间", fmt.Sprintf("%02d:%02d:%02d", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60)), ""}
		},
		func() labelled { return labelled{"评分", fmt.Sprintf("%d.%d", g.r.IntN(10), g.r.IntN(10)), ""} },
		func() labelled {
			return labelled{"机型", g.pick("iPhone 15 Pro", "Mate 60", "Redmi K70", "OPPO A2"), ""}
		},
	}
	var out []labelled
	for len(out) < n {
		if g.r.IntN(2) == 0 {
			out = append(out, pos[g.r.IntN(len(pos))]())
		} else {
			out = append(out, neg[g.r.IntN(len(neg))]())
		}
	}
	return out
}

// TestCorpusPrecisionRecall measures the scanner on the labelled corpus:
// recall on direct identifiers (X-F1) must reach 99% and precision 95%.
func TestCorpusPrecisionRecall(t *testing.T) {
	t.Parallel()
	sc := New(Options{})
	cells := corpus(6000)
	var tp, fp, fn, directWant, directHit int
	for _, l := range cells {
		got := sc.ScanCell(l.column, l.value)
		found := false
		for _, f := range got {
			if f.Kind == l.want {
				found = true
			} else {
				fp++
				t.Logf("false positive: %s=%q -> %s", l.column, l.value, f.Kind)
			}
		}
		if l.want == "" {
			continue
		}
		if found {
			tp++
		} else {
			fn++
			t.Logf("missed %s: %s=%q", l.want, l.column, l.value)
		}
		if l.want.DirectIdentifier() {
			directWant++
			if found {
				directHit++
			}
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	direct := float64(directHit) / float64(directWant)
	t.Logf("cells %d: precision %.4f, recall %.4f, direct-identifier recall %.4f (%d/%d)", len(cells), precision, recall, direct, directHit, directWant)
	if direct < 0.99 {
		t.Errorf("direct-identifier recall %.4f < 0.99", direct)
	}
	if precision < 0.95 {
		t.Errorf("precision %.4f < 0.95", precision)
	}
}
