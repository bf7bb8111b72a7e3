package console

import (
	"strings"
	"testing"
	"time"

	"hulian/internal/platform/store"
)

func TestPercentBP(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"": 0, "60": 6000, "62.5%": 6250, " 100 ": 10000, "0.01": 1} {
		if got, err := percentBP("f", in); err != nil || got != want {
			t.Errorf("percentBP(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"101", "-1", "abc", "NaN", "1e400"} {
		if _, err := percentBP("f", in); err == nil {
			t.Errorf("percentBP(%q) accepted", in)
		}
	}
}

// FuzzPercentBP: any input is either refused or read as 0 to 10000 basis
// points.
func FuzzPercentBP(f *testing.F) {
	for _, s := range []string{"60", "62.5%", "", "1e2", "-0", "100.004"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bp, err := percentBP("f", s)
		if err == nil && (bp < 0 || bp > 10000) {
			t.Fatalf("percentBP(%q) = %d", s, bp)
		}
	})
}

// FuzzList: the parts of a list input are non-empty and hold no separator.
func FuzzList(f *testing.F) {
	for _, s := range []string{"a, b", "行为、消费，出行", "", " , ,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range list(s) {
			if p == "" || strings.ContainsAny(p, ",，、 \n\t") {
				t.Fatalf("list(%q) has %q", s, p)
			}
		}
	})
}

// TestUseChart: deductions are summed per day in China, other movements
// and days outside the window are left out, and the tallest bar fills the
// plot.
func TestUseChart(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC) // 10:00 in China
	moves := []store.Movement{
		{Kind: store.MovementDeduct, AmountFen: 100, At: now},
		{Kind: store.MovementDeduct, AmountFen: 50, At: now.Add(-3 * time.Hour)},  // 07:00 the same day in China
		{Kind: store.MovementDeduct, AmountFen: 75, At: now.Add(-11 * time.Hour)}, // 23:00 the day before in China
		{Kind: store.MovementTopUp, AmountFen: 9999, At: now},
		{Kind: store.MovementDeduct, AmountFen: 1, At: now.AddDate(0, 0, -40)},
	}
	c := useChart(moves, now, 30)
	last, prev := c.Bars[29], c.Bars[28]
	if len(c.Bars) != 30 || last.Amount != 150 || prev.Amount != 75 || c.Total != 225 || c.Max != 150 {
		t.Fatalf("bars: last %+v prev %+v total %d max %d", last, prev, c.Total, c.Max)
	}
	if last.H != c.Base-c.Top || prev.H != (c.Base-c.Top)/2 || last.Day != "2026-03-10" {
		t.Errorf("heights %d and %d of %d, day %s", last.H, prev.H, c.Base-c.Top, last.Day)
	}
}
