package consent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
	"hulian/internal/protocol/exid"
)

// The member's systems feed the ledger in batches from a CSV file with a
// header row:
//
//	exid, purpose, action, basis, notice_version, method, evidence, at[, separate, minor, guardian]
//
// at is RFC 3339 or "YYYY-MM-DD HH:MM[:SS]" in Beijing time; the flags are
// true/false, 1/0, yes/no or 是/否 (empty is false). Every row is checked —
// against the notice it names and against the histories as the rows above
// it leave them — before any is stored; one bad row is named by its line
// and column and nothing is written. The good file is stored in one
// transaction.

// ImportColumns are the file's required columns.
var ImportColumns = []string{"exid", "purpose", "action", "basis", "notice_version", "method", "evidence", "at"}

// MaxImportRows bounds one file: larger feeds are split.
const MaxImportRows = 1_000_000

// Imported counts an import.
type Imported struct {
	Rows     int
	ByAction map[string]int
}

var cst = time.FixedZone("CST", 8*3600)

func parseFlag(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "0", "no", "否", "n":
		return false, nil
	case "true", "1", "yes", "是", "y":
		return true, nil
	}
	return false, errs.Invalidf("", "须为 true 或 false", "must be true or false")
}

// ParseTime reads an event's time: RFC 3339, or a Beijing wall time.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339, s)
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if err == nil {
			break
		}
		t, err = time.ParseInLocation(layout, s, cst)
	}
	if err != nil {
		return time.Time{}, errs.Invalidf("at", "时间须为 RFC 3339 或北京时间“年-月-日 时:分[:秒]”", "the time must be RFC 3339 or Beijing time \"YYYY-MM-DD HH:MM[:SS]\"")
	}
	if t.Year() < 2000 {
		return time.Time{}, errs.Invalidf("at", "时间早于 2000 年，请检查", "the time is before 2000: check it")
	}
	return t, nil
}

// parseRow reads one row's event.
func parseRow(get func(string) string) (*Input, error) {
	in := &Input{Purpose: strings.TrimSpace(get("purpose")), Action: strings.TrimSpace(get("action")), Basis: strings.TrimSpace(get("basis")),
		Method: strings.TrimSpace(get("method")), Evidence: get("evidence")}
	id, err := exid.Parse(strings.TrimSpace(get("exid")))
	if err != nil {
		return nil, errs.Invalidf("exid", "不是有效的 exID", "not a valid exID")
	}
	in.ExID = id[:]
	if in.NoticeVersion, err = strconv.Atoi(strings.TrimSpace(get("notice_version"))); err != nil || in.NoticeVersion < 1 {
		return nil, errs.Invalidf("notice_version", "须为隐私告知的版本号（正整数）", "must be the notice's version (a positive integer)")
	}
	if in.At, err = ParseTime(get("at")); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		col string
		to  *bool
	}{{"separate", &in.Separate}, {"minor", &in.Minor}, {"guardian", &in.Guardian}} {
		if *f.to, err = parseFlag(get(f.col)); err != nil {
			return nil, errs.Invalidf(f.col, "须为 true 或 false", "must be true or false")
		}
	}
	return in, nil
}

// Import reads a file of events and records them all, or none.
func (l *Ledger) Import(ctx context.Context, name string, r io.Reader, enc scan.Encoding, by string) (*Imported, error) {
	inFile := func(err error) error {
		var e *errs.Error
		if errors.As(err, &e) {
			c := *e
			c.Field = name + ": " + c.Field
			if e.Field == "" {
				c.Field = name
			}
			return &c
		}
		return errs.Invalidf(name, "无法读取同意记录文件："+err.Error(), "cannot read the consent file: "+err.Error())
	}
	rd, err := scan.NewReader(r, enc)
	if err != nil {
		return nil, inFile(err)
	}
	idx := map[string]int{}
	for _, c := range append(append([]string{}, ImportColumns...), "separate", "minor", "guardian") {
		if i, err := rd.Column(c); err == nil {
			idx[c] = i
		}
	}
	for _, c := range ImportColumns {
		if _, ok := idx[c]; !ok {
			have := strings.Join(rd.Header, ", ")
			return nil, inFile(errs.Invalidf(c, "缺少这一列；表头的列为："+have, "this column is missing; the header has: "+have))
		}
	}
	var ins []Input
	var lines []int
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, inFile(err)
		}
		if len(ins) == MaxImportRows {
			return nil, inFile(errs.Invalidf("", fmt.Sprintf("一个文件至多 %d 行，请拆分", MaxImportRows), fmt.Sprintf("a file holds at most %d rows; split it", MaxImportRows)))
		}
		get := func(c string) string {
			if i, ok := idx[c]; ok && i < len(row) {
				return row[i]
			}
			return ""
		}
		in, err := parseRow(get)
		if err != nil {
			return nil, inFile(atRow(err, rd.Row()))
		}
		ins, lines = append(ins, *in), append(lines, rd.Row())
	}
	if len(ins) == 0 {
		return nil, inFile(errs.Invalidf("", "文件没有数据行", "the file has no rows"))
	}
	out := &Imported{Rows: len(ins), ByAction: map[string]int{}}
	err = l.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		evs, err := l.prepare(ctx, tx, ins, by, func(i int, err error) error { return inFile(atRow(err, lines[i])) })
		if err != nil {
			return err
		}
		for _, e := range evs {
			out.ByAction[e.Action]++
		}
		if err := l.append(ctx, tx, evs); err != nil {
			return err
		}
		return tx.Record(ctx, nodestore.EventConsentImported, fmt.Sprintf("%s: %d events", name, len(evs)))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// atRow places a row's error at its file line, keeping its kind and
// reason; an error without a field is about the row's action.
func atRow(err error, line int) error {
	var e *errs.Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Row = line
	if c.Field == "" {
		c.Field = "action"
	}
	return &c
}
