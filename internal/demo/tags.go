package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"hulian/internal/errs"
)

// A supplier's dataset in the demo has three tags with realistic
// distributions: age band, province of residence and annual online
// spending. Values that would point to fewer than k people are merged
// (adjacent bands, or small provinces into "其他"), so that the gate passes
// whatever the population's size.

// band is one value of a banded tag: [lo, hi), hi < 0 for open-ended.
type band struct {
	lo, hi int
	weight float64
}

// ageBands are adult mobile users by age, shares in percent, shaped after
// CNNIC's 《中国互联网络发展状况统计报告》 age structure of internet users.
var ageBands = []band{{18, 25, 12}, {25, 35, 21}, {35, 45, 21}, {45, 55, 19}, {55, 65, 16}, {65, -1, 11}}

// spendBands are annual online spending in yuan, shares in percent.
var spendBands = []band{{0, 2000, 22}, {2000, 5000, 26}, {5000, 10000, 24}, {10000, 30000, 19}, {30000, -1, 9}}

// province is a province-level division and its resident population in
// ten thousands, from the Seventh National Population Census bulletin
// (第七次全国人口普查公报, 2021), with its region for small populations.
type province struct {
	name   string
	region string
	north  bool // north of the Qinling–Huaihe line
	pop    float64
}

var provinces = []province{
	{"广东", "华南", false, 12601}, {"山东", "华东", true, 10153}, {"河南", "华中", true, 9937}, {"江苏", "华东", false, 8475}, {"四川", "西南", false, 8367},
	{"河北", "华北", true, 7461}, {"湖南", "华中", false, 6644}, {"浙江", "华东", false, 6457}, {"安徽", "华东", false, 6103}, {"湖北", "华中", false, 5775},
	{"广西", "华南", false, 5013}, {"云南", "西南", false, 4721}, {"江西", "华东", false, 4519}, {"辽宁", "东北", true, 4259}, {"福建", "华东", false, 4154},
	{"陕西", "西北", true, 3953}, {"贵州", "西南", false, 3856}, {"山西", "华北", true, 3492}, {"重庆", "西南", false, 3205}, {"黑龙江", "东北", true, 3185},
	{"新疆", "西北", true, 2585}, {"甘肃", "西北", true, 2502}, {"上海", "华东", false, 2487}, {"吉林", "东北", true, 2407}, {"内蒙古", "华北", true, 2405},
	{"北京", "华北", true, 2189}, {"天津", "华北", true, 1387}, {"海南", "华南", false, 1008}, {"宁夏", "西北", true, 720}, {"青海", "西北", true, 592},
	{"西藏", "西南", false, 365},
}

// other is the value small provinces or regions are merged into.
const other = "其他"

// TagColumn is one tag of the demo dataset as sized for a population.
type TagColumn struct {
	Key, Name, Category, Description string
	Segment                          bool     // a banded (分段) tag; otherwise a single value from a list
	Values                           []string // the value domain, each held by at least k people
	Counts                           []int    // people per value
	assign                           []uint8  // value index per row
}

// Dataset is the demo supplier's tag columns over its rows.
type Dataset struct {
	Rows int
	Tags []TagColumn
}

// Value returns row r's value of tag t.
func (d *Dataset) Value(t, r int) string { return d.Tags[t].Values[d.Tags[t].assign[r]] }

// MinRows is the smallest base the demo dataset can be sized for: every
// tag keeps at least two values of k people each (the catalog wants two),
// which the least even split (north and south) reaches from 3k.
func MinRows(k int) int { return 3 * k }

// BuildDataset sizes the three tags for rows people so that every value has
// at least k of them, and assigns values to rows in exact proportions
// (largest remainders), shuffled with the seed.
func BuildDataset(rows, k int, seed uint64) (*Dataset, error) {
	if rows < MinRows(k) {
		return nil, errs.Invalidf("--people", fmt.Sprintf("供应方数据集只有 %d 人，少于每个标签两个取值各 %d 人所需的 %d 人：请增加人数", rows, k, MinRows(k)),
			fmt.Sprintf("the supplier's dataset would hold %d people, fewer than the %d that two values of each tag with %d people each need: use more people", rows, MinRows(k), k))
	}
	rng := rand.New(rand.NewPCG(seed, 0x74616773))
	d := &Dataset{Rows: rows}
	age := sizeBands(ageBands, rows, k)
	age.Key, age.Name, age.Category, age.Description, age.Segment = "age_band", "年龄段", "basic.demographic", "机主年龄分段（岁），左闭右开", true
	prov := sizeProvinces(rows, k)
	prov.Key, prov.Name, prov.Category, prov.Description = "province", "常住省份", "behaviour.location", "近 12 个月主要常住省级行政区"
	spend := sizeBands(spendBands, rows, k)
	spend.Key, spend.Name, spend.Category, spend.Description, spend.Segment = "spend_level", "线上消费水平", "behaviour.consumption", "近 12 个月线上消费金额分档（元），左闭右开", true
	d.Tags = []TagColumn{age, prov, spend}
	for _, t := range d.Tags {
		if len(t.Values) < 2 {
			return nil, errs.Invalidf("--people", fmt.Sprintf("供应方数据集的 %d 人不足以让标签 %s 有两个各含 %d 人的取值：请增加人数", rows, t.Name, k),
				fmt.Sprintf("the supplier's %d people are too few for two values of tag %s with %d people each: use more people", rows, t.Key, k))
		}
	}
	for i := range d.Tags {
		t := &d.Tags[i]
		t.assign = make([]uint8, 0, rows)
		for v, c := range t.Counts {
			for range c {
				t.assign = append(t.assign, uint8(v))
			}
		}
		rng.Shuffle(len(t.assign), func(a, b int) { t.assign[a], t.assign[b] = t.assign[b], t.assign[a] })
	}
	return d, nil
}

