package httpserve

import (
	"net/http"
	"time"

	"hulian/internal/errs"
)

// Bodies from callers not yet known — an application for membership, a
// login form — are small; the largest a real one needs is a few KiB.
// MaxAnonymousBody caps them far below the limits signed calls get, and
// AnonymousReaders caps how many are read at once, so that however many
// connections a stranger opens, their bodies cost the server at most
// AnonymousReaders × MaxAnonymousBody (16 MiB, plus a buffer's slack).
const (
	MaxAnonymousBody = 64 << 10
	AnonymousReaders = 256
	anonymousWait    = 5 * time.Second
)

// AnonymousGate admits anonymous requests with a body, a bounded number at
// a time.
type AnonymousGate struct {
	slots chan struct{}
	wait  time.Duration
}

// NewAnonymousGate returns a gate for AnonymousReaders requests at once.
func NewAnonymousGate() *AnonymousGate {
	return &AnonymousGate{slots: make(chan struct{}, AnonymousReaders), wait: anonymousWait}
}

// Enter caps r's body at MaxAnonymousBody and takes one of the gate's
// places for as long as the request is served; release gives it back. A
// request that finds every place taken for the whole wait is answered
// "busy, retry" (unavailable) without its body being read. Requests
// without a body (GET, HEAD) pass freely.
func (g *AnonymousGate) Enter(w http.ResponseWriter, r *http.Request) (release func(), err error) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.ContentLength == 0 {
		return func() {}, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxAnonymousBody)
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	case <-t.C:
		return nil, errs.New(errs.Unavailable, "", "服务器繁忙，请稍后重试", "the server is busy; retry shortly")
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}
