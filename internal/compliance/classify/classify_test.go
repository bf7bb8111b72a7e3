package classify_test

import (
	"strings"
	"testing"

	"hulian/internal/compliance/classify"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
)

func TestCatalogue(t *testing.T) {
	c := classify.Default()
	if c.Version == "" || !strings.Contains(c.Source, "GB/T 35273-2020") || !strings.Contains(c.Source, "GB/T 43697-2024") {
		t.Errorf("version %q source %q: want the standards named", c.Version, c.Source)
	}
	// Every category of PIPL Article 28 has a class, graded to be
	// encrypted.
	for _, cat := range []string{"生物识别", "宗教信仰", "特定身份", "医疗健康", "金融账户", "行踪轨迹", "不满十四周岁"} {
		found := false
		for _, cl := range c.Classes {
			if strings.Contains(cl.Art28, cat) {
				found = true
				if !c.Encrypted(cl.Grade) {
					t.Errorf("%s (%s) is graded %d, not encrypted", cl.Key, cat, cl.Grade)
				}
			}
		}
		if !found {
			t.Errorf("no class for the Article 28 category %s", cat)
		}
	}
	for _, cl := range c.Classes {
		if cl.Name.ZH == "" || cl.Name.EN == "" || cl.Source == "" {
			t.Errorf("class %s lacks a name or source", cl.Key)
		}
	}
	if c.Encrypted(3) || !c.Encrypted(4) {
		t.Error("grade 4, and only it, is encrypted")
	}
	if err := c.CheckGrade("grade", 7); !errs.Is(err, errs.Invalid) {
		t.Errorf("grade 7: %v", err)
	}
}

func TestSuggest(t *testing.T) {
	c := classify.Default()
	for _, tt := range []struct {
		column, key string
		kinds       []scan.Kind
		class       string
		grade       int
	}{
		{"level", "consumption_level", nil, "profile", 2},
		{"消费等级", "", nil, "profile", 2},
		{"贷款意向", "loan_intent", nil, "property", 4},
		{"常驻城市", "", nil, "profile", 2},
		{"出行方式偏好", "", nil, "location", 4}, // 出行 outranks 偏好: the stricter reading
		{"col7", "", []scan.Kind{scan.KindHealth}, "health", 4},
		{"学历", "", nil, "education", 2},
		{"儿童年龄段", "", nil, "minor", 4},
		{"手机号", "", []scan.Kind{scan.KindMobile}, "basic", 3},
	} {
		s := c.Suggest(tt.column, tt.key, tt.kinds)
		if s.Class != tt.class || s.Grade != tt.grade || len(s.Because) == 0 {
			t.Errorf("Suggest(%q, %q, %v) = %+v, want %s grade %d", tt.column, tt.key, tt.kinds, s, tt.class, tt.grade)
		}
	}
}

func TestParse(t *testing.T) {
	head := "version 1 test\ngrade 1 一 | one\ngrade 4 四 | four\nencrypt 4\n"
	ok := head + "class profile 1 画像 | profile | - | src | 偏好 | -\n"
	if _, err := classify.Parse(ok); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ text, want string }{
		{head + "class profile 2 画像 | profile | - | src | 偏好 | -\n", "line 5"},              // undeclared grade
		{head + "class profile 1 画像 | profile | - | src | 偏好 | nosuchkind\n", "nosuchkind"}, // unknown scan kind
		{head + "class profile 1 画像 | profile | - | src | 偏好\n", "line 5"},                  // five parts
		{ok + "class profile 1 画像 | profile | - | src | 偏好 | -\n", "twice"},                 // duplicate key
		{head + "class other 1 别的 | other | - | src | x | -\n", "profile"},                  // no default class
		{ok + "colour blue\n", "colour"},                                                    // unknown declaration
		{strings.Replace(ok, "encrypt 4", "encrypt 3", 1), "encrypt"},                       // encrypt an undeclared grade
		{strings.Replace(ok, "version 1 test\n", "", 1), "version"},                         // no version
		{ok + "grade 4 四 | four\n", "twice"},                                                // duplicate grade
		{strings.Replace(ok, "画像 | profile | - | src", "画像 | profile | - | ", 1), "source"}, // no source
	} {
		_, err := classify.Parse(tt.text)
		if err == nil || !strings.Contains(errs.Message(err, "en"), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error naming %q", tt.text, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("version 1 x\ngrade 1 一 | one\nencrypt 1\nclass profile 1 画像 | profile | - | src | 偏好 | -\n")
	f.Add("class a b c | | | | |")
	f.Add("grade x | y\nencrypt 99")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := classify.Parse(text)
		if err != nil {
			return
		}
		// A catalogue that parses suggests a class of its own for anything.
		s := c.Suggest("x", "y", nil)
		if c.Class(s.Class) == nil {
			t.Fatalf("suggested %q, not in the catalogue", s.Class)
		}
	})
}
