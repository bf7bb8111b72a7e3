// Package diffprice detects differential pricing by profile (大数据杀熟, P-5;
// PIPL Art. 24 ¶1): the same product offered at the same time at prices
// that differ with the customer's profile rather than with the lawful
// factors the business declares (a coupon, a membership tier, the
// channel).
//
// A price log is cut into strata — one product, one time window, one
// channel, one combination of the declared factors — so that every
// comparison is between offers that should cost the same. For each other
// profile attribute, the statistic is how much of the price's variation
// within the strata lies between the attribute's values (the between-group
// sum of squares, summed over strata). Its p-value comes from a
// permutation test that shuffles the attribute's values within each
// stratum, so it needs no assumption about how prices are distributed; the
// attributes are corrected together (Bonferroni). An attribute below the
// level is reported with its effect per value and the evidence: pairs of
// rows of one stratum whose prices differ with it.
package diffprice

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/pricing"
)

// MaxRows bounds a log.
const MaxRows = 2_000_000

// Row is one offer in the log.
type Row struct {
	Line     int
	Customer string
	Product  string
	At       time.Time
	PriceFen int64
	Channel  string
	Attrs    []string // by Log.Attrs
}

// Log is a price log.
type Log struct {
	Attrs []string // the profile attribute columns, in the file's order
	Rows  []Row
}

// required columns; every other column is a profile attribute.
var required = []string{"customer", "product", "time", "price", "channel"}

// Read reads a CSV price log with a header: customer, product, time
// (RFC 3339, or Beijing time YYYY-MM-DD HH:MM[:SS]), price (yuan), channel,
// and any profile attributes. A bad row is an error naming its line and
// column; nothing is half-read.
func Read(r io.Reader) (*Log, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, errs.Invalidf("file", "价格记录缺少表头", "the price log has no header")
	}
	idx := map[string]int{}
	lg := &Log{}
	var attrCols []int
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := idx[h]; dup {
			return nil, &errs.Error{Kind: errs.Invalid, Field: h, Row: 1, Reason: i18n.T("列名重复", "the column is named twice")}
		}
		idx[h] = i
		if !slices.Contains(required, h) {
			lg.Attrs = append(lg.Attrs, h)
			attrCols = append(attrCols, i)
		}
	}
	for _, c := range required {
		if _, ok := idx[c]; !ok {
			return nil, &errs.Error{Kind: errs.Invalid, Field: c, Row: 1, Reason: i18n.T("缺少必需的列", "the column is required")}
		}
	}
	if len(lg.Attrs) == 0 {
		return nil, &errs.Error{Kind: errs.Invalid, Field: "header", Row: 1, Reason: i18n.T("没有客户画像属性列可比较", "there is no profile attribute column to compare")}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &errs.Error{Kind: errs.Invalid, Field: "file", Row: line, Reason: i18n.T("CSV 格式错误", "malformed CSV")}
		}
		if len(lg.Rows) == MaxRows {
			return nil, errs.Invalidf("file", fmt.Sprintf("价格记录超过 %d 行", MaxRows), fmt.Sprintf("the price log has more than %d rows", MaxRows))
		}
		row := Row{Line: line, Customer: strings.TrimSpace(rec[idx["customer"]]), Product: strings.TrimSpace(rec[idx["product"]]),
			Channel: strings.TrimSpace(rec[idx["channel"]])}
		bad := func(col string, zh, en string) error {
			return &errs.Error{Kind: errs.Invalid, Field: col, Row: line, Reason: i18n.T(zh, en)}
		}
		if row.Product == "" {
			return nil, bad("product", "商品不能为空", "the product is empty")
		}
		if row.At, err = parseTime(rec[idx["time"]]); err != nil {
			return nil, bad("time", "时间须为 RFC 3339 或北京时间 年-月-日 时:分[:秒]", "the time is RFC 3339 or Beijing time YYYY-MM-DD HH:MM[:SS]")
		}
		if row.PriceFen, err = pricing.ParseYuan(strings.TrimSpace(rec[idx["price"]])); err != nil || row.PriceFen < 0 {
			return nil, bad("price", "价格须为不小于 0 的元金额，至多两位小数", "the price is a non-negative amount in yuan with at most two decimals")
		}
		row.Attrs = make([]string, len(attrCols))
		for j, c := range attrCols {
			row.Attrs[j] = strings.TrimSpace(rec[c])
		}
		lg.Rows = append(lg.Rows, row)
	}
	if len(lg.Rows) == 0 {
		return nil, errs.Invalidf("file", "价格记录没有数据行", "the price log has no rows")
	}
	return lg, nil
}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, calendar.Shanghai); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("bad time")
}

