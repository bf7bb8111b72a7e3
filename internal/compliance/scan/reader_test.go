package scan

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"hulian/internal/errs"
)

func TestReaderErrors(t *testing.T) {
	t.Parallel()
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("exid,城市\nex1a,北京市\n")
	tests := []struct {
		name, in string
		enc      Encoding
		row      int
		field    string
		ok       bool
	}{
		{name: "bom", in: "\uFEFFexid,城市\nx,北京\n", ok: true},
		{name: "gbk auto", in: gbk, ok: true},
		{name: "gbk strict", in: gbk, enc: EncodingUTF8, row: 1},
		{name: "utf16", in: "\xff\xfee\x00"},
		{name: "ragged short", in: "exid,城市,性别\nx,北京,男\ny,上海\n", row: 3, field: "性别"},
		{name: "ragged long", in: "exid,城市\nx,北京,男\n", row: 2, field: "#3"},
		{name: "huge cell", in: "exid,备注\nx," + strings.Repeat("a", MaxCell+1) + "\n", row: 2, field: "备注"},
		{name: "missing id", in: "uid,城市\nx,北京\n", row: 1, field: "exid"},
		{name: "empty", in: ""},
		{name: "bad quote", in: "exid,城市\nx,\"北京\n", row: 2},
		{name: "invalid utf8", in: "exid,城市\nx,北京\ny,\xff\xfe\n", row: 3},
		{name: "late invalid utf8", in: "exid,城市\n" + strings.Repeat("x,北京\n", 10000) + "y,\xff\n", row: 10002, field: "城市"},
		// A quoted line break moves the next record down a line.
		{name: "ragged after multi-line cell", in: "exid,备注\nx,\"第一行\n第二行\"\ny\n", row: 4, field: "备注"},
	}
	sc := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := sc.ScanCSV(context.Background(), strings.NewReader(tt.in), tt.enc, "exid", func(Finding) error { return nil })
			if tt.ok {
				if err != nil {
					t.Fatalf("ScanCSV: %v", err)
				}
				return
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != errs.Invalid {
				t.Fatalf("ScanCSV error = %v, want an invalid-input *errs.Error", err)
			}
			if e.Row != tt.row || tt.field != "" && e.Field != tt.field {
				t.Errorf("error at row %d field %q (%v), want row %d field %q", e.Row, e.Field, e, tt.row, tt.field)
			}
		})
	}
}

func TestScanCSVFindings(t *testing.T) {
	t.Parallel()
	in := "exid,备注,ex1aaaaaaaaaaaaaaaaaaaaaaaaaaaa,tag\n" +
		"11010519491231002X,11010519491231002X,a,b\n" +
		"u1234567,喜欢运动,x,标签u1234567\n"
	var got []Finding
	res, err := New(Options{}).ScanCSV(context.Background(), strings.NewReader(in), "", "exid", func(f Finding) error { got = append(got, f); return nil })
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		row  int
		col  string
		kind Kind
	}{{1, "ex1aaaaaaaaaaaaaaaaaaaaaaaaaaaa", KindExIDInTag}, {2, "备注", KindIDInTag}, {2, "备注", KindIDCard}, {3, "tag", KindIDInTag}}
	if len(got) != len(want) || res.Findings != len(want) || res.Rows != 2 {
		t.Fatalf("findings %+v, want %v", got, want)
	}
	for i, w := range want {
		if got[i].Row != w.row || got[i].Column != w.col || got[i].Kind != w.kind {
			t.Errorf("finding %d = %+v, want %v", i, got[i], w)
		}
		if strings.Contains(got[i].Reason, "19491231") {
			t.Errorf("reason %q shows the identifier unmasked", got[i].Reason)
		}
	}
}

func TestParseTerms(t *testing.T) {
	t.Parallel()
	if DefaultTerms().Len() < 40 {
		t.Error("embedded term list too short")
	}
	if _, err := ParseTerms(strings.NewReader("no heading\n")); err == nil {
		t.Error("term without heading accepted")
	}
	terms, err := ParseTerms(strings.NewReader("[测试]\n红包雨\n"))
	if err != nil {
		t.Fatal(err)
	}
	if fs := New(Options{Terms: terms}).ScanCell("note", "天降红包雨"); len(fs) != 1 || fs[0].Clause != "X-F5" {
		t.Errorf("custom term: %+v", fs)
	}
}

func FuzzScanCell(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "11010519491231002X", "a@b.cn", "京A12345", "1990年1月2日出生", "(010)62345678", "::1", "00:1A:2B:3C:4D:5E", "微信：abc_123", "\xff", "路1号",
		"１３８１２３４５６７８", "张伟先生", "联系人：李娜", "王芳已签收", "35岁", "年龄：42", "data:image/png;base64,iVBORw0KGgoAAAA",
		"Rk1SACAyMAAAAAFm", "12345678-X", "沪(2020)浦东新区不动产权第0123456号", "保单号P123456789012", "A123456789", "vx:zhang_88",
		"Zhang Wei", "1985-03-12", "19850312", "310104 19900101 123X", "沪a·D12345", "欧阳"} {
		f.Add("备注", s)
	}
	sc := New(Options{})
	f.Fuzz(func(t *testing.T, column, value string) {
		for _, fd := range sc.ScanCell(column, value) {
			if fd.Clause == "" || fd.Reason == "" {
				t.Fatalf("finding without clause or reason: %+v", fd)
			}
		}
	})
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"exid,a\nx,1\n", "\uFEFFexid,a\n\"x\",\"1\n2\"\n", "exid\n", "exid,a\nx\n", "\xb1\xb1\xbe\xa9,exid\n1,2\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data), EncodingAuto)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("NewReader error of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !errs.Is(err, errs.Invalid) {
					t.Fatalf("Next error of kind %v: %v", errs.KindOf(err), err)
				}
				return
			}
			if len(rec) != len(rd.Header) {
				t.Fatalf("row of %d cells under a header of %d", len(rec), len(rd.Header))
			}
		}
	})
}
