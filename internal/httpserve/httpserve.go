// Package httpserve is what the platform and the member nodes share about
// serving HTTP: a listener with sane timeouts, graceful shutdown, and the
// middleware that logs, counts and survives every request.
package httpserve

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ShutdownGrace is how long in-flight requests get to finish on shutdown.
const ShutdownGrace = 20 * time.Second

// Server is an HTTP server on an open listener.
type Server struct {
	ln     net.Listener
	srv    *http.Server
	logger *slog.Logger
	tls    bool
}

// Listen opens addr (":0" picks a free port) for h.
func Listen(addr string, h http.Handler, logger *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return &Server{ln: ln, logger: logger, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request, body included, and a whole response must
		// finish in these: generous for a batch chunk of tens of
		// megabytes on a slow line, finite for a sender that trickles.
		ReadTimeout:    10 * time.Minute,
		WriteTimeout:   15 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		IdleTimeout:    2 * time.Minute,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}, nil
}

// UseTLS serves TLS with cfg on the listener; call it before Serve.
func (s *Server) UseTLS(cfg *tls.Config) {
	s.ln = tls.NewListener(s.ln, cfg)
	s.srv.TLSConfig = cfg
	s.tls = true
}

// URL is the server's base URL, https:// under TLS.
func (s *Server) URL() string {
	if s.tls {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// Addr is the address listened on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx is done, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ServeAll serves each server that is not nil until ctx is done or one
// of them fails, then shuts them all down.
func ServeAll(ctx context.Context, servers ...*Server) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(servers))
	n := 0
	for _, s := range servers {
		if s == nil {
			continue
		}
		n++
		go func() {
			err := s.Serve(ctx)
			cancel()
			errc <- err
		}()
	}
	var first error
	for range n {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ListenMetrics serves reg's metrics at /metrics on addr: a listener of
// its own, kept off the public one, for the operator's monitoring.
func ListenMetrics(addr string, reg *prometheus.Registry, logger *slog.Logger) (*Server, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s, err := Listen(addr, mux, logger)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return s, nil
}

// Close closes the listener of a server that is not serving.
func (s *Server) Close() error { return s.ln.Close() }

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type annotations struct{ attrs []any }

type annotationsKey struct{}

// Annotate adds attributes to the log line of the request whose context
// ctx is (or derives from), e.g. the actor once authentication knows it.
func Annotate(ctx context.Context, attrs ...any) {
	if a, ok := ctx.Value(annotationsKey{}).(*annotations); ok {
		a.attrs = append(a.attrs, attrs...)
	}
}

// Observe logs each request, counts it in reg as <prefix>_http_requests_total
// and <prefix>_http_request_seconds, and turns a panic into a 500 without
// taking the process down. Only the path is logged, never the query or the
// body, which may carry credentials or identifiers; handlers add attributes
// with Annotate.
func Observe(reg *prometheus.Registry, prefix string, logger *slog.Logger, next http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: prefix + "_http_requests_total", Help: "HTTP requests by method and status."}, []string{"method", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: prefix + "_http_request_seconds", Help: "HTTP request latency.", Buckets: prometheus.DefBuckets}, []string{"method"})
	reg.MustRegister(requests, latency)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		notes := &annotations{}
		r = r.WithContext(context.WithValue(r.Context(), annotationsKey{}, notes))
		defer func() {
			if p := recover(); p != nil {
				logger.Error("panic serving request", "path", r.URL.Path, "panic", p)
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			requests.WithLabelValues(r.Method, strconv.Itoa(sw.status)).Inc()
			latency.WithLabelValues(r.Method).Observe(d.Seconds())
			level := slog.LevelInfo
			if r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
				level = slog.LevelDebug
			}
			args := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes, "ms", d.Milliseconds()}
			args = append(args, notes.attrs...)
			logger.Log(r.Context(), level, "request", args...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// Health answers a health check: "ok" when check, bounded to two seconds,
// finds the database answering, 503 otherwise (logged with the cause). The
// platform and the node each say what answering means for them.
func Health(logger *slog.Logger, check func(ctx context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := check(ctx); err != nil {
			logger.Error("health check failed", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	}
}

// Ready answers a readiness check with check's JSON detail: 200 when the
// service can serve every request, 503 (logged) when not. Unlike /healthz,
// it checks that writes are possible, which is what a load balancer needs
// to know before sending traffic.
func Ready(logger *slog.Logger, check func(ctx context.Context) (ok bool, detail fmt.Stringer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		ok, detail := check(ctx)
		b, err := json.Marshal(detail)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			logger.Error("not ready", "detail", detail.String())
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		w.Write(append(b, '\n'))
	}
}
