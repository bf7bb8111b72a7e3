package console

import (
	"fmt"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/platform/store"
)

// useChartView is the quota page's bar chart of deductions per day, drawn on the
// server as inline SVG: no script, and it prints.
type useChartView struct {
	Width, Height int
	Top, Base     int // the plot area's first and last y
	Bars          []useBar
	Ticks         []useTick
	Max           Money // the tallest day, the y axis' top label
	Total         Money
}

type useBar struct {
	X, Y, W, H int
	Day        string
	Amount     Money
}

type useTick struct {
	X     int
	Label string
}

// Chart geometry in SVG units; the SVG scales to the page's width.
const (
	useWidth  = 720
	useHeight = 200
	useLeft   = 64
	useTop    = 12
	useBottom = 28
)

// useChart sums the deductions of each of the days days up to now (in
// China's civil days) and lays them out as bars.
func useChart(moves []store.Movement, now time.Time, days int) useChartView {
	today := calendar.DateOf(now)
	first := today.AddDays(1 - days)
	sums := make([]int64, days)
	var total, max int64
	for _, m := range moves {
		if m.Kind != store.MovementDeduct {
			continue
		}
		i := first.DaysUntil(calendar.DateOf(m.At))
		if i < 0 || i >= days {
			continue
		}
		sums[i] += m.AmountFen
		total += m.AmountFen
		max = maxFen(max, sums[i])
	}
	c := useChartView{Width: useWidth, Height: useHeight, Top: useTop, Base: useHeight - useBottom, Max: Money(max), Total: Money(total)}
	plot := c.Base - c.Top
	step := (useWidth - useLeft) / days
	for i, s := range sums {
		day := first.AddDays(i)
		h := 0
		if max > 0 {
			h = int(s * int64(plot) / max)
		}
		if s > 0 && h == 0 {
			h = 1 // a day with any use shows
		}
		x := useLeft + i*step
		c.Bars = append(c.Bars, useBar{X: x + 1, Y: c.Base - h, W: step - 2, H: h, Day: day.String(), Amount: Money(s)})
		// A label a week, and today's unless the last weekly one is near.
		if i%7 == 0 || (i == days-1 && i%7 >= 4) {
			c.Ticks = append(c.Ticks, useTick{X: x + step/2, Label: fmt.Sprintf("%02d-%02d", int(day.Month), day.Day)})
		}
	}
	return c
}

func maxFen(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
