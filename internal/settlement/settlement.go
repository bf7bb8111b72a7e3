// Package settlement computes the monthly statements 数据互联结算单 (X-S1)
// from the business log alone: for each pair of members, what the demander
// owes the supplier for a calendar month (Asia/Shanghai), order by order,
// as the sum of the charges its delivery entries record. Each delivery's
// charge is the month's price total after it minus before it (package
// pricing), so the sum is the month's total under the confirmed price
// whatever the deliveries' sizes and order: no price needs re-reading here.
//
// The package is pure, so that the platform that issues statements and
// anyone verifying them from an exported log (`hulian settle verify`) run
// the same code. It keeps one line per order, never the entries: memory
// does not grow with the month's deliveries.
package settlement

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/digest"
	"hulian/internal/errs"
)

// Log entry kinds read and written.
const (
	// KindDelivered is the relay's entry of a charged delivery
	// (relay.KindDeliveryCompleted; repeated within this package so
	// verifiers need not import the platform).
	KindDelivered = "delivery.completed"
	// KindIssued is a statement's entry: its lines, their hash and total.
	KindIssued = "settlement.statement_issued"
)

// Line is one order's part of a statement.
type Line struct {
	// Month is set on the lines of a statement whose period is several
	// months (a cycle the pair agreed): one line per order and month.
	Month      string `json:"month,omitempty"`
	Order      string `json:"order"`
	Listing    string `json:"listing"`
	Deliveries int64  `json:"deliveries"`
	Queried    int64  `json:"queried"`
	Matched    int64  `json:"matched"`
	ChargeFen  int64  `json:"charge_fen"`
	FirstSeq   int64  `json:"first_seq"` // the first and last delivery entries counted
	LastSeq    int64  `json:"last_seq"`
}

// Statement is what one demander owes one supplier for a month.
type Statement struct {
	ID       string `json:"id"`
	Month    string `json:"month"`          // YYYY-MM, the period's last month
	From     string `json:"from,omitempty"` // its first, when the period is several months
	Demander string `json:"demander"`
	Supplier string `json:"supplier"`
	Lines    []Line `json:"lines"`
	TotalFen int64  `json:"total_fen"`
	// Hash is the hash of the statement's digests: SHA-256, or SM3 under
	// the 国密 profile (the log's fields and the signed text name it).
	Hash        digest.Alg `json:"hash"`
	LinesDigest string     `json:"lines_digest"`

	// A correction (X-S2) keeps the lines of the statement it corrects and
	// adds credits: all of the chain's adjustments so far, so that each
	// statement of a chain stands alone.
	Corrects          string       `json:"corrects,omitempty"`
	Dispute           string       `json:"dispute,omitempty"`
	Adjustments       []Adjustment `json:"adjustments,omitempty"`
	AdjustmentsDigest string       `json:"adjustments_digest,omitempty"`
}

// Period is the months the statement covers: its month, or the first
// and last of a period of several.
func (st *Statement) Period() string {
	if st.From == "" {
		return st.Month
	}
	return st.From + " – " + st.Month
}

// Orders is how many orders the statement's lines count.
func (st *Statement) Orders() int {
	seen := map[string]bool{}
	for _, l := range st.Lines {
		seen[l.Order] = true
	}
	return len(seen)
}

// Deliveries is how many charged deliveries the statement counts.
func (st *Statement) Deliveries() int64 {
	var n int64
	for _, l := range st.Lines {
		n += l.Deliveries
	}
	return n
}

// ID is a statement's identifier: one per month and pair, so that issuing
// twice is issuing once.
func ID(month, demander, supplier string) string {
	sum := sha256.Sum256([]byte(month + "\x00" + demander + "\x00" + supplier))
	return "stm_" + strings.ReplaceAll(month, "-", "") + "_" + hex.EncodeToString(sum[:8])
}

// MonthOfID is the month (YYYY-MM) a statement's ID names.
func MonthOfID(id string) string {
	if len(id) < 10 || !strings.HasPrefix(id, "stm_") {
		return ""
	}
	return id[4:8] + "-" + id[8:10]
}

