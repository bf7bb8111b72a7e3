package scan

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"hulian/internal/protocol/ident"
)

// mixedCSV is a realistic supplier file: a subject ID, tag columns with
// short values, a device column and a free-text column in Chinese, with an
// identifier in about one row in fifty.
func mixedCSV(rows int) []byte {
	g := newGen(7)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"exid", "城市", "年龄段", "性别", "兴趣", "机型", "月消费段", "最近活跃", "评分", "备注"})
	notes := []string{"喜欢运动和旅游，周末常去郊外", "关注母婴用品与早教课程", "近三个月多次浏览新能源汽车资讯", "常用外卖，偏好川菜和火锅", "理财类应用活跃用户，偏好稳健型产品", "", "游戏时长较长，偏好策略类", "价格敏感，常参加满减活动 满200减30", "app 版本 8.0.47 活跃"}
	for i := range rows {
		note := g.pick(notes...)
		if i%50 == 7 {
			note += g.pick(" 联系"+g.mobile(), " 邮箱 a"+g.digits(5)+"@163.com", " 身份证"+g.idCard())
		}
		w.Write([]string{
			"ex1" + strings.Repeat("a", 20) + fmt.Sprintf("%08d", i),
			g.pick("北京市", "上海市", "广州市", "深圳市", "成都市", "杭州市"),
			g.pick("18-24岁", "25-34岁", "35-44岁", "45岁以上"),
			g.pick("男", "女"),
			g.pick("运动|旅游", "美食;电影", "汽车", "母婴|教育", "理财"),
			g.pick("iPhone 15 Pro", "HUAWEI Mate 60", "Redmi K70", "OPPO Reno11", "vivo X100"),
			g.pick("0-500", "500-2000", "2000-5000", "5000以上"),
			fmt.Sprintf("2024-%02d-%02d", 1+g.r.IntN(12), 1+g.r.IntN(28)),
			fmt.Sprintf("%d.%d", g.r.IntN(10), g.r.IntN(10)),
			note,
		})
	}
	w.Flush()
	return buf.Bytes()
}

// naiveScan is the baseline the scanner is measured against: every regular
// expression on every cell, each match then put to the same validators.
type naiveScan struct{ res []*regexp.Regexp }

func newNaive() *naiveScan {
	pats := []string{
		`\d{17}[\dXx]`, `\d{15}`, `(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}`, `0\d{2,3}-\d{7,8}`,
		`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`, `\d{16,19}`, `[EG]\d{8}`, `[CHM]\d{8}`,
		`[0-9A-Z]{18}`, `[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z]·?[A-Z0-9]{5,6}`,
		`(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}`, `\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}`, `[0-9A-Fa-f:]{2,}:[0-9A-Fa-f:]+`,
		`(?i)qq\D{0,3}\d{5,11}`, `wxid_\w+`, `(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}`,
		`汉族|回族|维吾尔族|壮族|满族|藏族|苗族`, `已婚|未婚|离异|丧偶`, `糖尿病|高血压|癌症|抑郁症`,
		`[路街巷]\d+号`, `赌博|冰毒|传销|枪支`, `ex1[a-z2-7]{28}`,
	}
	n := &naiveScan{}
	for _, p := range pats {
		n.res = append(n.res, regexp.MustCompile(p))
	}
	return n
}

func (n *naiveScan) cell(v string) int {
	found := 0
	for i, re := range n.res {
		for _, m := range re.FindAllString(v, -1) {
			ok := true
			switch i {
			case 0:
				ok = ident.CheckIDCard(m) == nil
			case 2:
				d := strings.NewReplacer("+", "", "-", "", " ", "").Replace(m)
				ok = ident.CheckMobile(d[len(d)-11:]) == nil
			case 4:
				ok = ident.CheckEmail(m) == nil
			case 5:
				ok = ident.Luhn(m)
			case 8:
				ok = ident.CheckUSCC(m) == nil
			case 11, 12:
				_, err := netip.ParseAddr(m)
				ok = err == nil
			}
			if ok {
				found++
			}
		}
	}
	return found
}

func (n *naiveScan) scanCSV(r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		return 0, err
	}
	found := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return found, nil
		}
		if err != nil {
			return 0, err
		}
		for i, v := range rec {
			if i > 0 {
				found += n.cell(v)
			}
		}
	}
}

// BenchmarkScanCSV compares the scanner with the regular-expression
// baseline on the same file, in the same run.
func BenchmarkScanCSV(b *testing.B) {
	data := mixedCSV(50000)
	b.Run("scanner", func(b *testing.B) {
		sc := New(Options{})
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			if _, err := sc.ScanCSV(context.Background(), bytes.NewReader(data), EncodingAuto, "exid", func(Finding) error { n++; return nil }); err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				b.Fatal("no findings")
			}
		}
	})
	b.Run("regexp-baseline", func(b *testing.B) {
		n := newNaive()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := n.scanCSV(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("csv-read-only", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			rd, err := NewReader(bytes.NewReader(data), EncodingAuto)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := rd.Next(); err != nil {
					break
				}
			}
		}
	})
}

// BenchmarkScanCell measures the cell walk alone on the free-text column.
func BenchmarkScanCell(b *testing.B) {
	sc := New(Options{})
	c := cell{d: sc.d}
	v := "近三个月多次浏览新能源汽车资讯，价格敏感，常参加满减活动 满200减30，app 版本 8.0.47 活跃"
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		c.scan(v, 0, "")
	}
}
