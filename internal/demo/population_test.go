package demo

import (
	"slices"
	"strings"
	"testing"

	"hulian/internal/errs"
	"hulian/internal/protocol/ident"
)

func TestSynthetic(t *testing.T) {
	t.Parallel()
	const n = 200_000
	a, err := Synthetic(n, 7)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, n)
	carriers := map[string]int{}
	blocks := map[string]string{}
	for _, s := range segments {
		blocks[s.prefix] = s.carrier
	}
	for _, num := range a {
		if seen[num] {
			t.Fatalf("duplicate %s", num)
		}
		seen[num] = true
		if c, err := ident.Normalize(ident.Mobile, num); err != nil || c != "+86"+num {
			t.Fatalf("%s: %q %v", num, c, err)
		}
		c, ok := blocks[num[:4]]
		if !ok {
			c, ok = blocks[num[:3]]
		}
		if !ok || num[:4] == "1349" {
			t.Fatalf("%s is in no listed block", num)
		}
		carriers[c]++
	}
	// Shares follow the weights: China Mobile holds the most numbers.
	if carriers["移动"] < n/2 || carriers["电信"] < n/6 || carriers["联通"] < n/6 || carriers["广电"] == 0 || carriers["虚拟"] == 0 {
		t.Errorf("carrier shares %v", carriers)
	}
	b, _ := Synthetic(n, 7)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave other numbers")
	}
	c, _ := Synthetic(1000, 8)
	if slices.Equal(a[:1000], c) {
		t.Error("another seed gave the same numbers")
	}
	if _, err := Synthetic(-1, 1); !errs.Is(err, errs.Invalid) {
		t.Errorf("negative size: %v", err)
	}
}

func TestReadPopulation(t *testing.T) {
	t.Parallel()
	in := "\ufeff# customers\n13800138000\n+86 138 0013 8000\n\n0086-139-0013-9000\n8613700137000\n"
	nums, dups, err := ReadPopulation(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"13800138000", "13900139000", "13700137000"}; !slices.Equal(nums, want) || dups != 1 {
		t.Errorf("got %v, %d duplicates", nums, dups)
	}

	bad := "13800138000\n12345\n+1 415 555 0100\n1380013800x\n"
	_, _, err = ReadPopulation(strings.NewReader(bad))
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad lines: %v", err)
	}
	msg := errs.Message(err, "en")
	for _, want := range []string{"3 lines", "line 2:", "line 3:", "line 4:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q does not name %q", msg, want)
		}
	}
	if !strings.Contains(errs.Message(err, "zh-CN"), "第 2 行") {
		t.Errorf("Chinese message %q names no line", errs.Message(err, "zh-CN"))
	}

	var many strings.Builder
	for range 30 {
		many.WriteString("x\n")
	}
	_, _, err = ReadPopulation(strings.NewReader(many.String()))
	if msg := errs.Message(err, "en"); !strings.Contains(msg, "30 lines") || !strings.Contains(msg, "and 10 more") || strings.Contains(msg, "line 21:") {
		t.Errorf("30 bad lines: %q", msg)
	}
	_, _, err = ReadPopulation(strings.NewReader("1" + strings.Repeat("3", 300) + "\n"))
	if !errs.Is(err, errs.Invalid) {
		t.Errorf("an overlong line: %v", err)
	}
}

func FuzzReadPopulation(f *testing.F) {
	f.Add("13800138000\n+86 139 0013 9000\n")
	f.Add("# c\n\n0086-138-0013-8000\r\n13800138000")
	f.Add("x\n1\n")
	f.Fuzz(func(t *testing.T, in string) {
		nums, _, err := ReadPopulation(strings.NewReader(in))
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("error of kind %v: %v", errs.KindOf(err), err)
			}
			return
		}
		seen := map[string]bool{}
		for _, n := range nums {
			if ident.CheckMobile(n) != nil || seen[n] {
				t.Fatalf("%q in the output", n)
			}
			seen[n] = true
		}
	})
}

func TestSplitAndOverlap(t *testing.T) {
	t.Parallel()
	nums, _ := Synthetic(10_000, 3)
	p := Split(nums, 3)
	if s := len(p.Supplier); s < 7_500 || s > 8_500 {
		t.Errorf("supplier holds %d of 10,000", s)
	}
	if d := len(p.Demander); d < 2_500 || d > 3_500 {
		t.Errorf("demander holds %d of 10,000", d)
	}
	in := map[int]bool{}
	for _, i := range p.Supplier {
		in[i] = true
	}
	want := 0
	for _, i := range p.Demander {
		if in[i] {
			want++
		}
	}
	if p.Overlap() != want {
		t.Errorf("overlap %d, want %d", p.Overlap(), want)
	}
}

func TestYuan(t *testing.T) {
	for fen, want := range map[int64]string{0: "¥0.00", 3: "¥0.03", 123456789: "¥1,234,567.89", -250: "-¥2.50"} {
		if got := yuan(fen); got != want {
			t.Errorf("yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
