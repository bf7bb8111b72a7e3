// Package server runs a member node's HTTP service: health, metrics and the
// node console, on one listener, with graceful shutdown. Its Main is started
// on ":0" by end-to-end tests exactly as by the binary.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hulian/internal/node"
)

// Config is a node server's configuration.
type Config struct {
	Listen string // address, e.g. "127.0.0.1:8081" or ":0"
	Node   node.Config
	// NoAutoIntegrate stops Run from sending the integration request when
	// the platform reports the account opened.
	NoAutoIntegrate bool
}

// Main is a running member node.
type Main struct {
	cfg     Config
	Node    *node.Node
	Metrics *prometheus.Registry
	logger  *slog.Logger
	ln      net.Listener
	srv     *http.Server
	// integrated is closed when the start-up integration attempt is over,
	// whatever its outcome; tests wait on it.
	integrated chan struct{}
}

// Open opens the node (database, keys) and the listener.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.Node.Logger == nil {
		cfg.Node.Logger = slog.New(slog.DiscardHandler)
	}
	n, err := node.Open(ctx, cfg.Node)
	if err != nil {
		return nil, err
	}
	m := &Main{cfg: cfg, Node: n, Metrics: prometheus.NewRegistry(), logger: cfg.Node.Logger, integrated: make(chan struct{})}
	m.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.ln, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	m.srv = &http.Server{
		Handler:           m.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
	}
	return m, nil
}

// Addr is the address the node listens on.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// URL is the node console's base URL.
func (m *Main) URL() string { return "http://" + m.Addr() }

// Integrated is closed once the start-up integration attempt has finished.
func (m *Main) Integrated() <-chan struct{} { return m.integrated }

// Run serves until ctx is done, then shuts down gracefully: in-flight
// requests get up to 20 seconds to finish.
func (m *Main) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- m.srv.Serve(m.ln) }()
	m.logger.Info("node listening", "addr", m.Addr(), "db", m.Node.DB.Engine(), "member", m.Node.MemberID(), "platform", m.Node.PlatformURL())
	go m.autoIntegrate(ctx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.logger.Info("node shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := m.srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-m.integrated
	return nil
}

// autoIntegrate completes onboarding step 4 on start when the platform says
// step 3 is done with this node's keys. A failure is only logged: the node
// still serves, and `hulian node integrate` retries by hand.
func (m *Main) autoIntegrate(ctx context.Context) {
	defer close(m.integrated)
	if m.cfg.NoAutoIntegrate || m.Node.PlatformURL() == "" || m.Node.MemberID() == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	done, err := m.Node.IntegrateIfOpened(ctx)
	switch {
	case err != nil:
		m.logger.Warn("integration test not run; retry with `hulian node integrate`", "err", err)
	case done:
		m.logger.Info("integration test passed: onboarding complete", "member", m.Node.MemberID())
	}
}

// Close releases the listener and the database.
func (m *Main) Close() error {
	m.ln.Close()
	return m.Node.Close()
}

// Handler is the node's whole HTTP surface.
func (m *Main) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", m.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Metrics, promhttp.HandlerOpts{}))
	mux.Handle("GET /static/", http.FileServerFS(staticFS))
	mux.HandleFunc("GET /lang", switchLang)
	mux.HandleFunc("GET /{$}", m.console)
	return m.observe(secureHeaders(mux))
}

func (m *Main) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := m.Node.DB.Ping(ctx); err != nil {
		m.logger.Error("health check failed", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

type statusWriter struct {
	http.ResponseWriter
	status int
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
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs and counts each request and turns a panic into a 500.
func (m *Main) observe(next http.Handler) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hulian_node_http_requests_total", Help: "HTTP requests to the node by method and status."}, []string{"method", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hulian_node_http_request_seconds", Help: "Node HTTP request latency.", Buckets: prometheus.DefBuckets}, []string{"method"})
	m.Metrics.MustRegister(requests, latency)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				m.logger.Error("panic serving request", "path", r.URL.Path, "panic", p)
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
			// Paths only: queries may one day carry identifiers.
			m.logger.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", d.Milliseconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// secureHeaders keeps the console to its own origin: no scripts at all, no
// framing, no referrers leaking member IDs.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
