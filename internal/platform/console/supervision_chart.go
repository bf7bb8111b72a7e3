package console

import (
	"context"
	"fmt"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/halts"
	"hulian/internal/platform/incidents"
	"hulian/internal/platform/mediation"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/store"
)

// The regulator's chart of supervision volumes over time (X-G1, X-V1,
// X-G3, X-G4, X-H1, X-P14): per Beijing month, how many complaints were
// filed, incidents reported, order disputes opened, sanctions imposed and
// halts started — counted from the business log, as inline SVG.

// volumeSeries are the chart's series: the log kind each counts, its
// legend key and colour.
var volumeSeries = []struct {
	kind, label, colour string
}{
	{complaints.KindFiled, "sv.vol.complaints", "#1f5fbf"},
	{incidents.KindReported, "sv.vol.incidents", "#cf222e"},
	{mediation.KindOpened, "sv.vol.disputes", "#9a6700"},
	{sanctions.KindImposed, "sv.vol.sanctions", "#6639ba"},
	{halts.KindStarted, "sv.vol.halts", "#1a7f37"},
}

type volumeChart struct {
	Width, Height, Top, Base int
	Max                      int
	Months                   []volumeMonth
	Legend                   []volumeLegend
	Total                    int
}

type volumeMonth struct {
	Label string
	X     int
	Bars  []volumeBar
}

type volumeBar struct {
	X, Y, W, H int
	N          int
	Colour     string
	Label      string // legend key
}

type volumeLegend struct {
	X, Y   int
	Colour string
	Label  string
}

const volumeMonthsShown = 12

// volumes counts the log's supervision entries per month for the last
// volumeMonthsShown months up to now.
func volumes(ctx context.Context, db *store.DB, now time.Time) (*volumeChart, error) {
	today := calendar.DateOf(now)
	first := time.Date(today.Year, today.Month, 1, 0, 0, 0, 0, calendar.Shanghai).AddDate(0, 1-volumeMonthsShown, 0)
	counts := make([][]int, volumeMonthsShown)
	for i := range counts {
		counts[i] = make([]int, len(volumeSeries))
	}
	kinds := make([]string, len(volumeSeries))
	index := map[string]int{}
	for i, s := range volumeSeries {
		kinds[i], index[s.kind] = s.kind, i
	}
	err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.EachLogEntryOf(ctx, kinds, func(e *bizlog.Entry) error {
			at := e.At.In(calendar.Shanghai)
			m := (at.Year()-first.Year())*12 + int(at.Month()) - int(first.Month())
			if m >= 0 && m < volumeMonthsShown {
				counts[m][index[e.Kind]]++
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	c := &volumeChart{Width: 720, Height: 230, Top: 12, Base: 186}
	for _, row := range counts {
		for _, n := range row {
			c.Max, c.Total = max(c.Max, n), c.Total+n
		}
	}
	scale := max(c.Max, 1)
	left, plot := 40, 720-40
	group := plot / volumeMonthsShown
	bar := (group - 8) / len(volumeSeries)
	for m := range volumeMonthsShown {
		mon := first.AddDate(0, m, 0)
		vm := volumeMonth{Label: fmt.Sprintf("%d-%02d", mon.Year(), int(mon.Month())), X: left + m*group + group/2}
		for i, s := range volumeSeries {
			n := counts[m][i]
			h := n * (c.Base - c.Top) / scale
			vm.Bars = append(vm.Bars, volumeBar{X: left + m*group + 4 + i*bar, Y: c.Base - h, W: bar - 1, H: h, N: n, Colour: s.colour, Label: s.label})
		}
		c.Months = append(c.Months, vm)
	}
	for i, s := range volumeSeries {
		c.Legend = append(c.Legend, volumeLegend{X: left + i*136, Y: c.Height - 14, Colour: s.colour, Label: s.label})
	}
	return c, nil
}
