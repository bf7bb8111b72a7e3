package scan

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese" // GB18030 is a superset of GBK and GB2312, the encodings Chinese spreadsheet tools export by default
	"golang.org/x/text/transform"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// MaxCell is the largest cell accepted. Tag values are short; a cell larger
// than this is a broken export (an unclosed quote swallowing the file, a
// blob) and is refused before it can exhaust memory.
const MaxCell = 1 << 20

// maxRecord bounds the bytes the CSV parser may consume for one record, so
// that an unclosed quote cannot make it buffer the whole file.
const maxRecord = 16 * MaxCell

// sniffSize is how much of the file is examined to decide its encoding.
const sniffSize = 64 << 10

// Encoding says how a file that is not UTF-8 is treated.
type Encoding string

const (
	// EncodingAuto converts a GB18030/GBK file to UTF-8 and says so in
	// Reader.Notice.
	EncodingAuto Encoding = "auto"
	// EncodingUTF8 rejects anything that is not UTF-8.
	EncodingUTF8 Encoding = "utf-8"
	// EncodingGB18030 reads the file as GB18030 (and so GBK and GB2312).
	EncodingGB18030 Encoding = "gb18030"
)

// ParseEncoding reads an --encoding flag value.
func ParseEncoding(s string) (Encoding, error) {
	switch s {
	case "", "auto":
		return EncodingAuto, nil
	case "utf-8", "utf8", "UTF-8":
		return EncodingUTF8, nil
	case "gb18030", "gbk", "GB18030", "GBK":
		return EncodingGB18030, nil
	}
	return "", errs.Invalidf("encoding", fmt.Sprintf("未知的编码 %q，可选：auto、utf-8、gb18030", s), fmt.Sprintf("unknown encoding %q; one of: auto, utf-8, gb18030", s))
}

// Reader reads a CSV file with a header row, record by record, checking
// what the scanner and the gate rely on: a consistent number of columns,
// bounded cell size and valid UTF-8.
type Reader struct {
	Header []string
	// Notice, when not empty, tells the user something about the input that
	// did not stop the reading (a converted encoding).
	Notice i18n.Text

	csv   *csv.Reader
	limit *recordLimit
	line  int // the file line where the last record read starts
	next  int // the file line where the next record starts, for errors
}

// NewReader prepares r, reading the header row. The encoding is decided on
// the first 64 KiB: a UTF-8 byte-order mark is skipped, UTF-16 is refused,
// and invalid UTF-8 that decodes cleanly as GB18030 is converted (auto) or
// refused (utf-8) with the row where it starts.
func NewReader(r io.Reader, enc Encoding) (*Reader, error) {
	if enc == "" {
		enc = EncodingAuto
	}
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		if src, ok := errors.AsType[*errs.Error](err); ok {
			return nil, src // the source says why (a broken gzip stream)
		}
		return nil, &errs.Error{Kind: errs.Invalid, Reason: i18n.T("无法读取文件", "cannot read the file"), Err: err}
	}
	var src io.Reader = br
	rd := &Reader{}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		head = head[3:]
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, errs.Invalidf("", "文件是 UTF-16 编码，请另存为 UTF-8 CSV", "the file is UTF-16; save it as UTF-8 CSV")
	}
	if enc == EncodingGB18030 {
		src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	} else if bad := invalidUTF8At(head, len(head) == sniffSize); bad >= 0 {
		line := lineOf(head, bad)
		if enc == EncodingAuto && cleanGB18030(head) {
			src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
			rd.Notice = i18n.T("文件不是 UTF-8，已按 GB18030（GBK）编码转换读取", "the file is not UTF-8; it was read as GB18030 (GBK) and converted")
		} else {
			e := errs.Invalidf("", "文件不是有效的 UTF-8（也不是 GB18030/GBK），请另存为 UTF-8 CSV", "the file is not valid UTF-8 (nor GB18030/GBK); save it as UTF-8 CSV")
			if cleanGB18030(head) {
				e = errs.Invalidf("", "文件不是 UTF-8，看起来是 GBK/GB18030 编码；请另存为 UTF-8，或使用 --encoding gb18030", "the file is not UTF-8 but looks like GBK/GB18030; save it as UTF-8 or use --encoding gb18030")
			}
			return nil, e.AtRow(line)
		}
	}
	rd.limit = &recordLimit{r: src}
	rd.csv = csv.NewReader(rd.limit)
	rd.csv.FieldsPerRecord = -1 // checked here, to name the row and column
	rd.csv.ReuseRecord = true
	rd.next = 1
	hdr, err := rd.read()
	if errors.Is(err, io.EOF) {
		return nil, errs.Invalidf("", "文件为空，缺少表头行", "the file is empty; a header row is required")
	}
	if err != nil {
		return nil, err
	}
	rd.Header = append([]string(nil), hdr...)
	seen := make(map[string]bool, len(hdr))
	for i, h := range rd.Header {
		if !utf8.ValidString(h) {
			return nil, errs.Invalidf(fmt.Sprintf("#%d", i+1), "表头不是有效的 UTF-8", "the header is not valid UTF-8")
		}
		if seen[h] {
			return nil, errs.Invalidf(h, "表头中列名重复", "the column name appears twice in the header").AtRow(rd.line)
		}
		seen[h] = true
	}
	return rd, nil
}

