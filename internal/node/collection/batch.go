package collection

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/ident"
)

// BatchInput is one batch collected under a plan: when, by whom, where,
// from which source and by which method, and its rows (CSV with a header
// naming the plan's fields).
type BatchInput struct {
	PlanID    string
	Collected time.Time
	Collector string
	Place     string
	Source    string
	Method    string
	In        io.Reader
	Encoding  scan.Encoding
	// Out, if set, receives the cleaned, de-duplicated rows (CSV, UTF-8).
	Out io.Writer
	// KeyColumn identifies a person, for de-duplication and consistency;
	// the plan's first identifier field when empty.
	KeyColumn string
	// ChannelColumn, if set, names the channel a row came from: the same
	// person's values are compared across channels (C-8).
	ChannelColumn string
	By            string
}

// FieldQuality is one field's figures in a batch.
type FieldQuality struct {
	Name    string `json:"name"`
	Filled  int64  `json:"filled"`  // rows kept with a value
	Invalid int64  `json:"invalid"` // values refused at validation
	// Inconsistent counts people whose value differs between channels.
	Inconsistent int64 `json:"inconsistent,omitempty"`
}

// RowProblem is a row refused at validation: its line and field, never its
// value.
type RowProblem struct {
	Line  int    `json:"line"`
	Field string `json:"field"`
	ZH    string `json:"zh"`
	EN    string `json:"en"`
}

// Quality is a batch's quality report (C-8).
type Quality struct {
	Fields []FieldQuality `json:"fields"`
	// Problems lists the first rows refused (at most maxProblems).
	Problems []RowProblem `json:"problems,omitempty"`
	// Channels counts kept rows per channel; Multi the people seen in more
	// than one.
	Channels map[string]int64 `json:"channels,omitempty"`
	Multi    int64            `json:"people_in_several_channels,omitempty"`
}

// maxProblems bounds the rows listed in a report.
const maxProblems = 100

