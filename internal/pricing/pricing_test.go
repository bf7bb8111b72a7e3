package pricing

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hulian/internal/errs"
)

var (
	perQuery = Plan{Mode: PerCall, Basis: PerQuery, UnitPrice: 10}
	perHit   = Plan{Mode: PerCall, Basis: PerHit, UnitPrice: 10}
	tiered   = Plan{Mode: Tiered, Basis: PerQuery, Tiers: []Tier{{UpTo: 1000, UnitPrice: 50}, {UpTo: 10000, UnitPrice: 40}, {UnitPrice: 30}}}
	monthly  = Plan{Mode: Monthly, Basis: PerHit, MonthlyFee: 100000}
	capped   = Plan{Mode: Monthly, Basis: PerQuery, MonthlyFee: 100000, Included: 1000, OverageUnitPrice: 20}
	banded   = Plan{Mode: MonthlyTiered, Basis: PerQuery, Bands: []Band{{UpTo: 10000, Fee: 50000}, {UpTo: 100000, Fee: 300000}, {Fee: 1000000}}}
)

func TestMonthTotal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plan  Plan
		month Usage
		want  int64
	}{
		{"per query", perQuery, Usage{100, 40}, 1000},
		{"per hit", perHit, Usage{100, 40}, 400},
		{"per hit, no hits", perHit, Usage{100, 0}, 0},
		{"nothing", perQuery, Usage{}, 0},
		{"tier 1", tiered, Usage{500, 0}, 500 * 50},
		{"tier 1 full", tiered, Usage{1000, 0}, 1000 * 50},
		{"tier 2 first", tiered, Usage{1001, 0}, 1000*50 + 40},
		{"tier 2 full", tiered, Usage{10000, 0}, 1000*50 + 9000*40},
		{"tier 3", tiered, Usage{12000, 0}, 1000*50 + 9000*40 + 2000*30},
		{"monthly unused", monthly, Usage{500, 0}, 0},
		{"monthly", monthly, Usage{500, 1}, 100000},
		{"monthly unlimited", monthly, Usage{1 << 40, 1 << 40}, 100000},
		{"monthly within", capped, Usage{1000, 0}, 100000},
		{"monthly overage", capped, Usage{1500, 0}, 100000 + 500*20},
		{"band 1", banded, Usage{1, 1}, 50000},
		{"band 1 full", banded, Usage{10000, 0}, 50000},
		{"band 2", banded, Usage{10001, 0}, 300000},
		{"band 3", banded, Usage{100001, 0}, 1000000},
	}
	for _, tt := range tests {
		got, err := tt.plan.MonthTotal(tt.month)
		if err != nil || got != tt.want {
			t.Errorf("%s: MonthTotal(%+v) = %d, %v; want %d", tt.name, tt.month, got, err, tt.want)
		}
	}
}