// Column returns the index of the named column, or an error naming it and
// the columns the header has.
func (rd *Reader) Column(name string) (int, error) {
	for i, h := range rd.Header {
		if h == name {
			return i, nil
		}
	}
	have := strings.Join(rd.Header, ", ")
	return -1, errs.Invalidf(name, "表头中没有这一列；表头的列为："+have, "no such column in the header; the header has: "+have).AtRow(rd.line)
}

// Row is the line of the file where the record last returned by Next
// starts, counted as people count them: the header is line 1, the first
// data row usually line 2. A cell with line breaks inside quotes makes the
// following records start further down.
func (rd *Reader) Row() int { return rd.line }

// Next returns the next data row. The slice is reused by the following call.
// At the end it returns io.EOF; any other error is an *errs.Error naming the
// row and, where it applies, the column.
func (rd *Reader) Next() ([]string, error) {
	rec, err := rd.read()
	if err != nil {
		return nil, err
	}
	if len(rec) != len(rd.Header) {
		if len(rec) < len(rd.Header) {
			return nil, errs.Invalidf(rd.Header[len(rec)], fmt.Sprintf("该行只有 %d 列，表头有 %d 列", len(rec), len(rd.Header)), fmt.Sprintf("the row has %d columns, the header %d", len(rec), len(rd.Header))).AtRow(rd.line)
		}
		return nil, errs.Invalidf(fmt.Sprintf("#%d", len(rd.Header)+1), fmt.Sprintf("该行有 %d 列，表头只有 %d 列", len(rec), len(rd.Header)), fmt.Sprintf("the row has %d columns, the header only %d", len(rec), len(rd.Header))).AtRow(rd.line)
	}
	for i, c := range rec {
		if len(c) > MaxCell {
			return nil, errs.Invalidf(rd.Header[i], fmt.Sprintf("单元格过大（%d 字节，上限 %d）", len(c), MaxCell), fmt.Sprintf("cell too large (%d bytes, limit %d)", len(c), MaxCell)).AtRow(rd.line)
		}
		if !utf8.ValidString(c) {
			return nil, errs.Invalidf(rd.Header[i], "单元格不是有效的 UTF-8；文件可能混用了 GBK 编码，请整体另存为 UTF-8", "the cell is not valid UTF-8; the file may mix in GBK; save it all as UTF-8").AtRow(rd.line)
		}
	}
	return rec, nil
}

func (rd *Reader) read() ([]string, error) {
	rd.limit.n = 0
	rec, err := rd.csv.Read()
	if err == nil {
		rd.line, _ = rd.csv.FieldPos(0)
		last, _ := rd.csv.FieldPos(len(rec) - 1)
		rd.next = last + 1
		return rec, nil
	}
	if errors.Is(err, io.EOF) {
		return rec, err
	}
	row := rd.next
	if errors.Is(err, errRecordTooLarge) {
		return nil, errs.Invalidf("", fmt.Sprintf("该行超过 %d 字节（可能有未闭合的引号）", maxRecord), fmt.Sprintf("the row exceeds %d bytes (an unclosed quote?)", maxRecord)).AtRow(row)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		// The row is where the record starts; the error itself may be some
		// lines further down, inside a quoted cell.
		e := &errs.Error{Kind: errs.Invalid, Reason: i18n.T(
			fmt.Sprintf("CSV 格式错误（第 %d 行第 %d 个字符）：%v", pe.Line, pe.Column, pe.Err),
			fmt.Sprintf("malformed CSV (line %d, character %d): %v", pe.Line, pe.Column, pe.Err)), Err: err}
		if rd.Header == nil {
			e.Field = "header"
		}
		return nil, e.AtRow(pe.StartLine)
	}
	if src, ok := errors.AsType[*errs.Error](err); ok {
		return nil, src.AtRow(row) // the source says why (a broken gzip stream)
	}
	return nil, &errs.Error{Kind: errs.Invalid, Reason: i18n.T("读取文件失败", "reading the file failed"), Err: err, Row: row}
}

var errRecordTooLarge = errors.New("record too large")

// recordLimit fails a read once one record has consumed maxRecord bytes.
type recordLimit struct {
	r io.Reader
	n int
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.n > maxRecord {
		return 0, errRecordTooLarge
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

// invalidUTF8At returns the offset of the first invalid UTF-8 sequence in b,
// or -1. A sequence cut by the end of a truncated sample is not invalid.
func invalidUTF8At(b []byte, truncated bool) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			if truncated && len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
				return -1
			}
			return i
		}
		i += size
	}
	return -1
}

// cleanGB18030 reports whether b decodes as GB18030 without replacement
// characters (a cut multi-byte sequence at the end is tolerated).
func cleanGB18030(b []byte) bool {
	out, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), b)
	if err != nil {
		return false
	}
	n := bytes.Count(out, []byte("\uFFFD"))
	if n == 0 {
		return true
	}
	return n == 1 && bytes.HasSuffix(out, []byte("\uFFFD")) && len(b) == sniffSize
}

// lineOf returns the file line holding offset off.
func lineOf(b []byte, off int) int {
	return bytes.Count(b[:off], []byte{'\n'}) + 1
}
