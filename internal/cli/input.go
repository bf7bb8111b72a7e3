package cli

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// inputFile is a data file opened for streaming: gzip-compressed files
// (recognised by their first bytes, whatever their name) are decompressed
// as they are read, and the bytes read from disk are counted for progress.
type inputFile struct {
	io.Reader
	f    *os.File
	read atomic.Int64 // bytes read from the file (compressed bytes for gzip)
	size int64
}

func (in *inputFile) countRead(p []byte) (int, error) {
	n, err := in.f.Read(p)
	in.read.Add(int64(n))
	return n, err
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// openDataFile opens path, named by the flag field, for streaming.
func openDataFile(field, path string) (*inputFile, error) {
	f, err := scanOpenFile(path)
	if err != nil {
		return nil, err
	}
	in := &inputFile{f: f, size: -1}
	if st, err := f.Stat(); err == nil {
		in.size = st.Size()
	}
	br := bufio.NewReaderSize(readFunc(in.countRead), 1<<16)
	magic, _ := br.Peek(2)
	in.Reader = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, errs.Invalidf(field, "不是有效的 gzip 文件："+path, "not a valid gzip file: "+path)
		}
		in.Reader = &gzipErrors{gz, field}
	}
	return in, nil
}

func (in *inputFile) Close() error { return in.f.Close() }

// gzipErrors names the file when its compressed stream is broken part way.
type gzipErrors struct {
	r     *gzip.Reader
	field string
}

func (g *gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = &errs.Error{Kind: errs.Invalid, Field: g.field, Reason: i18n.T("gzip 压缩数据损坏或不完整", "the gzip data is corrupt or cut short"), Err: err}
	}
	return n, err
}

// rowProgress shows how far a long read has come: a bar over the file's
// bytes on a terminal, a plain line every few seconds otherwise.
type rowProgress struct {
	in    *inputFile
	bar   *progressbar.ProgressBar
	w     io.Writer
	lang  i18n.Lang
	what  i18n.Text
	start time.Time
	last  time.Time
	rows  int64
}

func newRowProgress(env *Env, in *inputFile, what i18n.Text) *rowProgress {
	p := &rowProgress{in: in, w: env.Stderr, lang: env.Lang, what: what, start: time.Now(), last: time.Now()}
	if f, ok := env.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(in.size, progressbar.OptionSetWriter(f), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription(what.In(env.Lang)), progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionThrottle(200*time.Millisecond))
	}
	return p
}

func (p *rowProgress) update(rows int64) {
	p.rows = rows
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("%s %d %s", p.what.In(p.lang), rows, i18n.T("行", "rows").In(p.lang)))
		p.bar.Set64(p.in.read.Load())
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 5*time.Second {
		p.last = now
		p.line(now)
	}
}

// line is the plain progress line: rows, rate and the share of the file.
func (p *rowProgress) line(now time.Time) {
	rate := float64(p.rows) / max(now.Sub(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "%s %d %s (%.0f %s)", p.what.In(p.lang), p.rows, i18n.T("行", "rows").In(p.lang), rate, i18n.T("行/秒", "rows/s").In(p.lang))
	if p.in.size > 0 {
		fmt.Fprintf(p.w, ", %.0f%%", 100*float64(p.in.read.Load())/float64(p.in.size))
	}
	fmt.Fprintln(p.w)
}

// done ends the bar, or writes the last line: the whole file's rows and
// rate, for the logs.
func (p *rowProgress) done() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.w)
		return
	}
	if p.rows > 0 {
		p.line(time.Now())
	}
}