// LinesHash is the digest under alg of the lines' canonical JSON, in order.
func LinesHash(alg digest.Alg, lines []Line) string {
	b, _ := json.Marshal(lines) // a slice of plain structs: cannot fail
	sum := alg.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Alg is the hash of st's digests (SHA-256 when none is named).
func (st *Statement) Alg() digest.Alg {
	if st.Hash == digest.SM3 {
		return digest.SM3
	}
	return digest.SHA256
}

// Seal names alg as st's hash and sets the digests of its lines and
// adjustments under it: what the issuer does before signing.
func (st *Statement) Seal(alg digest.Alg) {
	st.Hash = digest.Alg(alg.Name())
	st.LinesDigest = LinesHash(alg, st.Lines)
	if len(st.Adjustments) > 0 {
		st.AdjustmentsDigest = AdjustmentsHash(alg, st.Adjustments)
	}
}

// MonthOf is the business month (Asia/Shanghai) of an instant.
func MonthOf(at time.Time) string {
	d := calendar.DateOf(at)
	return fmt.Sprintf("%04d-%02d", d.Year, int(d.Month))
}

// ParseMonth checks a YYYY-MM month and returns the instants it starts and
// ends at (the start of the next month), in UTC.
func ParseMonth(month string) (start, end time.Time, err error) {
	t, perr := time.Parse("2006-01", month)
	if perr != nil || t.Format("2006-01") != month {
		return time.Time{}, time.Time{}, errs.Invalidf("month", "月份须写作 年-月，如 2026-11："+month, "write the month as year-month, e.g. 2026-11: "+month)
	}
	first := calendar.NewDate(t.Year(), t.Month(), 1)
	next := calendar.NewDate(t.Year(), t.Month()+1, 1)
	return first.Start().UTC(), next.Start().UTC(), nil
}

// Delivery is what a statement counts of one delivery entry: its index,
// time and order (the entry's object) and, from its payload, the parties,
// the listing and the counts and charge.
type Delivery struct {
	Seq       int64     `json:"-"`
	At        time.Time `json:"-"`
	Order     string    `json:"-"`
	Demander  string    `json:"demander"`
	Supplier  string    `json:"supplier"`
	Listing   string    `json:"listing"`
	Queried   int64     `json:"queried"`
	Matched   int64     `json:"matched"`
	ChargeFen int64     `json:"charge_fen"`
}

// Builder accumulates delivery entries into monthly statements.
type Builder struct {
	from, to string               // months counted; "" for no bound
	lines    map[lineKey]*Line    // by month and order
	pairs    map[string][2]string // order → demander, supplier
}

type lineKey struct{ month, order string }

// NewBuilder starts the statements of month (YYYY-MM).
func NewBuilder(month string) *Builder { return NewRangeBuilder(month, month) }

// NewRangeBuilder starts the monthly statements of the months from..to
// (either "" for no bound): for periods of several months, and verifiers.
func NewRangeBuilder(from, to string) *Builder {
	return &Builder{from: from, to: to, lines: map[lineKey]*Line{}, pairs: map[string][2]string{}}
}

// Add counts e if it is a delivery of the builder's month; other entries
// are ignored. A delivery entry that cannot be read is an error naming it.
func (b *Builder) Add(e *bizlog.Entry) error {
	if e.Kind != KindDelivered {
		return nil
	}
	return b.AddPayload(MonthOf(e.At), e.Seq, e.Object, e.Payload)
}

// AddPayload counts a delivery entry of month, by its index, order and
// payload: for a reader that reads a month at a time and so need not read
// each entry's time. Decoding payloads is most of a month's work: it uses
// goccy/go-json, a drop-in for encoding/json several times faster on these
// flat objects (docs/benchmarks.md), with the same results.
func (b *Builder) AddPayload(month string, seq int64, order string, payload []byte) error {
	d := Delivery{Seq: seq, Order: order}
	if err := gojson.Unmarshal(payload, &d); err != nil {
		return unreadable(seq)
	}
	return b.add(month, d)
}

func unreadable(seq int64) error {
	return errs.New(errs.Invalid, "entry", fmt.Sprintf("业务日志第 %d 条配送记录无法读取", seq), fmt.Sprintf("log entry %d is a delivery that cannot be read", seq))
}

// AddDelivery counts d if it is of the builder's month: for a reader that
// takes the payload's fields out in the database.
func (b *Builder) AddDelivery(d Delivery) error { return b.add(MonthOf(d.At), d) }

func (b *Builder) add(m string, d Delivery) error {
	if (b.from != "" && m < b.from) || (b.to != "" && m > b.to) {
		return nil
	}
	if d.Demander == "" || d.Supplier == "" || d.ChargeFen < 0 {
		return unreadable(d.Seq)
	}
	k := lineKey{m, d.Order}
	l := b.lines[k]
	if l == nil {
		l = &Line{Order: d.Order, Listing: d.Listing, FirstSeq: d.Seq, LastSeq: d.Seq}
		b.lines[k] = l
		if _, ok := b.pairs[d.Order]; !ok {
			b.pairs[d.Order] = [2]string{d.Demander, d.Supplier}
		}
	}
	if b.pairs[d.Order] != [2]string{d.Demander, d.Supplier} {
		return otherParties(d.Seq, d.Order)
	}
	l.Deliveries++
	l.Queried += d.Queried
	l.Matched += d.Matched
	l.ChargeFen += d.ChargeFen
	l.FirstSeq, l.LastSeq = min(l.FirstSeq, d.Seq), max(l.LastSeq, d.Seq)
	return nil
}

// otherParties is the error of a delivery that names other parties than
// its order's other deliveries: the log contradicts itself.
func otherParties(seq int64, order string) error {
	return errs.New(errs.Invalid, "entry", fmt.Sprintf("业务日志第 %d 条配送记录所列双方与订单 %s 的其他配送不同", seq, order),
		fmt.Sprintf("log entry %d names other parties than order %s's other deliveries", seq, order))
}

// Merge adds what other counted, for builders that each read part of a
// month's entries (in any order: lines keep the lowest and highest entry).
func (b *Builder) Merge(other *Builder) error {
	for k, o := range other.lines {
		if p, ok := b.pairs[k.order]; ok && p != other.pairs[k.order] {
			return otherParties(o.FirstSeq, k.order)
		}
		b.pairs[k.order] = other.pairs[k.order]
		l := b.lines[k]
		if l == nil {
			c := *o
			b.lines[k] = &c
			continue
		}
		l.Deliveries += o.Deliveries
		l.Queried += o.Queried
		l.Matched += o.Matched
		l.ChargeFen += o.ChargeFen
		l.FirstSeq, l.LastSeq = min(l.FirstSeq, o.FirstSeq), max(l.LastSeq, o.LastSeq)
	}
	return nil
}

// Statements are the monthly statements, one per month and pair that had
// a delivery, ordered by month, demander then supplier; lines by order ID.
// They are not sealed: the issuer seals them under its profile's hash, a
// verifier compares them under the hash the issued statement names.
func (b *Builder) Statements() []*Statement {
	byPair := map[[3]string]*Statement{}
	for k, l := range b.lines {
		p := b.pairs[k.order]
		st := byPair[[3]string{k.month, p[0], p[1]}]
		if st == nil {
			st = &Statement{ID: ID(k.month, p[0], p[1]), Month: k.month, Demander: p[0], Supplier: p[1]}
			byPair[[3]string{k.month, p[0], p[1]}] = st
		}
		st.Lines = append(st.Lines, *l)
		st.TotalFen += l.ChargeFen
	}
	out := make([]*Statement, 0, len(byPair))
	for _, st := range byPair {
		slices.SortFunc(st.Lines, func(a, b Line) int { return strings.Compare(a.Order, b.Order) })
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *Statement) int {
		if c := strings.Compare(a.Month, b.Month); c != 0 {
			return c
		}
		if c := strings.Compare(a.Demander, b.Demander); c != 0 {
			return c
		}
		return strings.Compare(a.Supplier, b.Supplier)
	})
	return out
}

