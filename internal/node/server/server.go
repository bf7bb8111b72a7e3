// Package server runs a member node's HTTP service: health, metrics, the
// answer endpoint and the node console (package console), on one listener, with graceful shutdown. Its Main is started
// on ":0" by end-to-end tests exactly as by the binary.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"hulian/internal/calendar"
	"hulian/internal/httpserve"
	"hulian/internal/node"
	"hulian/internal/node/apitoken"
	"hulian/internal/node/consent"
	"hulian/internal/node/consentapi"
	"hulian/internal/node/console"
	"hulian/internal/node/datause"
	"hulian/internal/node/demand"
	"hulian/internal/node/privacy"
	"hulian/internal/node/staff"
	"hulian/internal/node/supply"
	"hulian/internal/tlsfiles"
)

// Config is a node server's configuration.
type Config struct {
	Listen string // address, e.g. "127.0.0.1:8081" or ":0"
	Node   node.Config
	// NoAutoIntegrate stops Run from sending the integration request when
	// the platform reports the account opened.
	NoAutoIntegrate bool
	// PublicURL is the base URL the platform reaches this node's
	// AnswerService at (--public-url). Empty: the node's own URL when it
	// listens on a loopback address, else no endpoint is registered.
	PublicURL string
	// SecureCookies marks the console's session cookie Secure, for a node
	// console served over HTTPS.
	SecureCookies bool
	// MaintainEvery is the period of the retention sweep; a minute if 0.
	MaintainEvery time.Duration
	// TLS serves HTTPS (--tls-cert, --tls-key, reloaded when they change);
	// with a client CA (--client-ca), the answer endpoint requires a
	// client certificate from it (the platform's).
	TLS tlsfiles.Server
	// AnswerListen, when set, serves the answer endpoint on an address of
	// its own (--answer-listen) and not on Listen, so that the console can
	// stay on loopback while the platform reaches the answers.
	AnswerListen string
	// MetricsListen is where /metrics is served (--metrics-listen), apart
	// from the other listeners; empty: not served.
	MetricsListen string
	// IndexMemory and DatasetMemory bound, in bytes, the orders' token
	// indexes and the dataset versions the node keeps in memory
	// (--index-memory, --dataset-memory; supply.SetMemory); 0: defaults.
	IndexMemory, DatasetMemory int64
}

// Main is a running member node.
type Main struct {
	cfg    Config
	Node   *node.Node
	Supply *supply.Side // the supplier's side: datasets and answers
	Demand *demand.Side // the demander's side: queries and deliveries kept
	Staff  *staff.Staff // who may log in to the console
	// Privacy is the privacy centre for the people in the member's data.
	Privacy *privacy.Centre
	// Uses governs the member's own use of the data (applications,
	// grants, exports, the read monitor).
	Uses    *datause.Uses
	Metrics *prometheus.Registry
	logger  *slog.Logger
	srv     *httpserve.Server
	answers *httpserve.Server // nil without AnswerListen
	metrics *httpserve.Server // nil without MetricsListen
	// integrated is closed when the start-up integration attempt is over,
	// whatever its outcome; tests wait on it.
	integrated chan struct{}
	// endpoint is closed when the first endpoint registration attempt is
	// over; swept after each retention sweep is done (for tests).
	endpoint chan struct{}
	swept    chan struct{}

	handlerOnce sync.Once
	handler     http.Handler
}

// Open opens the node (database, keys) and the listener.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.Node.Logger == nil {
		cfg.Node.Logger = slog.New(slog.DiscardHandler)
	}
	var serverTLS *tls.Config
	if cfg.TLS.Enabled() || cfg.TLS.ClientCA != "" {
		var err error
		if serverTLS, err = cfg.TLS.Config(cfg.Node.Logger); err != nil {
			return nil, err
		}
		cfg.SecureCookies = true
	}
	n, err := node.Open(ctx, cfg.Node)
	if err != nil {
		return nil, err
	}
	m := &Main{cfg: cfg, Node: n, Supply: supply.New(n), Demand: demand.New(n), Staff: staff.New(n.DB), Privacy: privacy.New(n), Metrics: prometheus.NewRegistry(), logger: cfg.Node.Logger, integrated: make(chan struct{}),
		endpoint: make(chan struct{}), swept: make(chan struct{}, 1)}
	m.Staff.Logger = m.logger
	m.Supply.SetMemory(cfg.IndexMemory, cfg.DatasetMemory)
	m.Privacy.Supplied = m.Supply.SuppliedOf
	// Alerts of abnormal reads go to the console and, when
	// HULIAN_NODE_SECURITY_WEBHOOK names one, to security staff's own
	// endpoint.
	m.Uses = datause.New(n)
	m.Uses.Webhook = os.Getenv("HULIAN_NODE_SECURITY_WEBHOOK")
	// Requests from the privacy centre are due in working days: the
	// holiday calendar of HULIAN_HOLIDAYS over the embedded one.
	if m.Privacy.Calendar, err = calendar.FromEnv(); err != nil {
		n.Close()
		return nil, err
	}
	// Entry by a one-time code: the senders HULIAN_PRIVACY_SMTP,
	// HULIAN_PRIVACY_SMS_URL or HULIAN_PRIVACY_OUTBOX configure; without
	// any, the centre opens from the member's app only.
	if m.Privacy.Senders, err = privacy.SendersFromEnv(os.Getenv); err != nil {
		n.Close()
		return nil, err
	}
	m.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.Node.DB.DB.FaultMetrics("hulian_node_db_errors_total"))
	if err := m.listen(serverTLS); err != nil {
		m.closeListeners()
		n.Close()
		return nil, err
	}
	return m, nil
}

