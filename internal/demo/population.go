package demo

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/protocol/ident"
)

// segment is a block of mainland mobile numbers assigned to one carrier,
// named by its leading digits (three, or four where a carrier holds only
// part of a three-digit block), with a weight proportional to how many
// subscribers the block carries today.
type segment struct {
	prefix  string
	carrier string
	weight  int
}

// segments are the mobile number blocks in public use. The assignment
// follows the MIIT numbering plan (工业和信息化部《电信网编号计划（2017年
// 版）》) and the ministry's later allocations (the 19x blocks in 2017–2019,
// 192 to China Broadnet, 16x and 17x to virtual operators); 1349 (satellite)
// and 1740–1745 (satellite) are left out as they are not consumer mobiles.
// Weights are rough subscriber shares per block: China Mobile about 55%,
// China Telecom about 24%, China Unicom about 19%, Broadnet and the virtual
// operators the rest; older blocks are fuller than new ones.
var segments = []segment{
	// China Mobile 中国移动
	{"1340", "移动", 2}, {"1341", "移动", 2}, {"1342", "移动", 2}, {"1343", "移动", 2}, {"1344", "移动", 2},
	{"1345", "移动", 2}, {"1346", "移动", 2}, {"1347", "移动", 2}, {"1348", "移动", 2},
	{"135", "移动", 40}, {"136", "移动", 40}, {"137", "移动", 40}, {"138", "移动", 45}, {"139", "移动", 45},
	{"147", "移动", 8}, {"148", "移动", 2}, {"150", "移动", 30}, {"151", "移动", 30}, {"152", "移动", 28},
	{"157", "移动", 20}, {"158", "移动", 30}, {"159", "移动", 30}, {"172", "移动", 6}, {"178", "移动", 18},
	{"182", "移动", 25}, {"183", "移动", 25}, {"184", "移动", 10}, {"187", "移动", 28}, {"188", "移动", 25},
	{"195", "移动", 8}, {"197", "移动", 4}, {"198", "移动", 14},
	// China Unicom 中国联通
	{"130", "联通", 25}, {"131", "联通", 25}, {"132", "联通", 25}, {"145", "联通", 5}, {"146", "联通", 2},
	{"155", "联通", 22}, {"156", "联通", 22}, {"166", "联通", 12}, {"175", "联通", 10}, {"176", "联通", 14},
	{"185", "联通", 20}, {"186", "联通", 25}, {"196", "联通", 4},
	// China Telecom 中国电信
	{"133", "电信", 25}, {"149", "电信", 4}, {"153", "电信", 22}, {"173", "电信", 12}, {"177", "电信", 18},
	{"180", "电信", 18}, {"181", "电信", 18}, {"189", "电信", 25}, {"190", "电信", 6}, {"191", "电信", 10},
	{"193", "电信", 8}, {"199", "电信", 14},
	// China Broadnet 中国广电
	{"192", "广电", 6},
	// Virtual operators 虚拟运营商 (on the three carriers' networks)
	{"162", "虚拟", 1}, {"165", "虚拟", 1}, {"167", "虚拟", 1}, {"170", "虚拟", 2}, {"171", "虚拟", 2},
}

// Population is a set of distinct people, each known by a mainland mobile
// number (11 digits, no prefix), with the share each side holds.
type Population struct {
	Numbers  []string
	Supplier []int // indexes into Numbers: the supplier's base, in ID order of appearance
	Demander []int // indexes into Numbers: the demander's customer list
}

// suffixSpace is the number of subscriber numbers under a three-digit
// block: eight digits.
const suffixSpace = 100_000_000

