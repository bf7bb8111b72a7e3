package console

import (
	"net/http"

	"hulian/internal/platform/listings"
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
	v.Data = chart(qs, func(q listings.Quote) string { return q.Category.Name(lang) })
	c.render(w, r, http.StatusOK, "quotes.html", v)
	return nil
}