// listen opens the console's listener and those of the answer endpoint
// and the metrics when they have their own.
func (m *Main) listen(serverTLS *tls.Config) (err error) {
	if m.srv, err = httpserve.Listen(m.cfg.Listen, m.Handler(), m.logger); err != nil {
		return err
	}
	if serverTLS != nil {
		m.srv.UseTLS(serverTLS)
	}
	if m.cfg.AnswerListen != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /healthz", httpserve.Health(m.logger, m.Node.DB.Ping))
		m.mountAnswer(mux)
		if m.answers, err = httpserve.Listen(m.cfg.AnswerListen, httpserve.Observe(m.Metrics, "hulian_node_answer", m.logger, mux), m.logger); err != nil {
			return fmt.Errorf("answer endpoint: %w", err)
		}
		if serverTLS != nil {
			m.answers.UseTLS(serverTLS)
		}
	}
	if m.cfg.MetricsListen != "" {
		m.metrics, err = httpserve.ListenMetrics(m.cfg.MetricsListen, m.Metrics, m.logger)
	}
	return err
}

func (m *Main) closeListeners() {
	for _, s := range []*httpserve.Server{m.srv, m.answers, m.metrics} {
		if s != nil {
			s.Close()
		}
	}
}

// MetricsURL is the base URL of the metrics listener, "" without one.
func (m *Main) MetricsURL() string {
	if m.metrics == nil {
		return ""
	}
	return m.metrics.URL()
}

// AnswerURL is the base URL of the answer endpoint's own listener, or of
// the console's when it has none.
func (m *Main) AnswerURL() string {
	if m.answers != nil {
		return m.answers.URL()
	}
	return m.URL()
}

// Addr is the address the node listens on.
func (m *Main) Addr() string { return m.srv.Addr() }

// URL is the node console's base URL.
func (m *Main) URL() string { return m.srv.URL() }

// Integrated is closed once the start-up integration attempt has finished.
func (m *Main) Integrated() <-chan struct{} { return m.integrated }

// EndpointTried is closed once the first attempt to register the node's
// answer endpoint has finished.
func (m *Main) EndpointTried() <-chan struct{} { return m.endpoint }

// Swept receives after each retention sweep.
func (m *Main) Swept() <-chan struct{} { return m.swept }

// Run serves until ctx is done, then shuts down gracefully; on start it
// tries the integration step, then registers the answer endpoint, in the
// background, and runs the retention sweep every minute. It stops with an
// error if the platform presents another verifier key than the pinned one.
func (m *Main) Run(ctx context.Context) error {
	m.logger.Info("node listening", "addr", m.Addr(), "db", m.Node.DB.Engine(), "member", m.Node.MemberID(), "platform", m.Node.PlatformURL())
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go m.autoIntegrate(ctx)
	bg := make(chan struct{})
	go func() {
		defer close(bg)
		m.background(ctx, cancel)
	}()
	err := httpserve.ServeAll(ctx, m.srv, m.answers, m.metrics)
	m.logger.Info("node stopped")
	<-m.integrated
	<-bg
	if cause := context.Cause(ctx); node.IsVerifierKeyChanged(cause) {
		return cause
	}
	return err
}

// publicURL is the endpoint to register: --public-url, or the node's own
// URL when it listens on a loopback address (a node on one machine with
// its platform, as in a demonstration).
func (m *Main) publicURL() string {
	if m.cfg.PublicURL != "" {
		return m.cfg.PublicURL
	}
	u, _ := url.Parse(m.AnswerURL())
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
		return m.AnswerURL()
	}
	return ""
}

// linked says whether the node knows its member and platform (it may learn
// them while it runs).
func (m *Main) linked() bool { return m.Node.PlatformURL() != "" && m.Node.MemberID() != "" }

