// Package server runs a member node's HTTP service: health, metrics and the
// node console, on one listener, with graceful shutdown. Its Main is started
// on ":0" by end-to-end tests exactly as by the binary.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hulian/internal/httpserve"
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
	srv     *httpserve.Server
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
	if m.srv, err = httpserve.Listen(cfg.Listen, m.Handler(), m.logger); err != nil {
		n.Close()
		return nil, err
	}
	return m, nil
}

// Addr is the address the node listens on.
func (m *Main) Addr() string { return m.srv.Addr() }

// URL is the node console's base URL.
func (m *Main) URL() string { return "http://" + m.Addr() }

// Integrated is closed once the start-up integration attempt has finished.
func (m *Main) Integrated() <-chan struct{} { return m.integrated }

// Run serves until ctx is done, then shuts down gracefully; on start it
// tries the integration step in the background.
func (m *Main) Run(ctx context.Context) error {
	m.logger.Info("node listening", "addr", m.Addr(), "db", m.Node.DB.Engine(), "member", m.Node.MemberID(), "platform", m.Node.PlatformURL())
	go m.autoIntegrate(ctx)
	err := m.srv.Serve(ctx)
	m.logger.Info("node stopped")
	<-m.integrated
	return err
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
	m.srv.Close()
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
	return httpserve.Observe(m.Metrics, "hulian_node", m.logger, secureHeaders(mux))
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
