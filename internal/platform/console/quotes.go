package console

import (
	"net/http"

	"hulian/internal/i18n"
	"hulian/internal/platform/listings"
	"hulian/internal/platform/marketstats"
)

// Chart geometry of the quotes page, in SVG user units.
const (
	chartWidth  = 720
	chartLabel  = 200 // the category names' column
	chartBar    = 22
	chartGap    = 12
	chartMargin = 24
)

// bar is one category of the chart: the median as a bar, the range from
// the lowest to the highest listed price as a line across it.
type bar struct {
	Label            string
	Y, TextY, MidY   int
	Width            int // of the median bar
	MinX, MaxX, EndX int
	Median, Min, Max string
	Listings         int
}

type quotesData struct {
	Quotes []listings.Quote
	Bars   []bar
	Height int
	Left   int
	Right  int
	Top    string // the scale's highest price, in yuan

	// What was traded (X-D1), from the issued statements.
	Traded       []marketstats.Month
	TradedBars   []tradedBar
	TradedHeight int
}

// chart lays out the categories that have listings.
func chart(qs []listings.Quote, name func(listings.Quote) string) quotesData {
	// The right margin leaves room for the median's label after the longest bar.
	d := quotesData{Quotes: qs, Left: chartLabel, Right: chartWidth - 120}
	var top int64
	for _, q := range qs {
		top = max(top, q.MaxFen)
	}
	d.Top = yuanOf(top)
	scale := func(fen int64) int {
		if top == 0 {
			return 0
		}
		return int(fen * int64(d.Right-d.Left) / top)
	}
	y := chartMargin
	for _, q := range qs {
		if q.Listings == 0 {
			continue
		}
		d.Bars = append(d.Bars, bar{
			Label: name(q), Y: y, TextY: y + chartBar*2/3, MidY: y + chartBar/2,
			Width: max(scale(q.MedianFen), 1), MinX: d.Left + scale(q.MinFen), MaxX: d.Left + scale(q.MaxFen),
			EndX:   d.Left + max(scale(q.MaxFen), scale(q.MedianFen)) + 6,
			Median: yuanOf(q.MedianFen), Min: yuanOf(q.MinFen), Max: yuanOf(q.MaxFen), Listings: q.Listings,
		})
		y += chartBar + chartGap
	}
	d.Height = y + chartMargin
	return d
}

// quotes is the public market quotes page (X-W4, X-D1): per tag category
// the number of published listings and their price range and median, with
// a server-drawn chart.
func (c *console) quotes(w http.ResponseWriter, r *http.Request) error {
	qs, err := c.x.Listings.Quotes(r.Context())
	if err != nil {
		return err
	}
	v := &view{Title: "quotes.title"}
	lang := langOf(r)
	d := chart(qs, func(q listings.Quote) string { return q.Category.Name(lang) })
	if d.Traded, err = c.x.Stats.Monthly(r.Context(), tradedMonths); err != nil {
		return err
	}
	d.TradedBars, d.TradedHeight = tradedChart(d.Traded, lang)
	v.Data = d
	c.render(w, r, http.StatusOK, "quotes.html", v)
	return nil
}

// tradedMonths is how many months of traded figures the quotes page shows.
const tradedMonths = 12

// tradedBar is one category of the traded-price chart of the latest month.
type tradedBar struct {
	Label        string
	Y, TextY     int
	Width, EndX  int
	Price, Month string
}

// tradedChart lays out the latest month's published traded prices per
// matched record, one bar per category.
func tradedChart(ms []marketstats.Month, lang i18n.Lang) ([]tradedBar, int) {
	if len(ms) == 0 {
		return nil, 0
	}
	var top int64
	for _, f := range ms[0].Figures {
		top = max(top, f.PriceFen)
	}
	if top == 0 {
		return nil, 0
	}
	var out []tradedBar
	y := chartMargin
	span := int64(chartWidth - 120 - chartLabel)
	for _, f := range ms[0].Figures {
		if f.Withheld || f.Matched == 0 {
			continue
		}
		w := max(int(f.PriceFen*span/top), 1)
		out = append(out, tradedBar{Label: f.Category.Name(lang), Y: y, TextY: y + chartBar*2/3, Width: w, EndX: chartLabel + w + 6, Price: yuanOf(f.PriceFen), Month: f.Month})
		y += chartBar + chartGap
	}
	return out, y + chartMargin
}
