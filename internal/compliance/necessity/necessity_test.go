package necessity_test

import (
	"slices"
	"strings"
	"testing"

	"hulian/internal/compliance/necessity"
	"hulian/internal/i18n"
)

// TestCatalogue: the embedded catalogue holds the regulation's 39 types
// and the campaign's eight scenarios; the types that need no personal
// information are the regulation's fourteen.
func TestCatalogue(t *testing.T) {
	c, err := necessity.Default()
	if err != nil {
		t.Fatal(err)
	}
	var types, scenarios, none int
	for _, ty := range c.Types {
		if ty.Scenario {
			scenarios++
			continue
		}
		types++
		if len(ty.Necessary) == 0 {
			none++
		}
	}
	if types != 39 || scenarios != 8 || none != 14 {
		t.Errorf("%d types (%d needing nothing), %d scenarios", types, none, scenarios)
	}
	if c.Version == "" || !strings.Contains(c.Source, "国信办秘字〔2021〕14号") {
		t.Errorf("version %q, source %q", c.Version, c.Source)
	}
}

// TestCheck: fields by the regulation's names and by synonyms; a group
// stands for all its data; unknown fields and types name the nearest.
func TestCheck(t *testing.T) {
	c, _ := necessity.Default()
	res, unknown := c.Check("地图导航类", []string{"位置信息", "出发地", "目的地"}, i18n.ZH)
	if unknown != nil || len(res) != 3 || !res[0].Necessary || !res[2].Necessary || res[2].Names[0] != "到达地" {
		t.Fatalf("map navigation: %+v %+v", res, unknown)
	}
	res, _ = c.Check("地图导航类", []string{"手机号", "位置信息"}, i18n.ZH)
	if res[0].Necessary || !strings.Contains(res[0].Reason, "注册用户移动电话号码不属于「地图导航类」App基本功能服务（定位和导航）") || !res[1].Necessary {
		t.Errorf("a phone number for navigation: %+v", res)
	}
	res, _ = c.Check("网上购物类", []string{"支付信息", "手机号", "收货地址"}, i18n.EN)
	if !res[0].Necessary || len(res[0].Names) != 3 || !res[1].Necessary || !res[2].Necessary {
		t.Errorf("shopping: %+v", res)
	}
	res, _ = c.Check("新闻资讯类", []string{"手机号"}, i18n.EN)
	if res[0].Necessary || !strings.Contains(res[0].Reason, "needs no personal information") {
		t.Errorf("news with a phone number: %+v", res)
	}
	res, _ = c.Check("餐饮扫码点餐", []string{"手机号", "支付金额"}, i18n.ZH)
	if res[0].Necessary || !strings.Contains(res[0].Reason, "场景") || !res[1].Necessary {
		t.Errorf("scan-to-order with a phone number: %+v", res)
	}
	_, unknown = c.Check("地图类", []string{"位置信息"}, i18n.ZH)
	if len(unknown) != 1 || unknown[0].Kind != "type" || !slices.Contains(unknown[0].Nearest, "地图导航类") {
		t.Errorf("an unknown type: %+v", unknown)
	}
	res, unknown = c.Check("地图导航类", []string{"位置信息", "身份正号", "星座"}, i18n.ZH)
	if res != nil || len(unknown) != 2 || !slices.Contains(unknown[0].Nearest, "身份证号") {
		t.Errorf("unknown fields: %+v %+v", res, unknown)
	}
	if m := unknown[0].Message(i18n.ZH); !strings.Contains(m, "未知的字段「身份正号」，最接近的：") {
		t.Errorf("message: %s", m)
	}
}

// TestParse: every malformed line is refused naming its line.
func TestParse(t *testing.T) {
	head := "version 1 test\nfield a 甲\nfield b 乙 | 乙乙\n"
	for text, want := range map[string]string{
		head + "type 类 | 功能 | a\n":                 "",
		head + "type 类 | 功能 | c\n":                 "line 4: undeclared field key c",
		head + "field a 丙\n":                       "line 4: the field key a is given twice",
		head + "field c 乙乙\n":                      "line 4: the name 乙乙 is given twice",
		head + "type 类 | 功能\n":                     "line 4: write it as",
		head + "type 类 | 功能 | a\ntype 类 | x | b\n": "line 5: the type 类 is given twice",
		head + "group g 全部 = a\n":                  "line 4: write a group",
		head + "bogus x\n":                         "line 4: unknown declaration bogus",
		"field a 甲\ntype 类 | 功能 | a\n":             "lacks its version",
		head + "version 2 again\n":                 "line 4: the version is declared once",
	} {
		_, err := necessity.Parse(text)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", text, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// FuzzParse: any text either parses into a catalogue whose every type's
// keys are declared, or is refused; it never panics.
func FuzzParse(f *testing.F) {
	f.Add("version 1 x\nfield a 甲 | 乙\ngroup g 丙 = a a\ntype 类 | 功能 | a\n")
	f.Add("version 1\ntype 类 | | \n")
	f.Add("# only a comment\n")
	f.Add("field a\xff 甲\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := necessity.Parse(text)
		if err != nil {
			return
		}
		for _, ty := range c.Types {
			for _, k := range ty.Necessary {
				if c.Fields[k] == nil {
					t.Fatalf("type %s names undeclared %s", ty.Name, k)
				}
			}
		}
	})
}