func TestCharge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		plan             Plan
		before, delivery Usage
		want             int64
	}{
		{"per query", perQuery, Usage{5000, 10}, Usage{100, 40}, 1000},
		{"per hit", perHit, Usage{5000, 10}, Usage{100, 40}, 400},
		{"across tiers", tiered, Usage{900, 0}, Usage{200, 0}, 100*50 + 100*40},
		{"across all tiers", tiered, Usage{}, Usage{10001, 0}, 1000*50 + 9000*40 + 30},
		{"monthly: no hit yet", monthly, Usage{}, Usage{10, 0}, 0},
		{"monthly: first hit", monthly, Usage{10, 0}, Usage{5, 3}, 100000},
		{"monthly: later", monthly, Usage{15, 3}, Usage{5, 5}, 0},
		{"monthly: into overage", capped, Usage{900, 0}, Usage{200, 0}, 100 * 20},
		{"band: first", banded, Usage{}, Usage{1, 0}, 50000},
		{"band: within", banded, Usage{1, 0}, Usage{9999, 0}, 0},
		{"band: crossing", banded, Usage{9999, 0}, Usage{2, 0}, 250000},
		{"empty delivery", perQuery, Usage{7, 7}, Usage{}, 0},
	}
	for _, tt := range tests {
		got, err := tt.plan.Charge(tt.before, tt.delivery)
		if err != nil || got != tt.want {
			t.Errorf("%s: Charge(%+v, %+v) = %d, %v; want %d", tt.name, tt.before, tt.delivery, got, err, tt.want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		plan             Plan
		before, delivery Usage
		field            string
	}{
		{"negative", perQuery, Usage{}, Usage{-1, 0}, "delivery.queried"},
		{"negative matched", perQuery, Usage{}, Usage{1, -1}, "delivery.matched"},
		{"more hits than queries", perHit, Usage{}, Usage{1, 2}, "delivery.matched"},
		{"bad before", perHit, Usage{1, 2}, Usage{}, "before.matched"},
		{"count overflow", perQuery, Usage{math.MaxInt64, 0}, Usage{1, 0}, "volume"},
		{"amount overflow", Plan{Mode: PerCall, Basis: PerQuery, UnitPrice: MaxPrice}, Usage{}, Usage{math.MaxInt64 / 1000, 0}, "volume"},
		{"tier overflow", Plan{Mode: Tiered, Basis: PerQuery, Tiers: []Tier{{UpTo: 1, UnitPrice: 1}, {UnitPrice: MaxPrice}}}, Usage{}, Usage{math.MaxInt64 / 1000, 0}, "volume"},
		{"overage overflow", Plan{Mode: Monthly, Basis: PerQuery, MonthlyFee: 1, Included: 1, OverageUnitPrice: MaxPrice}, Usage{}, Usage{math.MaxInt64 / 1000, 0}, "volume"},
		{"invalid plan", Plan{Mode: PerCall, Basis: "all"}, Usage{}, Usage{1, 1}, "basis"},
	}
	for _, tt := range tests {
		_, err := tt.plan.Charge(tt.before, tt.delivery)
		e, ok := err.(*errs.Error)
		if !ok || e.Kind != errs.Invalid || e.Field != tt.field || e.Reason.ZH == "" || e.Reason.EN == "" {
			t.Errorf("%s: err = %#v, want Invalid on %s", tt.name, err, tt.field)
		}
	}
	if _, err := perQuery.MonthTotal(Usage{-1, 0}); !errs.Is(err, errs.Invalid) {
		t.Errorf("MonthTotal(negative) err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tiers := func(ts ...Tier) Plan { return Plan{Mode: Tiered, Basis: PerQuery, Tiers: ts} }
	bands := func(bs ...Band) Plan { return Plan{Mode: MonthlyTiered, Basis: PerHit, Bands: bs} }
	tests := []struct {
		name  string
		plan  Plan
		field string // "" for a valid plan
	}{
		{"per call", perQuery, ""},
		{"free", Plan{Mode: PerCall, Basis: PerHit}, ""},
		{"tiered", tiered, ""},
		{"one tier", tiers(Tier{UnitPrice: 5}), ""},
		{"monthly", monthly, ""},
		{"capped", capped, ""},
		{"banded", banded, ""},
		{"no mode", Plan{Basis: PerQuery}, "mode"},
		{"bad mode", Plan{Mode: "yearly", Basis: PerQuery}, "mode"},
		{"no basis", Plan{Mode: PerCall}, "basis"},
		{"negative price", Plan{Mode: PerCall, Basis: PerQuery, UnitPrice: -1}, "unit_price"},
		{"huge price", Plan{Mode: PerCall, Basis: PerQuery, UnitPrice: MaxPrice + 1}, "unit_price"},
		{"tiers on per call", Plan{Mode: PerCall, Basis: PerQuery, Tiers: []Tier{{}}}, "tiers"},
		{"fee on per call", Plan{Mode: PerCall, Basis: PerQuery, MonthlyFee: 1}, "monthly_fee"},
		{"price on tiered", Plan{Mode: Tiered, Basis: PerQuery, UnitPrice: 1, Tiers: []Tier{{}}}, "unit_price"},
		{"no tiers", tiers(), "tiers"},
		{"too many tiers", Plan{Mode: Tiered, Basis: PerQuery, Tiers: make([]Tier, MaxTiers+1)}, "tiers"},
		{"last tier closed", tiers(Tier{UpTo: 10, UnitPrice: 1}), "tiers[0].up_to"},
		{"last tier closed 2", tiers(Tier{UpTo: 10, UnitPrice: 1}, Tier{UpTo: 20, UnitPrice: 1}), "tiers[1].up_to"},
		{"first tier open", tiers(Tier{UnitPrice: 1}, Tier{UnitPrice: 1}), "tiers[0].up_to"},
		{"negative bound", tiers(Tier{UpTo: -5, UnitPrice: 1}, Tier{UnitPrice: 1}), "tiers[0].up_to"},
		{"descending", tiers(Tier{UpTo: 10, UnitPrice: 1}, Tier{UpTo: 10, UnitPrice: 1}, Tier{UnitPrice: 1}), "tiers[1].up_to"},
		{"tier price", tiers(Tier{UpTo: 10, UnitPrice: 1}, Tier{UnitPrice: -1}), "tiers[1].unit_price"},
		{"tiers on monthly", Plan{Mode: Monthly, Basis: PerQuery, Tiers: []Tier{}}, "tiers"},
		{"negative fee", Plan{Mode: Monthly, Basis: PerQuery, MonthlyFee: -1}, "monthly_fee"},
		{"negative included", Plan{Mode: Monthly, Basis: PerQuery, Included: -1}, "included"},
		{"included without overage", Plan{Mode: Monthly, Basis: PerQuery, Included: 10}, "overage_unit_price"},
		{"overage without included", Plan{Mode: Monthly, Basis: PerQuery, OverageUnitPrice: 10}, "overage_unit_price"},
		{"no bands", bands(), "bands"},
		{"band fee falls", bands(Band{UpTo: 10, Fee: 5}, Band{Fee: 4}), "bands[1].fee"},
		{"band closed", bands(Band{UpTo: 10, Fee: 5}), "bands[0].up_to"},
		{"band negative", bands(Band{Fee: -5}), "bands[0].fee"},
		{"overage on bands", Plan{Mode: MonthlyTiered, Basis: PerHit, OverageUnitPrice: 1, Bands: []Band{{Fee: 1}}}, "overage_unit_price"},
	}
	for _, tt := range tests {
		err := tt.plan.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		e, ok := err.(*errs.Error)
		if !ok || e.Kind != errs.Invalid || e.Field != tt.field || e.Reason.ZH == "" || e.Reason.EN == "" {
			t.Errorf("%s: err = %v, want Invalid on %s", tt.name, err, tt.field)
		}
	}
}

// randomPlan draws a valid plan of any mode, with prices small enough that
// a month of up to a million IDs cannot overflow.
func randomPlan(rng *rand.Rand) Plan {
	basis := []Basis{PerQuery, PerHit}[rng.IntN(2)]
	bounds := func() []int64 {
		n := rng.IntN(5)
		out := make([]int64, n+1)
		var u int64
		for i := range n {
			u += 1 + rng.Int64N(2000)
			out[i] = u
		}
		return out // last is 0: open
	}
	switch rng.IntN(5) {
	case 0:
		return Plan{Mode: PerCall, Basis: basis, UnitPrice: rng.Int64N(1000)}
	case 1:
		var ts []Tier
		for _, u := range bounds() {
			ts = append(ts, Tier{UpTo: u, UnitPrice: rng.Int64N(1000)})
		}
		return Plan{Mode: Tiered, Basis: basis, Tiers: ts}
	case 2:
		return Plan{Mode: Monthly, Basis: basis, MonthlyFee: rng.Int64N(1e7)}
	case 3:
		return Plan{Mode: Monthly, Basis: basis, MonthlyFee: rng.Int64N(1e7), Included: 1 + rng.Int64N(5000), OverageUnitPrice: 1 + rng.Int64N(1000)}
	default:
		var bs []Band
		var fee int64
		for _, u := range bounds() {
			fee += rng.Int64N(1e6)
			bs = append(bs, Band{UpTo: u, Fee: fee})
		}
		return Plan{Mode: MonthlyTiered, Basis: basis, Bands: bs}
	}
}

// TestChargesSumToMonthTotal is the settlement invariant: however a month's
// IDs are split into deliveries, the real-time charges add up to the total
// recomputed from the month's counts, and no charge is negative.
func TestChargesSumToMonthTotal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(6, 12))
	for range 3000 {
		p := randomPlan(rng)
		if err := p.Validate(); err != nil {
			t.Fatalf("generated %+v: %v", p, err)
		}
		var month Usage
		var sum int64
		for range rng.IntN(40) {
			var d Usage
			switch rng.IntN(4) {
			case 0: // empty or tiny
				d.Queried = rng.Int64N(3)
			case 1:
				d.Queried = rng.Int64N(100)
			default:
				d.Queried = rng.Int64N(5000)
			}
			d.Matched = rng.Int64N(d.Queried + 1)
			c, err := p.Charge(month, d)
			if err != nil {
				t.Fatalf("%+v Charge(%+v, %+v): %v", p, month, d, err)
			}
			if c < 0 {
				t.Fatalf("%+v Charge(%+v, %+v) = %d < 0", p, month, d, c)
			}
			sum += c
			month.Queried += d.Queried
			month.Matched += d.Matched
		}
		total, err := p.MonthTotal(month)
		if err != nil {
			t.Fatal(err)
		}
		if sum != total {
			t.Fatalf("%+v: deliveries sum to %d, MonthTotal(%+v) = %d", p, sum, month, total)
		}
		bill, err := p.Breakdown(month)
		if err != nil {
			t.Fatal(err)
		}
		var lines int64
		for _, l := range bill.Lines {
			lines += l.Amount
			if l.Units != 0 && l.Units*l.UnitPrice != l.Amount {
				t.Fatalf("%+v: line %+v does not multiply out", p, l)
			}
		}
		if bill.Total != total || lines != total {
			t.Fatalf("%+v: bill total %d, lines %d, want %d", p, bill.Total, lines, total)
		}
	}
}

func TestBreakdown(t *testing.T) {
	t.Parallel()
	bill, err := tiered.Breakdown(Usage{Queried: 12000, Matched: 5})
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, l := range bill.Lines {
		items = append(items, l.Item.EN)
	}
	if diff := cmp.Diff([]string{"tier 1 (1–1000)", "tier 2 (1001–10000)", "tier 3 (10001–)"}, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if bill.Billable != 12000 || bill.Total != 470000 {
		t.Errorf("bill = %+v", bill)
	}
	bill, _ = capped.Breakdown(Usage{Queried: 1500})
	if len(bill.Lines) != 2 || bill.Lines[1].Units != 500 || bill.Lines[1].Amount != 10000 {
		t.Errorf("capped bill = %+v", bill)
	}
}

func TestPreview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		plan   Plan
		volume int64
		rateBP int64
		want   int64
	}{
		{perHit, 10000, 3500, 35000},
		{perQuery, 10000, 3500, 100000},
		{perHit, 3, 5000, 20}, // 1.5 matched rounds half up to 2
		{perHit, 3, 4999, 10},
		{monthly, 10000, 0, 0},
		{banded, 50000, 10000, 300000},
		{perHit, math.MaxInt64 / 100, 10000, (math.MaxInt64 / 100) * 10},
	}
	for _, tt := range tests {
		bill, err := tt.plan.Preview(tt.volume, tt.rateBP)
		if err != nil || bill.Total != tt.want {
			t.Errorf("%+v Preview(%d, %d) = %d, %v; want %d", tt.plan, tt.volume, tt.rateBP, bill.Total, err, tt.want)
		}
	}
	for _, bad := range [][2]int64{{-1, 0}, {1, -1}, {1, 10001}} {
		if _, err := perHit.Preview(bad[0], bad[1]); !errs.Is(err, errs.Invalid) {
			t.Errorf("Preview(%d, %d) err = %v", bad[0], bad[1], err)
		}
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	for _, p := range []Plan{perQuery, perHit, tiered, monthly, capped, banded} {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParsePlan(b)
		if err != nil {
			t.Fatalf("ParsePlan(%s): %v", b, err)
		}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
		}
	}
	b, _ := json.Marshal(tiered)
	if want := `{"mode":"tiered","basis":"query","tiers":[{"up_to":1000,"unit_price":50},{"up_to":10000,"unit_price":40},{"unit_price":30}]}`; string(b) != want {
		t.Errorf("Marshal = %s", b)
	}

	bad := []struct{ in, field, msg string }{
		{`{"mode":"per_call","basis":"query","unit_price":1.5}`, "plan", "not valid JSON"},
		{`{"mode":"per_call","basis":"query","price":1}`, "plan", "unknown field"},
		{`{"mode":"per_call","basis":"query"} {}`, "plan", "after the price plan"},
		{`{"mode":"tiered","basis":"query","tiers":[{"up_to":5,"unit_price":1}]}`, "tiers[0].up_to", "no upper bound"},
		{`[]`, "plan", "not valid JSON"},
		{`{"mode":"per_call","basis":"query","unit_price":99999999999999999999}`, "plan", "not valid JSON"},
	}
	for _, tt := range bad {
		_, err := ParsePlan([]byte(tt.in))
		e, ok := err.(*errs.Error)
		if !ok || e.Field != tt.field || !strings.Contains(e.Reason.EN, tt.msg) {
			t.Errorf("ParsePlan(%s) = %v, want %s: %s", tt.in, err, tt.field, tt.msg)
		}
	}

	// Nested in a request, the plan is validated too.
	var req struct{ Plan Plan }
	if err := json.Unmarshal([]byte(`{"Plan":{"mode":"monthly","basis":"hit","included":5}}`), &req); !errs.Is(err, errs.Invalid) {
		t.Errorf("nested invalid plan: err = %v", err)
	}
}