// Record validates, cleans and de-duplicates a batch under an approved
// plan, writes the cleaned rows to Out, and records the batch with its
// quality report. A batch outside an approved plan — the plan not
// approved, retired or not in force on the day, a method or source the
// plan does not name, a column it does not list, a required field missing
// — is refused before a row is read, and nothing is recorded.
func (s *Plans) Record(ctx context.Context, in BatchInput) (*nodestore.Batch, *Quality, error) {
	p, err := s.Get(ctx, strings.TrimSpace(in.PlanID))
	if err != nil {
		return nil, nil, err
	}
	if p.Status != Approved {
		return nil, nil, errs.New(errs.FailedPrecondition, "--plan", "采集计划 "+p.ID+" 未经批准（"+p.Status+"），不能在其下采集", "collection plan "+p.ID+" is not approved ("+p.Status+"); nothing may be collected under it")
	}
	if in.Collected.IsZero() {
		in.Collected = s.N.Now()
	}
	day := calendar.DateOf(in.Collected).String()
	if day < p.ValidFrom || day > p.ValidUntil {
		return nil, nil, errs.New(errs.FailedPrecondition, "--at", fmt.Sprintf("采集日期 %s 不在计划的有效期 %s 至 %s 之内", day, p.ValidFrom, p.ValidUntil),
			fmt.Sprintf("the collection date %s is outside the plan's term, %s to %s", day, p.ValidFrom, p.ValidUntil))
	}
	if !slices.Contains(p.Methods, in.Method) {
		return nil, nil, errs.Invalidf("--method", "计划未列出采集方式 "+in.Method+"；计划的方式："+strings.Join(p.Methods, ", "), "the plan names no method "+in.Method+"; its methods: "+strings.Join(p.Methods, ", "))
	}
	if !slices.Contains(p.Sources, strings.TrimSpace(in.Source)) {
		return nil, nil, errs.Invalidf("--source", "计划未列出数据来源 "+in.Source+"；计划的来源："+strings.Join(p.Sources, "、"), "the plan names no source "+in.Source+"; its sources: "+strings.Join(p.Sources, ", "))
	}
	for _, f := range []struct{ flag, v string }{{"--collector", in.Collector}, {"--place", in.Place}} {
		if v := strings.TrimSpace(f.v); v == "" || utf8.RuneCountInString(v) > 200 {
			return nil, nil, errs.Invalidf(f.flag, "须写明（最长 200 字）", "required (at most 200 characters)")
		}
	}

	rd, err := scan.NewReader(in.In, in.Encoding)
	if err != nil {
		return nil, nil, err
	}
	fields := make([]*nodestore.PlanField, len(rd.Header))
	for i, h := range rd.Header {
		at := slices.IndexFunc(p.Fields, func(f nodestore.PlanField) bool { return f.Name == strings.TrimSpace(h) })
		if at < 0 {
			return nil, nil, errs.Invalidf(h, "批次中的列「"+h+"」不在采集计划中：计划外的数据不得采集", "the batch's column "+h+" is not in the collection plan: nothing outside the plan may be collected")
		}
		if slices.ContainsFunc(fields[:i], func(f *nodestore.PlanField) bool { return f.Name == p.Fields[at].Name }) {
			return nil, nil, errs.Invalidf(h, "列「"+h+"」出现两次", "the column "+h+" appears twice")
		}
		fields[i] = &p.Fields[at]
	}
	for _, f := range p.Fields {
		if f.Required && !slices.ContainsFunc(fields, func(g *nodestore.PlanField) bool { return g.Name == f.Name }) {
			return nil, nil, errs.Invalidf(f.Name, "批次缺少计划中的必填字段「"+f.Name+"」", "the batch lacks the plan's required field "+f.Name)
		}
	}
	column := func(flag, name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		i := slices.IndexFunc(fields, func(f *nodestore.PlanField) bool { return f.Name == name })
		if i < 0 {
			return -1, errs.Invalidf(flag, "批次中没有列「"+name+"」", "the batch has no column "+name)
		}
		return i, nil
	}
	if in.KeyColumn == "" {
		if i := slices.IndexFunc(fields, func(f *nodestore.PlanField) bool { return f.IDType != "" }); i >= 0 {
			in.KeyColumn = fields[i].Name
		}
	}
	key, err := column("--key-column", in.KeyColumn)
	if err != nil {
		return nil, nil, err
	}
	channel, err := column("--channel-column", in.ChannelColumn)
	if err != nil {
		return nil, nil, err
	}

	q := &Quality{Fields: make([]FieldQuality, len(fields))}
	for i, f := range fields {
		q.Fields[i].Name = f.Name
	}
	if channel >= 0 {
		q.Channels = map[string]int64{}
	}
	alg := s.N.Digest()
	h := alg.New()
	var w *csv.Writer
	if in.Out != nil {
		w = csv.NewWriter(io.MultiWriter(in.Out, h))
	} else {
		w = csv.NewWriter(h)
	}
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = f.Name
	}
	w.Write(header)
	b := &nodestore.Batch{ID: auth.NewID("cbt_"), PlanID: p.ID, Collected: in.Collected.UTC(), Collector: strings.TrimSpace(in.Collector),
		Place: strings.TrimSpace(in.Place), Source: strings.TrimSpace(in.Source), Method: in.Method, RecordedBy: in.By}
	seen := map[string]bool{}       // key (and channel) → kept
	values := map[string][]string{} // key → the first channel's values, for consistency
	inconsistent := map[string][]bool{}
	channels := map[string]map[string]bool{}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		b.RowsIn++
		line := rd.Row()
		row := make([]string, len(fields))
		bad := false
		for i, f := range fields {
			v := ""
			if i < len(rec) {
				v = strings.TrimSpace(rec[i])
			}
			switch {
			case v == "" && f.Required:
				bad = true
				q.Fields[i].Invalid++
				q.problem(line, f.Name, "必填字段为空", "a required field is empty")
			case v != "" && f.IDType != "":
				n, err := ident.Normalize(ident.Type(f.IDType), v)
				if err != nil {
					bad = true
					q.Fields[i].Invalid++
					q.problem(line, f.Name, "不是有效的"+f.IDType+"："+errs.Message(err, "zh-CN"), "not a valid "+f.IDType+": "+errs.Message(err, "en"))
					continue
				}
				v = n
			}
			row[i] = v
		}
		if bad {
			b.RowsInvalid++
			continue
		}
		if key >= 0 && row[key] != "" {
			k := row[key]
			dedup := k
			if channel >= 0 {
				dedup = k + "\x00" + row[channel]
			}
			if seen[dedup] {
				b.Duplicates++
				continue
			}
			seen[dedup] = true
			if channel >= 0 {
				if channels[k] == nil {
					channels[k] = map[string]bool{}
				}
				channels[k][row[channel]] = true
				if first, ok := values[k]; ok {
					for i := range fields {
						if i != key && i != channel && first[i] != row[i] {
							if inconsistent[k] == nil {
								inconsistent[k] = make([]bool, len(fields))
							}
							inconsistent[k][i] = true
						}
					}
				} else {
					values[k] = row
				}
			}
		}
		for i, v := range row {
			if v != "" {
				q.Fields[i].Filled++
			}
		}
		if channel >= 0 {
			q.Channels[row[channel]]++
		}
		b.RowsKept++
		w.Write(row)
	}
	for _, cs := range channels {
		if len(cs) > 1 {
			q.Multi++
		}
	}
	for _, marks := range inconsistent {
		for i, m := range marks {
			if m {
				q.Fields[i].Inconsistent++
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, nil, errs.New(errs.FailedPrecondition, "--out", "无法写出清洗后的数据："+err.Error(), "cannot write the cleaned rows: "+err.Error())
	}
	b.OutputSHA256, b.OutputHashAlg = hex.EncodeToString(h.Sum(nil)), string(alg)
	if b.Quality, err = json.Marshal(q); err != nil {
		return nil, nil, err
	}
	err = s.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		// The plan may have been retired while the batch was read.
		now, err := tx.PlanByID(ctx, p.ID)
		if err != nil {
			return err
		}
		if now.Status != Approved {
			return errs.New(errs.FailedPrecondition, "--plan", "采集计划已不在批准状态", "the collection plan is no longer approved")
		}
		b.Recorded = tx.Now()
		if err := tx.InsertBatch(ctx, b); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventBatchRecord, fmt.Sprintf("%s plan=%s rows=%d kept=%d invalid=%d duplicates=%d by %s", b.ID, p.ID, b.RowsIn, b.RowsKept, b.RowsInvalid, b.Duplicates, in.By))
	})
	if err != nil {
		return nil, nil, err
	}
	return b, q, nil
}

func (q *Quality) problem(line int, field, zh, en string) {
	if len(q.Problems) < maxProblems {
		q.Problems = append(q.Problems, RowProblem{Line: line, Field: field, ZH: zh, EN: en})
	}
}

// Batches lists the batches recorded under a plan, or all, the latest
// first.
func (s *Plans) Batches(ctx context.Context, plan string, limit int) (out []*nodestore.Batch, err error) {
	err = s.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { out, err = tx.Batches(ctx, plan, limit); return err })
	return out, err
}