// Options set the test.
type Options struct {
	Declared     []string      // attribute columns that are lawful price factors
	Window       time.Duration // offers this close count as simultaneous
	Alpha        float64       // the level, over all attributes together
	Permutations int
	Seed         uint64 // the permutations' seed: the same log gives the same report
}

// Defaults: one hour, 1 %, 999 permutations.
func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		o.Window = time.Hour
	}
	if o.Alpha <= 0 {
		o.Alpha = 0.01
	}
	if o.Permutations <= 0 {
		o.Permutations = 999
	}
	return o
}

// Effect is an attribute value's mean price, relative to its strata.
type Effect struct {
	Value    string  `json:"value"`
	Rows     int     `json:"rows"`
	Relative float64 `json:"relative"` // mean of price / its stratum's mean, minus 1
}

// Evidence is a pair of offers of one stratum priced differently with the
// attribute.
type Evidence struct {
	LineA, LineB   int
	ValueA, ValueB string
	PriceA, PriceB int64 // fen
}

// Result is one attribute's test.
type Result struct {
	Attribute string     `json:"attribute"`
	Strata    int        `json:"strata"` // strata where the attribute varies
	Rows      int        `json:"rows"`
	P         float64    `json:"p"`
	Found     bool       `json:"found"`
	Effects   []Effect   `json:"effects,omitempty"`
	Evidence  []Evidence `json:"evidence,omitempty"`
}

// Report is the test of every attribute not declared.
type Report struct {
	Rows    int      `json:"rows"`
	Strata  int      `json:"strata"`
	Level   float64  `json:"level"` // per attribute, after the correction
	Results []Result `json:"results"`
}

// Detect tests the log.
func Detect(lg *Log, o Options) (*Report, error) {
	o = o.withDefaults()
	declared := map[int]bool{}
	for _, d := range o.Declared {
		i := slices.Index(lg.Attrs, strings.ToLower(strings.TrimSpace(d)))
		if i < 0 {
			return nil, errs.Invalidf("--declared", "价格记录中没有列 "+d, "the price log has no column "+d)
		}
		declared[i] = true
	}
	// Strata: product, window, channel and the declared factors' values.
	keyOf := func(r *Row) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s\x00%d\x00%s", r.Product, r.At.UnixNano()/int64(o.Window), r.Channel)
		for i := range lg.Attrs {
			if declared[i] {
				b.WriteString("\x00" + r.Attrs[i])
			}
		}
		return b.String()
	}
	strata := map[string][]int{}
	for i := range lg.Rows {
		k := keyOf(&lg.Rows[i])
		strata[k] = append(strata[k], i)
	}
	keys := make([]string, 0, len(strata))
	for k := range strata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var tested []int
	for i := range lg.Attrs {
		if !declared[i] {
			tested = append(tested, i)
		}
	}
	rep := &Report{Rows: len(lg.Rows), Strata: len(strata), Level: o.Alpha / float64(max(1, len(tested)))}
	for _, a := range tested {
		rep.Results = append(rep.Results, test(lg, a, keys, strata, o, rep.Level))
	}
	return rep, nil
}

// group is one stratum's rows where the attribute varies: prices, their
// mean, and each row's value as a small integer.
type group struct {
	rows   []int
	prices []float64
	codes  []int
	mean   float64
	values int
}

func test(lg *Log, a int, keys []string, strata map[string][]int, o Options, level float64) Result {
	res := Result{Attribute: lg.Attrs[a]}
	var groups []*group
	for _, k := range keys {
		rows := strata[k]
		g := &group{rows: rows}
		names := map[string]int{}
		varies := false
		for _, i := range rows {
			v := lg.Rows[i].Attrs[a]
			c, ok := names[v]
			if !ok {
				c = len(names)
				names[v] = c
			}
			g.codes = append(g.codes, c)
			p := float64(lg.Rows[i].PriceFen)
			g.prices = append(g.prices, p)
			g.mean += p
			varies = varies || lg.Rows[i].PriceFen != lg.Rows[rows[0]].PriceFen
		}
		g.mean /= float64(len(rows))
		g.values = len(names)
		if g.values > 1 && len(rows) > 2 && varies {
			groups = append(groups, g)
			res.Strata++
			res.Rows += len(rows)
		}
	}
	if len(groups) == 0 {
		res.P = 1
		return res
	}
	observed := between(groups, nil)
	rng := rand.New(rand.NewPCG(o.Seed, uint64(a)+1))
	exceed := 0
	perm := make([][]int, len(groups))
	for i, g := range groups {
		perm[i] = slices.Clone(g.codes)
	}
	for range o.Permutations {
		for i := range groups {
			rng.Shuffle(len(perm[i]), func(x, y int) { perm[i][x], perm[i][y] = perm[i][y], perm[i][x] })
		}
		if between(groups, perm) >= observed*(1-1e-12) {
			exceed++
		}
	}
	res.P = float64(exceed+1) / float64(o.Permutations+1)
	res.Found = res.P <= level
	if res.Found {
		res.Effects, res.Evidence = effects(lg, a, groups)
	}
	return res
}