// Payload is a statement's log entry payload: everything needed to check
// it against a recomputation, with its signature. The log keeps flat
// payloads, so the lines go as their canonical JSON text; the digests'
// fields are named for their hash (lines_sha256, or lines_sm3). A
// correction's payload adds what it corrects, its adjustments and the
// change it makes to the total (negative: a credit), which the ledger books.
func (st *Statement) Payload(signature string, changeFen int64) (bizlog.P, error) {
	if st.LinesDigest == "" {
		return nil, fmt.Errorf("statement %s is not sealed", st.ID)
	}
	lines, err := json.Marshal(st.Lines)
	if err != nil {
		return nil, err
	}
	p := bizlog.P{"statement": st.ID, "month": st.Month, "demander": st.Demander, "supplier": st.Supplier,
		"total_fen": st.TotalFen, bizlog.CommitField("lines", st.Alg()): st.LinesDigest, "lines": string(lines), "signature": signature}
	if st.From != "" {
		p["from"] = st.From
	}
	if st.Corrects != "" {
		adj, err := json.Marshal(st.Adjustments)
		if err != nil {
			return nil, err
		}
		p["corrects"], p["dispute"], p["adjustments"], p["change_fen"] = st.Corrects, st.Dispute, string(adj), changeFen
		p[bizlog.CommitField("adjustments", st.Alg())] = st.AdjustmentsDigest
	}
	return p, nil
}

