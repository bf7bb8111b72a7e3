package diffprice_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"hulian/internal/compliance/diffprice"
	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// synthetic is a day of offers of three products: each customer has a
// device and a city; gold members pay 10 % less (a declared factor); every
// offer carries a random promotion of up to 3 % that no attribute explains;
// with planted, iOS customers pay planted more.
func synthetic(seed uint64, rows int, planted float64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("customer,product,time,price,channel,device,city,member_tier\n")
	start := time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)
	for i := range rows {
		device := []string{"ios", "android"}[r.IntN(2)]
		city := []string{"上海", "北京"}[r.IntN(2)]
		tier := []string{"gold", "normal"}[r.IntN(2)]
		product := r.IntN(3)
		price := []float64{199, 59, 1299}[product]
		if tier == "gold" {
			price *= 0.9
		}
		price *= 1 - r.Float64()*0.03
		if device == "ios" {
			price *= 1 + planted
		}
		at := start.Add(time.Duration(r.IntN(12*60)) * time.Minute)
		fmt.Fprintf(&b, "c%d,p%d,%s,%.2f,app,%s,%s,%s\n", i, product, at.Format(time.RFC3339), price, device, city, tier)
	}
	return b.String()
}

func detect(t *testing.T, text string, o diffprice.Options) *diffprice.Report {
	t.Helper()
	lg, err := diffprice.Read(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := diffprice.Detect(lg, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func found(rep *diffprice.Report, attr string) bool {
	for _, r := range rep.Results {
		if r.Attribute == attr {
			return r.Found
		}
	}
	return false
}

// TestPlanted: 5 % more for iOS customers is found, with iOS's effect
// positive and evidence rows; the declared membership tier is not
// reported, nor the city, which plays no part.
func TestPlanted(t *testing.T) {
	rep := detect(t, synthetic(1, 2000, 0.05), diffprice.Options{Declared: []string{"member_tier"}, Seed: 1})
	if !found(rep, "device") || found(rep, "city") || found(rep, "member_tier") {
		t.Fatalf("report: %+v", rep.Results)
	}
	for _, r := range rep.Results {
		if r.Attribute == "device" {
			if r.Effects[0].Value != "ios" || r.Effects[0].Relative <= 0.01 || len(r.Evidence) == 0 || r.Evidence[0].ValueA != "ios" {
				t.Errorf("device: %+v", r)
			}
			if d := r.Describe(i18n.ZH); !strings.Contains(d, "价格随「device」而不同") || !strings.Contains(d, "ios +") {
				t.Errorf("described: %s", d)
			}
		}
	}
	// Without declaring the tier, the tier itself is found: the business
	// must say which factors are lawful.
	if rep := detect(t, synthetic(1, 2000, 0.05), diffprice.Options{Seed: 1}); !found(rep, "member_tier") {
		t.Errorf("an undeclared tier: %+v", rep.Results)
	}
}

// TestFalsePositives: over logs with no discrimination, the share found
// stays within the level (1 %), corrected over the two attributes tested;
// over logs with 5 % planted, every one is found.
func TestFalsePositives(t *testing.T) {
	const logs = 100
	fp, power := 0, 0
	for i := range logs {
		if rep := detect(t, synthetic(uint64(100+i), 400, 0), diffprice.Options{Declared: []string{"member_tier"}, Permutations: 499, Seed: uint64(i)}); found(rep, "device") || found(rep, "city") {
			fp++
		}
	}
	for i := range 20 {
		if rep := detect(t, synthetic(uint64(500+i), 400, 0.05), diffprice.Options{Declared: []string{"member_tier"}, Permutations: 499, Seed: uint64(i)}); found(rep, "device") {
			power++
		}
	}
	t.Logf("false positives: %d of %d null logs; found: %d of 20 planted logs", fp, logs, power)
	if fp > 4 || power < 19 {
		t.Errorf("false positives %d of %d, power %d of 20", fp, logs, power)
	}
}

// TestRead: bad logs are refused naming the line and column.
func TestRead(t *testing.T) {
	head := "customer,product,time,price,channel,device\n"
	for text, want := range map[string]string{
		"customer,product,time,price,device\n":          "line 1, channel",
		"customer,product,time,price,channel\n":         "no profile attribute",
		head + "c1,p1,2026-11-03 10:00,1.999,app,ios\n": "line 2, price",
		head + "c1,p1,yesterday,1.99,app,ios\n":         "line 2, time",
		head + "c1,,2026-11-03 10:00,1.99,app,ios\n":    "line 2, product",
		head + "c1,p1,2026-11-03 10:00,1.99,app\n":      "line 2, file",
		head:                          "no rows",
		"customer,customer,product\n": "named twice",
	} {
		_, err := diffprice.Read(strings.NewReader(text))
		if err == nil || !strings.Contains(errs.Message(err, i18n.EN), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
	lg, _ := diffprice.Read(strings.NewReader(head + "c1,p1,2026-11-03 10:00,1.99,app,ios\n"))
	if _, err := diffprice.Detect(lg, diffprice.Options{Declared: []string{"tier"}}); err == nil {
		t.Error("an unknown declared column")
	}
}

// FuzzRead: any log is read or refused, never a panic; what is read can be
// tested.
func FuzzRead(f *testing.F) {
	f.Add(synthetic(1, 20, 0.05))
	f.Add("customer,product,time,price,channel,a\nc,p,2026-11-03T10:00:00Z,1,app,x\nc,p,2026-11-03T10:00:00Z,2,app,y\n")
	f.Add("customer,product,time,price,channel,a\n\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		lg, err := diffprice.Read(strings.NewReader(text))
		if err != nil {
			return
		}
		if _, err := diffprice.Detect(lg, diffprice.Options{Permutations: 19}); err != nil {
			t.Fatal(err)
		}
	})
}