// apportion splits rows by weights exactly: floors first, then one more to
// the largest remainders.
func apportion(weights []float64, rows int) []int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	counts := make([]int, len(weights))
	rems := make([]float64, len(weights))
	given := 0
	for i, w := range weights {
		x := w / sum * float64(rows)
		counts[i] = int(x)
		rems[i] = x - float64(counts[i])
		given += counts[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case rems[a] > rems[b]:
			return -1
		case rems[a] < rems[b]:
			return 1
		}
		return 0
	})
	for j := 0; given < rows; j++ {
		counts[order[j%len(order)]]++
		given++
	}
	return counts
}

// sizeBands groups adjacent bands so that every group has at least k
// people: left to right, a group closes once it reaches k, and a short
// remainder joins the last group. This keeps the most groups any split
// into adjacent bands can keep, and leaves bands that are big enough alone.
func sizeBands(bands []band, rows, k int) TagColumn {
	ws := make([]float64, len(bands))
	for i, b := range bands {
		ws[i] = b.weight
	}
	counts := apportion(ws, rows)
	type group struct{ first, last, n int }
	var gs []group
	cur := group{first: 0}
	for i, c := range counts {
		cur.n += c
		cur.last = i
		if cur.n >= k {
			gs = append(gs, cur)
			cur = group{first: i + 1}
		}
	}
	if cur.n > 0 || len(gs) == 0 {
		if len(gs) == 0 {
			gs = append(gs, cur)
		} else {
			gs[len(gs)-1].last = cur.last
			gs[len(gs)-1].n += cur.n
		}
	}
	var t TagColumn
	for _, g := range gs {
		t.Values = append(t.Values, band{lo: bands[g.first].lo, hi: bands[g.last].hi}.label())
		t.Counts = append(t.Counts, g.n)
	}
	return t
}

func (b band) label() string {
	if b.hi < 0 {
		return strconv.Itoa(b.lo) + "+"
	}
	return strconv.Itoa(b.lo) + "-" + strconv.Itoa(b.hi)
}

// sizeProvinces keeps every province with at least k people and merges
// the rest into "其他". When that would leave fewer than three named
// provinces (a small base), it groups by region instead, and for the
// smallest bases into north and south (the Qinling–Huaihe line).
func sizeProvinces(rows, k int) TagColumn {
	levels := []func(province) string{
		func(p province) string { return p.name },
		func(p province) string { return p.region },
		func(p province) string {
			if p.north {
				return "北方"
			}
			return "南方"
		},
	}
	var t TagColumn
	for _, level := range levels {
		var names []string
		w := map[string]float64{}
		for _, p := range provinces {
			n := level(p)
			if _, ok := w[n]; !ok {
				names = append(names, n)
			}
			w[n] += p.pop
		}
		ws := make([]float64, len(names))
		for i, n := range names {
			ws[i] = w[n]
		}
		t = mergeSmall(names, ws, rows, k)
		named := len(t.Values)
		if slices.Contains(t.Values, other) {
			named--
		}
		if named >= 3 || (named == 2 && len(t.Values) == 2) {
			return t
		}
	}
	return t
}

// mergeSmall apportions rows over names by weight and merges every name
// with fewer than k people into "其他" (which must reach k itself, taking
// the next smallest name while it does not).
func mergeSmall(names []string, ws []float64, rows, k int) TagColumn {
	names, ws = slices.Clone(names), slices.Clone(ws)
	otherW := 0.0
	for {
		all := append(slices.Clone(ws), otherW)
		counts := apportion(all, rows)
		small := -1
		for i, c := range counts[:len(ws)] {
			if c < k && (small < 0 || c < counts[small]) {
				small = i
			}
		}
		if small < 0 && (otherW == 0 || counts[len(ws)] >= k) {
			t := TagColumn{}
			for i, n := range names {
				t.Values = append(t.Values, n)
				t.Counts = append(t.Counts, counts[i])
			}
			if otherW > 0 {
				t.Values = append(t.Values, other)
				t.Counts = append(t.Counts, counts[len(ws)])
			}
			return t
		}
		if small < 0 {
			// "其他" is still short: it takes the smallest remaining name.
			small = 0
			for i := range ws {
				if ws[i] < ws[small] {
					small = i
				}
			}
		}
		otherW += ws[small]
		names = slices.Delete(names, small, small+1)
		ws = slices.Delete(ws, small, small+1)
		if len(names) == 0 {
			return TagColumn{Values: []string{other}, Counts: []int{rows}}
		}
	}
}