// between is the between-group sum of squares, summed over the strata,
// with the values given by codes (the groups' own when nil).
func between(groups []*group, codes [][]int) float64 {
	var total float64
	for i, g := range groups {
		c := g.codes
		if codes != nil {
			c = codes[i]
		}
		sum := make([]float64, g.values)
		n := make([]float64, g.values)
		for j, p := range g.prices {
			sum[c[j]] += p
			n[c[j]]++
		}
		for v := range sum {
			if n[v] > 0 {
				d := sum[v]/n[v] - g.mean
				total += n[v] * d * d
			}
		}
	}
	return total
}

// effects are each value's mean price relative to its strata, and up to
// five pairs of rows that show the difference most.
func effects(lg *Log, a int, groups []*group) ([]Effect, []Evidence) {
	rel := map[string]float64{}
	cnt := map[string]int{}
	var ev []Evidence
	for _, g := range groups {
		for j, i := range g.rows {
			v := lg.Rows[i].Attrs[a]
			if g.mean > 0 {
				rel[v] += g.prices[j]/g.mean - 1
			}
			cnt[v]++
		}
		// The cheapest and dearest offers of the stratum, when their
		// values differ.
		lo, hi := 0, 0
		for j := range g.prices {
			if g.prices[j] < g.prices[lo] {
				lo = j
			}
			if g.prices[j] > g.prices[hi] {
				hi = j
			}
		}
		ra, rb := lg.Rows[g.rows[hi]], lg.Rows[g.rows[lo]]
		if ra.Attrs[a] != rb.Attrs[a] {
			ev = append(ev, Evidence{LineA: ra.Line, LineB: rb.Line, ValueA: ra.Attrs[a], ValueB: rb.Attrs[a], PriceA: ra.PriceFen, PriceB: rb.PriceFen})
		}
	}
	var out []Effect
	for v, n := range cnt {
		out = append(out, Effect{Value: v, Rows: n, Relative: math.Round(rel[v]/float64(n)*10000) / 10000})
	}
	slices.SortFunc(out, func(x, y Effect) int {
		if x.Relative != y.Relative {
			if x.Relative > y.Relative {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Value, y.Value)
	})
	slices.SortStableFunc(ev, func(x, y Evidence) int { return int((y.PriceA - y.PriceB) - (x.PriceA - x.PriceB)) })
	return out, ev[:min(5, len(ev))]
}

// Describe says a result in lang, on one line.
func (r Result) Describe(lang i18n.Lang) string {
	if !r.Found {
		return i18n.T(fmt.Sprintf("未发现按「%s」差别定价（p = %.4f，%d 个可比组）", r.Attribute, r.P, r.Strata),
			fmt.Sprintf("no differential pricing by %s (p = %.4f, %d comparable strata)", r.Attribute, r.P, r.Strata)).In(lang)
	}
	var eff []string
	for _, e := range r.Effects {
		eff = append(eff, fmt.Sprintf("%s %+.1f%%", e.Value, e.Relative*100))
	}
	return i18n.T(fmt.Sprintf("同一商品同一时段，价格随「%s」而不同（p = %.4f，%d 个可比组）：%s", r.Attribute, r.P, r.Strata, strings.Join(eff, "，")),
		fmt.Sprintf("the same product at the same time is priced differently by %s (p = %.4f, %d comparable strata): %s", r.Attribute, r.P, r.Strata, strings.Join(eff, ", "))).In(lang)
}

// FormatEvidence says a pair of rows in lang.
func (e Evidence) FormatEvidence(lang i18n.Lang) string {
	return i18n.T(fmt.Sprintf("第 %d 行（%s）%s 元 与 第 %d 行（%s）%s 元", e.LineA, e.ValueA, pricing.FormatYuan(e.PriceA), e.LineB, e.ValueB, pricing.FormatYuan(e.PriceB)),
		fmt.Sprintf("line %d (%s) ¥%s against line %d (%s) ¥%s", e.LineA, e.ValueA, pricing.FormatYuan(e.PriceA), e.LineB, e.ValueB, pricing.FormatYuan(e.PriceB))).In(lang)
}

// ParseWindow reads a window such as 1h or 30m.
func ParseWindow(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 || d > 31*24*time.Hour {
		return 0, errs.Invalidf("--window", "时间窗写作 30m、1h、24h 等", "write the window as 30m, 1h, 24h and so on")
	}
	return d, nil
}
