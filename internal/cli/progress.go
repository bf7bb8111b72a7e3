package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"hulian/internal/errs"
	"hulian/internal/i18n"
)

// progress shows how far a long job over an input file has come: a bar
// over the file's bytes on a terminal, a plain line every five seconds
// otherwise (for logs), and messages such as a wait for the platform in
// the bar or on a line of their own. Its methods may be called from
// several goroutines.
type progress struct {
	mu    sync.Mutex
	bar   *progressbar.ProgressBar
	w     io.Writer
	lang  i18n.Lang
	what  i18n.Text
	size  int64 // the input's bytes, or ≤ 0 when unknown
	start time.Time
	last  time.Time
	// the figures last reported
	rows, fresh, bytes int64
	note               string
}

// newProgress starts the progress of what over an input of size bytes.
func newProgress(env *Env, what i18n.Text, size int64) *progress {
	p := &progress{w: env.Stderr, lang: env.Lang, what: what, size: size, start: time.Now(), last: time.Now()}
	if f, ok := env.Stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(max(size, -1), progressbar.OptionSetWriter(f), progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription(what.In(env.Lang)), progressbar.OptionSetPredictTime(true),
			progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionThrottle(200*time.Millisecond))
	}
	return p
}

// fileSize is the size of the file at path, or -1.
func fileSize(path string) int64 {
	if st, err := os.Stat(path); err == nil {
		return st.Size()
	}
	return -1
}

// update reports rows done, fresh of them done by this run (the rate
// counts those: rows a resumed run skipped cost nothing), bytes of the
// input read, and notes in the user's language ("3 rejected").
func (p *progress) update(rows, fresh, bytes int64, notes ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rows, p.fresh, p.bytes, p.note = rows, fresh, bytes, strings.Join(notes, ", ")
	if p.bar != nil {
		desc := fmt.Sprintf("%s %d %s", p.what.In(p.lang), rows, i18n.T("行", "rows").In(p.lang))
		if p.note != "" {
			desc += ", " + p.note
		}
		p.bar.Describe(desc)
		p.bar.Set64(bytes)
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 5*time.Second {
		p.last = now
		p.line(now)
	}
}

// line is the plain progress line: rows, rate, the share of the input and
// the notes. The caller holds p.mu.
func (p *progress) line(now time.Time) {
	rate := float64(p.fresh) / max(now.Sub(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "%s %d %s (%.0f %s)", p.what.In(p.lang), p.rows, i18n.T("行", "rows").In(p.lang), rate, i18n.T("行/秒", "rows/s").In(p.lang))
	if p.size > 0 {
		fmt.Fprintf(p.w, ", %.0f%%", 100*float64(p.bytes)/float64(p.size))
	}
	if p.note != "" {
		fmt.Fprint(p.w, ", "+p.note)
	}
	fmt.Fprintln(p.w)
}

// say shows msg: in the bar, or on a line of its own.
func (p *progress) say(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Describe(msg)
		return
	}
	fmt.Fprintln(p.w, msg)
}

// done ends the bar; without one, with summary it writes a last line of
// the whole input's rows and rate, for the logs.
func (p *progress) done(summary bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.w)
		return
	}
	if summary && p.rows > 0 {
		p.line(time.Now())
	}
}

// waitMessage says that the platform is unavailable and when the work is
// sent again.
func waitMessage(lang i18n.Lang, err error, next time.Duration) string {
	return fmt.Sprintf(i18n.T("等待平台恢复（%s），%.0f 秒后重试", "waiting for the platform (%s); retrying in %.0f s").In(lang), errs.Message(err, lang), next.Seconds())
}
