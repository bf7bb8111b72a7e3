// Package server runs the platform's HTTP service: the Connect API, the web
// console, health and metrics, on one listener, with graceful shutdown. Its
// Main is started on ":0" by end-to-end tests exactly as by the binary.
package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"hulian/internal/bizlog/logapi"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/httpserve"
	"hulian/internal/keyring"
	"hulian/internal/netguard"
	"hulian/internal/platform/api"
	"hulian/internal/platform/console"
	"hulian/internal/platform/exchange"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/store"
	"hulian/internal/platform/webhooks"
	"hulian/internal/sig"
	"hulian/internal/storage/sqlite"
	"hulian/internal/tlsfiles"
)

// Config is the platform's configuration.
type Config struct {
	Listen        string // address, e.g. "127.0.0.1:8080" or ":0"
	DB            string // database URL
	Logger        *slog.Logger
	SecureCookies bool             // set Secure on cookies; on when served over TLS by a proxy
	KEKEnv        string           // the key-encryption key from the environment (HULIAN_KEK), base64 or hex
	KEKFile       string           // --kek-file: a file holding the key-encryption key
	Checkpoints   logkeeper.Config // business-log checkpoint policy; zero values take the defaults
	Now           func() time.Time // the clock; tests stub it
	// Calendar is the holiday calendar settlement counts working days on:
	// the embedded one with HULIAN_HOLIDAYS loaded over it; the embedded
	// one if nil.
	Calendar *calendar.Calendar
	// SettlementClock, if set, is the clock settlement decides by — when
	// statements are due, when the dispute period ends, what today is for
	// invoices and payouts — apart from the clock that stamps records: the
	// demonstration moves it to the month's close. Production leaves it nil.
	SettlementClock func() time.Time
	// AllowEndpoints are networks the platform may call besides the public
	// internet (--allow-endpoints): members' answer endpoints there are
	// reached, elsewhere in loopback, private or link-local space refused.
	// Tests and the demonstration allow loopback.
	AllowEndpoints []netip.Prefix
	// TLS serves HTTPS (--tls-cert, --tls-key, reloaded when they change);
	// with a client CA (--client-ca), node-signed calls must also come
	// with a client certificate from it naming the member.
	TLS tlsfiles.Server
	// EndpointTLS is what the platform adds when it calls members' answer
	// endpoints: CAs to trust and the client certificate to present.
	EndpointTLS tlsfiles.Client
	// MetricsListen is where /metrics is served (--metrics-listen), apart
	// from the public listener; empty: not served.
	MetricsListen string
	// Crypto is the cryptography profile (--crypto): "default", or "gm"
	// for the 国密 profile — SM4-GCM for the sealed keys, SM2 with SM3 for
	// the log's signatures. It is fixed at the platform's first start;
	// empty keeps what is stored.
	Crypto string
}

// Main is a running platform.
type Main struct {
	cfg                Config
	DB                 *store.DB
	*exchange.Exchange // the platform's core and its rooms
	Metrics            *prometheus.Registry
	srv                *httpserve.Server
	metrics            *httpserve.Server     // nil without MetricsListen
	guard              *httpserve.LoginGuard // password attempts, console and API alike
	anonymous          *httpserve.AnonymousGate
}