// background registers the answer endpoint once the member is active
// (retrying every period until it is), keeps the datasets' current
// versions and the active orders' token indexes ready, and sweeps
// deliveries past their retention deadline, on start and every period.
func (m *Main) background(ctx context.Context, stop context.CancelCauseFunc) {
	every := m.cfg.MaintainEvery
	if every <= 0 {
		every = time.Minute
	}
	select {
	case <-m.integrated:
	case <-ctx.Done():
		close(m.endpoint)
		return
	}
	registered := !m.linked()
	url := m.publicURL()
	if url == "" && !registered {
		m.logger.Warn("no --public-url and not listening on a loopback address: the node registers no answer endpoint and cannot answer deliveries as a supplier")
		registered = true
	}
	first := true
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if !registered {
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			ok, err := m.Node.RegisterEndpointIfActive(rctx, url)
			cancel()
			switch {
			case node.IsVerifierKeyChanged(err):
				m.logger.Error("the platform's verifier key differs from the pinned one; stopping", "err", err)
				stop(err)
			case err != nil:
				m.logger.Warn("answer endpoint not registered yet; retrying", "url", url, "err", err)
			case ok:
				registered = true
				m.logger.Info("registered the answer endpoint with the platform", "url", url)
			}
		}
		if first {
			close(m.endpoint)
			first = false
		}
		sctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		// The current versions are kept loaded, so that no order's first
		// batch waits for one.
		if werr := m.Supply.Warm(sctx); werr != nil && ctx.Err() == nil {
			m.logger.Warn("a dataset version could not be loaded ahead of its first request", "err", werr)
		}
		// So are the token indexes of the member's active orders as
		// supplier: an order's first batch costs what later ones do.
		if m.linked() {
			p, perr := m.Supply.PrepareOrders(sctx)
			if perr != nil && ctx.Err() == nil {
				m.logger.Warn("an order's token index could not be built ahead of its first request", "err", perr)
			}
			if p.Built > 0 {
				m.logger.Info("built orders' token indexes ahead of their first request", "built", p.Built, "ready", p.Ready, "skipped", p.Skipped)
			}
		}
		s, err := m.Demand.SweepDeliveries(sctx)
		err = errors.Join(err, m.Supply.PruneNonces(sctx))
		if n, serr := m.Supply.DropStaleStages(sctx); serr != nil {
			err = errors.Join(err, serr)
		} else if n > 0 {
			m.logger.Info("dropped what interrupted imports staged and did not take up again", "batches", n)
		}
		if m.linked() {
			err = errors.Join(err, m.rectify(sctx))
		}
		cancel()
		if err != nil && ctx.Err() == nil {
			m.logger.Error("retention sweep failed", "err", err)
		} else if s.Destroyed > 0 || s.Attested > 0 {
			m.logger.Info("retention sweep", "destroyed", s.Destroyed, "files", s.FilesDeleted, "attested", s.Attested, "unattested", s.Unattested)
		}
		select {
		case m.swept <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rectify sends the notices of corrections and deletions the node's data
// calls for, and applies those sent to it.
func (m *Main) rectify(ctx context.Context) error {
	out, err := m.Supply.Rectify(ctx)
	if out.Made > 0 || out.Sent > 0 {
		m.logger.Info("correction and deletion notices sent", "made", out.Made, "people", out.Subjects, "sent", out.Sent, "unsent", out.Unsent)
	}
	in, aerr := m.Demand.ApplyRectifications(ctx)
	if in.Notices > 0 || in.Attested > 0 {
		m.logger.Info("correction and deletion notices applied", "notices", in.Notices, "rows", in.Applied, "absent", in.Absent, "attested", in.Attested)
	}
	return errors.Join(err, aerr)
}

// autoIntegrate completes onboarding step 4 on start when the platform says
// step 3 is done with this node's keys. A failure is only logged: the node
// still serves, and `hulian node integrate` retries by hand.
func (m *Main) autoIntegrate(ctx context.Context) {
	defer close(m.integrated)
	if m.cfg.NoAutoIntegrate || !m.linked() {
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
	m.closeListeners()
	return m.Node.Close()
}

// Handler is the node's whole HTTP surface, built once: its metrics are
// registered with the node's registry when it is built.
func (m *Main) Handler() http.Handler {
	m.handlerOnce.Do(func() { m.handler = m.buildHandler() })
	return m.handler
}

func (m *Main) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", httpserve.Health(m.logger, m.Node.DB.Ping))
	mux.Handle("GET /readyz", httpserve.Ready(m.logger, func(ctx context.Context) (bool, fmt.Stringer) {
		r := m.Node.DB.Ready(ctx)
		return r.OK(), r
	}))
	if m.cfg.AnswerListen == "" {
		m.mountAnswer(mux)
	}
	console.Mount(mux, console.Deps{Node: m.Node, Supply: m.Supply, Demand: m.Demand, Staff: m.Staff, Privacy: m.Privacy, Uses: m.Uses, Logger: m.logger, SecureCookies: m.cfg.SecureCookies})
	privacy.Mount(mux, m.Privacy, m.logger, m.cfg.SecureCookies)
	// The consent ledger's API for the member's own systems, with the
	// node's API tokens; receipts point to the node's public notice page.
	consentapi.Mount(mux, &consentapi.Service{Ledger: consent.New(m.Node), Tokens: &apitoken.Tokens{DB: m.Node.DB}, PolicyURL: "/privacy/notice"})
	return httpserve.Observe(m.Metrics, "hulian_node", m.logger, secureHeaders(mux))
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
