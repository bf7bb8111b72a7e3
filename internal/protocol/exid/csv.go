package exid

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"hulian/internal/compliance/scan"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/protocol/ident"
)

// Job is a batch translation of one CSV file (X-E3: suppliers translate
// their whole base offline). Input and output may be gzip-compressed (by a
// .gz name). The raw ID column is dropped from the output unless KeepRaw;
// rows whose ID fails normalisation go to the reject file with the row
// number and the reason.
type Job struct {
	In      string
	Out     string
	Rejects string // default: Out with ".rejects.csv"
	Column  string // the raw ID column
	KeepRaw bool
	Batch   int // IDs per platform request, default 2000
	Workers int // requests in flight, default 4
	// Progress, if set, is called after each batch is safely written.
	Progress func(Progress)
}

// Progress counts a translation's work so far.
type Progress struct {
	Rows       int64 // data rows done (translated or rejected)
	Translated int64
	Rejected   int64
	InBytes    int64 // input bytes read (compressed bytes for .gz)
	InSize     int64
	Resumed    int64 // rows skipped because an earlier run finished them
}

// checkpoint is the progress file beside the output. After an interruption,
// a rerun of the same job truncates the outputs to the checkpoint and goes
// on from the next row, so no issuance is spent twice on finished rows.
type checkpoint struct {
	Version    int    `json:"version"`
	Input      string `json:"input"` // identity of the input: size and a hash of its start
	Column     string `json:"column"`
	Type       string `json:"type"`
	Epoch      int    `json:"epoch"`
	KeepRaw    bool   `json:"keep_raw"`
	Rows       int64  `json:"rows"`
	Translated int64  `json:"translated"`
	Rejected   int64  `json:"rejected"`
	OutBytes   int64  `json:"out_bytes"`
	RejBytes   int64  `json:"rejects_bytes"`
}

func (j *Job) defaults() {
	if j.Rejects == "" {
		j.Rejects = strings.TrimSuffix(strings.TrimSuffix(j.Out, ".gz"), ".csv") + ".rejects.csv"
	}
	if j.Batch <= 0 || j.Batch > 10_000 {
		j.Batch = 2000
	}
	if j.Workers <= 0 {
		j.Workers = 4
	}
}

func progressPath(out string) string { return out + ".progress" }

