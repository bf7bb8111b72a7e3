package demo

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"hulian/internal/i18n"
)

// narrator prints the walkthrough in the user's language: a numbered
// heading per step and indented lines of what happened.
type narrator struct {
	mu    sync.Mutex
	w     io.Writer
	lang  i18n.Lang
	total int
}

func (n *narrator) t(zh, en string) string { return i18n.T(zh, en).In(n.lang) }

// heading announces step i of the walkthrough.
func (n *narrator) heading(i int, title i18n.Text) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "\n[%2d/%d] %s\n", i, n.total, title.In(n.lang))
}

// say prints one line of a step, in the user's language; zh and en are
// format strings over the same arguments.
func (n *narrator) say(zh, en string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "       %s\n", fmt.Sprintf(n.t(zh, en), args...))
}

// line prints text as is, indented like say.
func (n *narrator) line(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, "       %s\n", s)
}

// plain prints text without indentation.
func (n *narrator) plain(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintln(n.w, s)
}

// yuan renders fen as yuan with two decimals and thousands separators.
func yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := fmt.Sprintf("¥%s.%02d", thousands(fen/100), fen%100)
	if neg {
		s = "-" + s
	}
	return s
}

// thousands renders n with comma separators.
func thousands[T ~int | ~int64 | ~uint64 | ~uint32](n T) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate renders a throughput.
func rate(n int, d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	return thousands(int64(float64(n) / d.Seconds()))
}

// secs renders a duration in seconds with one decimal.
func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// mask shows a mobile number as people are used to seeing it in
// reports: the middle four digits hidden.
func mask(n string) string {
	if len(n) != 11 {
		return "***"
	}
	return n[:3] + "****" + n[7:]
}