// Synthetic returns n distinct synthetic mobile numbers, the same for the
// same seed. Distinctness needs no set: the i-th number's last eight digits
// are an affine bijection of i modulo 10^8 (a multiplier coprime to 10
// keeps it one-to-one), so two numbers in the same block never share them;
// the block is drawn by weight. In a four-digit block the fourth digit
// replaces the top digit of the bijection, which stays one-to-one for up
// to 10^7 people; larger populations skip those blocks. n may not exceed
// 10^8.
func Synthetic(n int, seed uint64) ([]string, error) {
	if n < 0 || n > suffixSpace {
		return nil, errs.Invalidf("--people", "人数须在 0 到 1 亿之间", "the number of people must be between 0 and 100 million")
	}
	rng := rand.New(rand.NewPCG(seed, 0x68756c69616e))
	// The multiplier is odd and not a multiple of 5: coprime to 10^8.
	a := uint64(rng.IntN(suffixSpace/10))*10 + []uint64{1, 3, 7, 9}[rng.IntN(4)]
	b := uint64(rng.IntN(suffixSpace))
	cum := make([]int, len(segments))
	total := 0
	for i, s := range segments {
		if len(s.prefix) == 3 || n <= suffixSpace/10 {
			total += s.weight
		}
		cum[i] = total
	}
	out := make([]string, n)
	var buf [11]byte
	for i := range n {
		w := rng.IntN(total)
		k := 0
		for cum[k] <= w {
			k++
		}
		p := segments[k].prefix
		suffix := (a*uint64(i) + b) % suffixSpace
		if len(p) == 4 {
			suffix = uint64(p[3]-'0')*(suffixSpace/10) + suffix%(suffixSpace/10)
			p = p[:3]
		}
		copy(buf[:3], p)
		for j := 10; j >= 3; j-- {
			buf[j] = byte('0' + suffix%10)
			suffix /= 10
		}
		out[i] = string(buf[:])
	}
	return out, nil
}

// maxPopulationLine bounds one line of a population file.
const maxPopulationLine = 256

// ReadPopulation reads mobile numbers, one per line, in any spelling the
// normaliser accepts (+86…, 0086…, spaces, dashes) and returns them as 11
// digits. Blank lines and lines starting with # are skipped; duplicates
// (after normalisation) are dropped, keeping the first. Bad lines are all
// counted and the first 20 named, each by line number and reason.
func ReadPopulation(r io.Reader) (numbers []string, dups int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxPopulationLine)
	seen := map[string]bool{}
	var badZH, badEN []string
	nbad, line := 0, 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff")
		}
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		c, nerr := ident.Normalize(ident.Mobile, s)
		if nerr != nil {
			nbad++
			if len(badZH) < 20 {
				badZH = append(badZH, fmt.Sprintf("第 %d 行：%s", line, errs.Message(nerr, i18n.ZH)))
				badEN = append(badEN, fmt.Sprintf("line %d: %s", line, errs.Message(nerr, i18n.EN)))
			}
			continue
		}
		d := c[3:]
		if seen[d] {
			dups++
			continue
		}
		seen[d] = true
		numbers = append(numbers, d)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, errs.Invalidf("--population", fmt.Sprintf("第 %d 行无法读取（每行最多 %d 字节）：%v", line+1, maxPopulationLine, err),
			fmt.Sprintf("cannot read line %d (at most %d bytes a line): %v", line+1, maxPopulationLine, err))
	}
	if nbad > 0 {
		moreZH, moreEN := "", ""
		if nbad > len(badZH) {
			moreZH, moreEN = fmt.Sprintf("；另有 %d 行", nbad-len(badZH)), fmt.Sprintf("; and %d more", nbad-len(badEN))
		}
		return nil, 0, errs.Invalidf("--population",
			fmt.Sprintf("人口文件有 %d 行不是有效的手机号码：%s%s", nbad, strings.Join(badZH, "；"), moreZH),
			fmt.Sprintf("%d lines of the population file are not valid mobile numbers: %s%s", nbad, strings.Join(badEN, "; "), moreEN))
	}
	return numbers, dups, nil
}

// Shares of the population each side holds: the supplier's base covers
// most people, the demander's customer list a smaller part, drawn
// independently, so that some of the demander's customers are unknown to
// the supplier, as in practice.
const (
	supplierShare = 0.80
	demanderShare = 0.30
)

// Split draws which people each side holds, the same for the same seed.
func Split(numbers []string, seed uint64) *Population {
	rng := rand.New(rand.NewPCG(seed, 0x73706c6974))
	p := &Population{Numbers: numbers}
	for i := range numbers {
		if rng.Float64() < supplierShare {
			p.Supplier = append(p.Supplier, i)
		}
		if rng.Float64() < demanderShare {
			p.Demander = append(p.Demander, i)
		}
	}
	return p
}

// Overlap counts the people both sides hold: the matches a full delivery
// must find.
func (p *Population) Overlap() int {
	in := make(map[int]bool, len(p.Supplier))
	for _, i := range p.Supplier {
		in[i] = true
	}
	n := 0
	for _, i := range p.Demander {
		if in[i] {
			n++
		}
	}
	return n
}