// inputIdentity fingerprints the input so that a checkpoint is only used
// for the same file: its size and the SHA-256 of its first MiB.
func inputIdentity(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	if _, err := io.CopyN(h, f, 1<<20); err != nil && !errors.Is(err, io.EOF) {
		return "", 0, err
	}
	return strconv.FormatInt(st.Size(), 10) + ":" + hex.EncodeToString(h.Sum(nil)), st.Size(), nil
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// sink is an output file that can be cut back to a checkpoint. A .gz output
// is written as a series of gzip members, one closed at every checkpoint:
// a file cut at a member boundary is still a valid gzip stream.
type sink struct {
	f   *os.File
	buf *bufio.Writer
	gz  *gzip.Writer
	csv *csv.Writer
}

// OpenResumable opens an output file of a resumable job: truncated when
// starting afresh, or cut back to resumeAt (the size at the last
// checkpoint) and positioned there when resuming, so that rows written
// after the checkpoint are written again exactly once.
func OpenResumable(path string, resumeAt int64, resume bool) (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE
	if !resume {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	if resume {
		if err := f.Truncate(resumeAt); err != nil {
			f.Close()
			return nil, err
		}
		if _, err := f.Seek(resumeAt, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

func openSink(path string, resumeAt int64, resume bool) (*sink, error) {
	f, err := OpenResumable(path, resumeAt, resume)
	if err != nil {
		return nil, err
	}
	s := &sink{f: f, buf: bufio.NewWriterSize(f, 256<<10)}
	var w io.Writer = s.buf
	if strings.HasSuffix(path, ".gz") {
		s.gz = gzip.NewWriter(s.buf)
		w = s.gz
	}
	s.csv = csv.NewWriter(w)
	return s, nil
}

// sync makes everything written so far durable and returns the file size.
func (s *sink) sync() (int64, error) {
	s.csv.Flush()
	if err := s.csv.Error(); err != nil {
		return 0, err
	}
	if s.gz != nil {
		if err := s.gz.Close(); err != nil {
			return 0, err
		}
		s.gz.Reset(s.buf)
	}
	if err := s.buf.Flush(); err != nil {
		return 0, err
	}
	if err := s.f.Sync(); err != nil {
		return 0, err
	}
	return s.f.Seek(0, io.SeekCurrent)
}

func (s *sink) close() error {
	// sync closes the last gzip member; the writer it resets has written
	// nothing (gzip writes a header lazily), so no empty member follows.
	_, err := s.sync()
	return errors.Join(err, s.f.Close())
}

// chunk is one batch of rows on its way through the pipeline.
type chunk struct {
	seq     int64
	first   int64 // row number of the first row
	rows    [][]string
	rejects map[int]error // position in rows → normalisation error
	b       *batch
}

// TranslateCSV runs a Job. It streams: memory stays bounded by the batch
// size and the number of workers, whatever the file's size.
func (t *Translator) TranslateCSV(ctx context.Context, j Job) (Progress, error) {
	j.defaults()
	var p Progress
	identity, size, err := inputIdentity(j.In)
	if err != nil {
		return p, errs.Invalidf("--in", "无法读取输入文件："+err.Error(), "cannot read the input file: "+err.Error())
	}
	p.InSize = size
	cp := checkpoint{Version: 1, Input: identity, Column: j.Column, Type: string(t.Type), Epoch: t.Epoch, KeepRaw: j.KeepRaw}
	resume := false
	if b, err := os.ReadFile(progressPath(j.Out)); err == nil {
		var old checkpoint
		if json.Unmarshal(b, &old) == nil && old.Version == cp.Version && old.Input == cp.Input && old.Column == cp.Column &&
			old.Type == cp.Type && old.Epoch == cp.Epoch && old.KeepRaw == cp.KeepRaw {
			cp, resume = old, true
		}
	}

	f, err := os.Open(j.In)
	if err != nil {
		return p, errs.Invalidf("--in", "无法打开输入文件："+err.Error(), "cannot open the input file: "+err.Error())
	}
	defer f.Close()
	counter := &countingReader{r: f}
	var src io.Reader = counter
	if strings.HasSuffix(j.In, ".gz") {
		gz, err := gzip.NewReader(counter)
		if err != nil {
			return p, errs.Invalidf("--in", "不是有效的 gzip 文件", "not a valid gzip file")
		}
		defer gz.Close()
		src = gz
	}
	rd, err := scan.NewReader(src, scan.EncodingAuto)
	if err != nil {
		return p, err
	}
	col, err := rd.Column(j.Column)
	if err != nil {
		have := strings.Join(rd.Header, ", ")
		return p, errs.Invalidf("--column", fmt.Sprintf("输入文件 %s 的表头中没有列 %s；表头的列为：%s", j.In, j.Column, have),
			fmt.Sprintf("the input %s has no column %s; its header has: %s", j.In, j.Column, have))
	}
	for _, h := range rd.Header {
		if h == "exid" {
			return p, errs.Invalidf("--in", "输入文件已有 exid 列", "the input already has an exid column")
		}
	}

	out, err := openSink(j.Out, cp.OutBytes, resume)
	if err != nil {
		return p, errs.Invalidf("--out", "无法写入输出文件："+err.Error(), "cannot write the output file: "+err.Error())
	}
	defer out.f.Close()
	rej, err := openSink(j.Rejects, cp.RejBytes, resume)
	if err != nil {
		return p, errs.Invalidf("--rejects", "无法写入拒绝文件："+err.Error(), "cannot write the reject file: "+err.Error())
	}
	defer rej.f.Close()
	if !resume {
		hdr := make([]string, 0, len(rd.Header)+1)
		for i, h := range rd.Header {
			if i != col || j.KeepRaw {
				hdr = append(hdr, h)
			}
		}
		out.csv.Write(append(hdr, "exid"))
		rej.csv.Write([]string{"row", j.Column, "reason"})
	} else {
		p.Resumed = cp.Rows
		for i := int64(0); i < cp.Rows; i++ {
			if _, err := rd.Next(); err != nil {
				return p, errs.Invalidf("--in", "续传时输入文件比记录的短，请删除 "+progressPath(j.Out)+" 后重新开始", "on resuming, the input is shorter than recorded; delete "+progressPath(j.Out)+" to start over")
			}
		}
	}
	p.Rows, p.Translated, p.Rejected = cp.Rows, cp.Translated, cp.Rejected

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan *chunk, j.Workers)
	done := make(chan *chunk, j.Workers)
	readErr := make(chan error, 1)
	go func() { readErr <- t.produce(ctx, rd, col, j.Batch, cp.Rows, work) }()
	workErr := make(chan error, 1)
	go func() {
		workErr <- parallel(ctx, j.Workers, work, func(ctx context.Context, c *chunk) error {
			if err := t.run(ctx, c.b); err != nil {
				return err
			}
			select {
			case done <- c:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		close(done)
	}()

	pending := map[int64]*chunk{}
	var next int64
	var writeErr error
	for c := range done {
		if writeErr != nil {
			continue
		}
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if writeErr = t.write(c, col, j.KeepRaw, out, rej, &cp); writeErr != nil {
				cancel(writeErr)
				break
			}
			if writeErr = saveCheckpoint(j.Out, out, rej, &cp); writeErr != nil {
				cancel(writeErr)
				break
			}
			p.Rows, p.Translated, p.Rejected, p.InBytes = cp.Rows, cp.Translated, cp.Rejected, counter.n.Load()
			if j.Progress != nil {
				j.Progress(p)
			}
		}
	}
	errW, errR := <-workErr, <-readErr
	for _, err := range []error{writeErr, errR, errW} {
		if err != nil && !errors.Is(err, context.Canceled) {
			return p, err
		}
	}
	if err := ctx.Err(); err != nil {
		return p, context.Cause(ctx)
	}
	if err := errors.Join(out.close(), rej.close()); err != nil {
		return p, err
	}
	p.InBytes = counter.n.Load()
	// Finished: the progress file has served its purpose.
	os.Remove(progressPath(j.Out))
	return p, nil
}

// produce reads rows, normalises their IDs and cuts them into chunks.
func (t *Translator) produce(ctx context.Context, rd *scan.Reader, col, size int, first int64, work chan<- *chunk) error {
	defer close(work)
	var seq int64
	row := first
	for {
		c := &chunk{seq: seq, first: row + 1, rejects: map[int]error{}, b: newBatch(size)}
		for len(c.rows) < size {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			row++
			i := len(c.rows)
			c.rows = append(c.rows, append([]string(nil), rec...))
			canon, err := ident.Normalize(t.Type, rec[col])
			if err != nil {
				c.rejects[i] = err
				continue
			}
			c.b.add(i, ident.Input(t.Type, canon))
		}
		if len(c.rows) == 0 {
			return nil
		}
		select {
		case work <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		seq++
	}
}

func (t *Translator) write(c *chunk, col int, keepRaw bool, out, rej *sink, cp *checkpoint) error {
	ids := make(map[int]ExID, len(c.b.index))
	for k, i := range c.b.index {
		ids[i] = c.b.out[k]
	}
	rec := make([]string, 0, 16)
	for i, r := range c.rows {
		row := c.first + int64(i)
		if err, bad := c.rejects[i]; bad {
			reason := err.Error()
			var e *errs.Error
			if errors.As(err, &e) {
				reason = e.Reason.In(i18n.ZH) + " / " + e.Reason.In(i18n.EN)
			}
			if err := rej.csv.Write([]string{strconv.FormatInt(row, 10), r[col], reason}); err != nil {
				return err
			}
			cp.Rejected++
			continue
		}
		rec = rec[:0]
		for k, v := range r {
			if k != col || keepRaw {
				rec = append(rec, v)
			}
		}
		if err := out.csv.Write(append(rec, ids[i].String())); err != nil {
			return err
		}
		cp.Translated++
	}
	cp.Rows += int64(len(c.rows))
	return nil
}

func saveCheckpoint(out string, o, r *sink, cp *checkpoint) error {
	var err error
	if cp.OutBytes, err = o.sync(); err != nil {
		return err
	}
	if cp.RejBytes, err = r.sync(); err != nil {
		return err
	}
	b, _ := json.Marshal(cp)
	tmp := progressPath(out) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, progressPath(out))
}