func TestYuan(t *testing.T) {
	t.Parallel()
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 12345: "123.45", -5: "-0.05", -12345: "-123.45",
		math.MaxInt64: "92233720368547758.07", math.MinInt64: "-92233720368547758.08"} {
		if got := FormatYuan(fen); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", fen, got, want)
		}
	}
	for s, want := range map[string]int64{"0": 0, "12": 1200, "12.5": 1250, "12.34": 1234, "0.05": 5, "007.10": 710} {
		if got, err := ParseYuan(s); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", ".5", "1.", "1.234", "-1", "+1", "1,000", "1e3", " 1", "１", "92233720368547758.08", "99999999999999999999"} {
		if _, err := ParseYuan(s); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseYuan(%q) err = %v, want Invalid", s, err)
		}
	}
}

func FuzzParsePlan(f *testing.F) {
	for _, p := range []Plan{perQuery, tiered, capped, banded} {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	f.Add([]byte(`{"mode":"tiered","basis":"hit","tiers":[{"up_to":-1}]}`))
	f.Add([]byte(`{"mode":"monthly_tiered","basis":"query","bands":[{"up_to":9223372036854775807,"fee":1},{"fee":2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePlan(data)
		if err != nil {
			if _, ok := err.(*errs.Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed plan invalid: %v", err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParsePlan(b)
		if err != nil {
			t.Fatalf("reparse %s: %v", b, err)
		}
		if diff := cmp.Diff(p, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		// Whatever the plan, charging must not panic, and two deliveries
		// that succeed add up to the month's total.
		for _, u := range []Usage{{1, 1}, {1 << 20, 1 << 19}, {1 << 61, 3}} {
			c1, err1 := p.Charge(Usage{}, u)
			c2, err2 := p.Charge(u, u)
			total, err3 := p.MonthTotal(Usage{2 * u.Queried, 2 * u.Matched})
			if err1 != nil || err2 != nil || err3 != nil {
				if !errs.Is(err1, errs.Invalid) && err1 != nil || !errs.Is(err3, errs.Invalid) && err3 != nil {
					t.Fatalf("unexpected errors %v, %v, %v", err1, err2, err3)
				}
				continue
			}
			if c1 < 0 || c2 < 0 || c1+c2 != total {
				t.Fatalf("charges %d + %d, month %d", c1, c2, total)
			}
		}
	})
}

func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"0", "12.34", "1.5", "", "1.", "92233720368547758.07", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := ParseYuan(s)
		if err != nil {
			return
		}
		if fen < 0 {
			t.Fatalf("ParseYuan(%q) = %d < 0", s, fen)
		}
		back, err := ParseYuan(FormatYuan(fen))
		if err != nil || back != fen {
			t.Fatalf("ParseYuan(FormatYuan(%d)) = %d, %v", fen, back, err)
		}
	})
}

func benchmarkCharge(b *testing.B, p Plan) {
	before := Usage{Queried: 9_500, Matched: 4_000}
	d := Usage{Queried: 1_000, Matched: 420}
	for b.Loop() {
		if _, err := p.Charge(before, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChargePerCall(b *testing.B)       { benchmarkCharge(b, perHit) }
func BenchmarkChargeTiered(b *testing.B)        { benchmarkCharge(b, tiered) }
func BenchmarkChargeMonthly(b *testing.B)       { benchmarkCharge(b, capped) }
func BenchmarkChargeMonthlyTiered(b *testing.B) { benchmarkCharge(b, banded) }

func BenchmarkParsePlan(b *testing.B) {
	data, _ := json.Marshal(tiered)
	for b.Loop() {
		if _, err := ParsePlan(data); err != nil {
			b.Fatal(err)
		}
	}
}