// FromEntry reads the statement an issued or correction entry records
// (see Payload).
func FromEntry(e *bizlog.Entry) (*Statement, error) {
	var p struct {
		ID                string `json:"statement"`
		Month             string `json:"month"`
		From              string `json:"from"`
		Demander          string `json:"demander"`
		Supplier          string `json:"supplier"`
		TotalFen          int64  `json:"total_fen"`
		LinesSHA256       string `json:"lines_sha256"`
		LinesSM3          string `json:"lines_sm3"`
		Lines             string `json:"lines"`
		Corrects          string `json:"corrects"`
		Dispute           string `json:"dispute"`
		Adjustments       string `json:"adjustments"`
		AdjustmentsSHA256 string `json:"adjustments_sha256"`
		AdjustmentsSM3    string `json:"adjustments_sm3"`
	}
	if e.Kind != KindIssued && e.Kind != KindCorrected {
		return nil, fmt.Errorf("entry %d is %s, not a statement", e.Seq, e.Kind)
	}
	bad := errs.New(errs.Invalid, "entry", fmt.Sprintf("业务日志第 %d 条结算单记录无法读取", e.Seq), fmt.Sprintf("log entry %d is a statement that cannot be read", e.Seq))
	if err := json.Unmarshal(e.Payload, &p); err != nil || p.ID == "" || (e.Kind == KindCorrected) != (p.Corrects != "") ||
		(p.LinesSHA256 == "") == (p.LinesSM3 == "") || (p.LinesSM3 == "" && p.AdjustmentsSM3 != "") || (p.LinesSHA256 == "" && p.AdjustmentsSHA256 != "") {
		return nil, bad // one hash, named once
	}
	st := &Statement{ID: p.ID, Month: p.Month, From: p.From, Demander: p.Demander, Supplier: p.Supplier, TotalFen: p.TotalFen,
		Hash: digest.SHA256, LinesDigest: p.LinesSHA256, Corrects: p.Corrects, Dispute: p.Dispute, AdjustmentsDigest: p.AdjustmentsSHA256}
	if p.LinesSM3 != "" {
		st.Hash, st.LinesDigest, st.AdjustmentsDigest = digest.SM3, p.LinesSM3, p.AdjustmentsSM3
	}
	if err := json.Unmarshal([]byte(p.Lines), &st.Lines); err != nil {
		return nil, bad
	}
	if p.Corrects != "" {
		if err := json.Unmarshal([]byte(p.Adjustments), &st.Adjustments); err != nil || len(st.Adjustments) == 0 {
			return nil, bad
		}
	}
	return st, nil
}

// Same reports whether two statements agree line for line, naming the
// first difference.
func Same(want, got *Statement) error {
	switch {
	case want.ID != got.ID || want.Month != got.Month || want.From != got.From || want.Demander != got.Demander || want.Supplier != got.Supplier:
		return fmt.Errorf("statement %s: another pair or month", got.ID)
	case want.TotalFen != got.TotalFen:
		return fmt.Errorf("statement %s: total %d fen, the log's deliveries make %d", got.ID, got.TotalFen, want.TotalFen)
	case got.LinesDigest != LinesHash(got.Alg(), got.Lines):
		return fmt.Errorf("statement %s: its lines do not match their hash", got.ID)
	case LinesHash(got.Alg(), want.Lines) != got.LinesDigest:
		return fmt.Errorf("statement %s: its lines differ from the log's deliveries", got.ID)
	}
	return nil
}

// Summary is one member's month across its statements: what it owes as
// demander and is owed as supplier, by the statements in force.
type Summary struct {
	Member     string `json:"member"`
	Month      string `json:"month"`
	PayableFen int64  `json:"payable_fen"`
	DueFen     int64  `json:"due_fen"`
	Statements int    `json:"statements"`
}

// NetFen is what the member is owed less what it owes.
func (s Summary) NetFen() int64 { return s.DueFen - s.PayableFen }

// Summaries are the members' summaries of sts, by month then member: each
// chain counted once, by its latest statement (one that no other of sts
// corrects).
func Summaries(sts []*Statement) []Summary {
	corrected := map[string]bool{}
	for _, st := range sts {
		if st.Corrects != "" {
			corrected[st.Corrects] = true
		}
	}
	byKey := map[[2]string]*Summary{}
	add := func(month, member string, payable, due int64) {
		s := byKey[[2]string{month, member}]
		if s == nil {
			s = &Summary{Member: member, Month: month}
			byKey[[2]string{month, member}] = s
		}
		s.PayableFen += payable
		s.DueFen += due
		s.Statements++
	}
	for _, st := range sts {
		if corrected[st.ID] {
			continue
		}
		add(st.Month, st.Demander, st.TotalFen, 0)
		add(st.Month, st.Supplier, 0, st.TotalFen)
	}
	out := make([]Summary, 0, len(byKey))
	for _, s := range byKey {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b Summary) int {
		if c := strings.Compare(a.Month, b.Month); c != 0 {
			return c
		}
		return strings.Compare(a.Member, b.Member)
	})
	return out
}