// Open opens the database (applying migrations) and the listener.
func Open(ctx context.Context, cfg Config) (*Main, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.AllowEndpoints) > 0 {
		cfg.Logger.Warn("members' endpoints may be in these non-public networks; the platform will call them", "allow", fmt.Sprint(cfg.AllowEndpoints))
	}
	serverTLS, clientTLS, err := tlsConfigs(cfg)
	if err != nil {
		return nil, err
	}
	if serverTLS != nil {
		cfg.SecureCookies = true
	}
	db, err := store.Open(ctx, cfg.DB, store.Options{Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	m := &Main{guard: httpserve.NewLoginGuard(), anonymous: httpserve.NewAnonymousGate(), cfg: cfg, DB: db, Exchange: exchange.New(db, cfg.Logger, relay.NewNodeAnswerer(netguard.Policy{Allow: cfg.AllowEndpoints}, clientTLS)), Metrics: prometheus.NewRegistry()}
	if cfg.Calendar != nil {
		m.Exchange.Statements.Calendar = cfg.Calendar
	}
	if cfg.SettlementClock != nil {
		m.Exchange.Statements.Now, m.Exchange.Disputes.Now, m.Exchange.Payouts.Now = cfg.SettlementClock, cfg.SettlementClock, cfg.SettlementClock
	}
	m.Log.Config = cfg.Checkpoints
	if err := m.Platform.LoadReference(ctx); err != nil {
		db.Close()
		return nil, err
	}
	sealer, err := OpenSealer(ctx, db, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	m.Platform.UseSealer(sealer)
	if err := m.Issuer.Init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// A platform that cannot sign checkpoints cannot prove its log to the
	// regulator: refuse to start rather than run without.
	vkey, err := m.Log.EnsureKey(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	cfg.Logger.Info("business log verifier key", "key", vkey)
	m.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.DB.DB.FaultMetrics("hulian_db_errors_total"))
	if m.srv, err = httpserve.Listen(cfg.Listen, m.Handler(), cfg.Logger); err != nil {
		db.Close()
		return nil, err
	}
	if serverTLS != nil {
		m.srv.UseTLS(serverTLS)
	}
	if cfg.MetricsListen != "" {
		if m.metrics, err = httpserve.ListenMetrics(cfg.MetricsListen, m.Metrics, cfg.Logger); err != nil {
			m.srv.Close()
			db.Close()
			return nil, err
		}
	}
	return m, nil
}

// tlsConfigs reads the TLS files the configuration names: nil configs
// when it names none.
func tlsConfigs(cfg Config) (server, client *tls.Config, err error) {
	if cfg.TLS.Enabled() || cfg.TLS.ClientCA != "" {
		if server, err = cfg.TLS.Config(cfg.Logger); err != nil {
			return nil, nil, err
		}
	}
	client, err = cfg.EndpointTLS.Config(cfg.Logger)
	return server, client, err
}

// MetricsURL is the base URL of the metrics listener, "" without one.
func (m *Main) MetricsURL() string {
	if m.metrics == nil {
		return ""
	}
	return m.metrics.URL()
}

// Addr is the address the platform listens on.
func (m *Main) Addr() string { return m.srv.Addr() }

// URL is the platform's base URL.
func (m *Main) URL() string { return m.srv.URL() }

// WebhookInterval is how often the outbox is looked at for due webhook
// events: a member hears of an event within about this long.
var WebhookInterval = time.Second

// Run serves until ctx is done, then shuts down gracefully, making signed
// log checkpoints, recording ended orders, sending webhook events and
// issuing the month's statements when due and flagging overdue payouts in
// the background meanwhile.
func (m *Main) Run(ctx context.Context) error {
	cpCtx, stopCheckpoints := context.WithCancel(ctx)
	cpDone := make(chan struct{})
	go func() { m.Log.RunCheckpoints(cpCtx); close(cpDone) }()
	expDone := make(chan struct{})
	go func() { m.Market.RunOrderExpiry(cpCtx, time.Minute); close(expDone) }()
	hookDone := make(chan struct{})
	sender := webhooks.NewSender(m.DB, m.Exchange.Sealer(), netguard.Policy{Allow: m.cfg.AllowEndpoints}, m.cfg.Logger)
	go func() { sender.Run(cpCtx, WebhookInterval); close(hookDone) }()
	stmDone := make(chan struct{})
	go func() { settlementJobs(cpCtx, m.Exchange, 10*time.Minute, m.cfg.Logger); close(stmDone) }()
	defer func() { stopCheckpoints(); <-cpDone; <-expDone; <-hookDone; <-stmDone }()
	m.cfg.Logger.Info("platform listening", "addr", m.Addr(), "db", m.DB.Engine())
	err := httpserve.ServeAll(ctx, m.srv, m.metrics)
	m.cfg.Logger.Info("platform stopped")
	return err
}

// settlementJobs issues the month's statements when they are due and flags
// overdue payouts, every interval until ctx ends. Every replica runs them:
// each step's transaction makes it happen once.
func settlementJobs(ctx context.Context, x *exchange.Exchange, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := x.Statements.RunDue(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("statements: the month's run failed; retrying at the next tick", "err", err)
		}
		if _, err := x.Payouts.FlagOverdue(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("payouts: flagging overdue payouts failed; retrying at the next tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close releases the database.
func (m *Main) Close() error {
	m.srv.Close()
	if m.metrics != nil {
		m.metrics.Close()
	}
	return m.DB.Close()
}

// Handler is the platform's whole HTTP surface.
func (m *Main) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", httpserve.Health(m.cfg.Logger, func(ctx context.Context) error {
		return m.DB.Read(ctx, func(tx *store.Tx) error { _, err := tx.LogSize(ctx); return err })
	}))
	mux.Handle("GET /readyz", httpserve.Ready(m.cfg.Logger, func(ctx context.Context) (bool, fmt.Stringer) {
		r := m.DB.Ready(ctx)
		return r.OK(), r
	}))
	// Route groups, each in its own package, register their routes here.
	api.Mount(mux, m.Exchange)
	logapi.Mount(mux, m.Log)
	logapi.MountWitnesses(mux, m.Exchange.Witnesses)
	console.Mount(mux, m.Exchange, console.Options{SecureCookies: m.Config().SecureCookies, Logger: m.Logger(), Guard: m.guard})
	return httpserve.Observe(m.Metrics, "hulian", m.cfg.Logger, m.authenticate(mux))
}

// Logger returns the platform's logger.
func (m *Main) Logger() *slog.Logger { return m.cfg.Logger }

// Config returns the platform's configuration.
func (m *Main) Config() Config { return m.cfg }

// EnvKEK is the environment variable that may hold the platform's
// key-encryption key.
const EnvKEK = "HULIAN_KEK"

// OpenSealer loads the key-encryption key that seals the platform's keys in
// its database: HULIAN_KEK, else --kek-file, else (SQLite only) a key file
// generated beside the database, which is convenient on one machine and
// logged as a warning, since a copy of the folder then carries both. It
// seals with the platform's cryptography profile (SettleProfile).
func OpenSealer(ctx context.Context, db *store.DB, cfg Config) (keyring.Sealer, error) {
	profile, err := SettleProfile(ctx, db, cfg.Crypto)
	if err != nil {
		return nil, err
	}
	src := keyring.KEKSource{EnvName: EnvKEK, Env: cfg.KEKEnv, File: cfg.KEKFile}
	if path, err := sqlite.Path(cfg.DB); err == nil {
		src.Beside = path
	}
	kek, err := keyring.LoadKEK(src)
	if err != nil {
		return nil, err
	}
	if kek.Generated {
		cfg.Logger.Warn("generated a key-encryption key beside the database; keep a copy elsewhere and prefer HULIAN_KEK or --kek-file in production", "file", kek.Origin)
	}
	if kek.Loose {
		cfg.Logger.Warn("the key-encryption key file is readable by others; chmod 600 it", "file", kek.Origin)
	}
	if path, loose := sqlite.Loose(cfg.DB); loose {
		cfg.Logger.Warn("the database file is readable by other users; chmod 600 it and its -wal and -shm files", "file", path)
	}
	return keyring.ForAlgorithm(keyring.SealerOf(profile), kek.Key)
}

// SettleProfile returns the platform's cryptography profile: the one stored
// at its first start, which given (--crypto, "" for whatever is stored)
// must not contradict — the platform's keys are sealed and its log signed
// under it, and neither is re-done. A platform from before profiles were
// stored is of the profile its log key shows.
func SettleProfile(ctx context.Context, db *store.DB, given string) (string, error) {
	if strings.TrimSpace(given) != "" {
		if _, err := keyring.ParseProfile("--crypto", given); err != nil {
			return "", err
		}
	}
	var profile string
	err := db.Transact(ctx, func(tx *store.Tx) error {
		stored, err := tx.Setting(ctx, store.SettingCryptoProfile)
		if err != nil {
			return err
		}
		if stored == "" {
			if lk, err := tx.LogKey(ctx); err == nil {
				stored = keyring.ProfileDefault
				if alg, _ := sig.NoteAlgOf(lk.Verifier); alg == sig.SM2 {
					stored = keyring.ProfileGM
				}
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		want, err := keyring.ParseProfile("--crypto", given)
		if err != nil {
			return err
		}
		switch {
		case stored == "" && strings.TrimSpace(given) == "":
			// A new platform not told its profile: the default, fixed
			// when its log key is made (a command run before the first
			// start does not fix it).
			profile = keyring.ProfileDefault
			return nil
		case stored == "":
			stored = want
		case strings.TrimSpace(given) != "" && want != stored:
			return errs.Invalidf("--crypto", "该平台以 "+stored+" 密码配置部署，其密钥已按此封存、日志已按此签名，不能改为 "+want,
				"this platform was deployed with the "+stored+" cryptography profile: its keys are sealed and its log signed under it, and it cannot change to "+want)
		}
		profile = stored
		return tx.SetSetting(ctx, store.SettingCryptoProfile, stored)
	})
	return profile, err
}
