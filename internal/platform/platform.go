// Package platform is the core of the operator's exchange (运营方平台):
// members and their onboarding, staff accounts and tokens, reference data
// and the prepaid quota — what every room of the exchange builds on. The
// rooms (listings, trading, issuance, logkeeper, relay, …) are its
// sub-packages, assembled by package exchange. Every use case is a method
// that checks permissions, changes state and appends the business-log
// entry in one transaction; transports (the Connect API, the web console,
// the CLI) call these methods and nothing below them.
package platform

import (
	"log/slog"

	"hulian/internal/compliance/gate"
	"hulian/internal/digest"
	"hulian/internal/keyring"
	"hulian/internal/platform/store"
	"hulian/internal/platform/throttle"
)

// CurrentAgreement is the member agreement version members sign unless the
// operator configures another.
const CurrentAgreement = "hulian-member-agreement-2026-01"

// Platform holds the platform's dependencies.
type Platform struct {
	DB        *store.DB
	Logger    *slog.Logger
	Agreement string // the agreement version members must sign
	K         int    // the k of X-E8: at least gate.MinK
	// Throttle limits applications and password attempts per client
	// address and network, shared by all replicas.
	Throttle *throttle.Throttle

	refs   refs
	sealer keyring.Sealer
}

// New returns a Platform over db.
func New(db *store.DB, logger *slog.Logger) *Platform {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Platform{DB: db, Logger: logger, Agreement: CurrentAgreement, K: gate.MinK, Throttle: throttle.New(db)}
}

// UseSealer sets the key-encryption key that seals the platform's secrets
// at rest (the exID keys, the log's signing key). It is set once, before
// serving.
func (p *Platform) UseSealer(s keyring.Sealer) { p.sealer = s }

// Sealer is the key-encryption key set by UseSealer, nil if none.
func (p *Platform) Sealer() keyring.Sealer { return p.sealer }

// Digest is the hash of the platform's profile: SHA-256, or SM3 under the
// 国密 profile (package digest).
func (p *Platform) Digest() digest.Alg { return digest.ForProfile(p.Profile()) }

// Profile is the platform's cryptography profile: the 国密 profile when its
// secrets are sealed with SM4-GCM (server.OpenSealer chooses the sealer by
// the profile stored at the platform's first start), else the default.
func (p *Platform) Profile() string {
	if p.sealer != nil && p.sealer.Algorithm() == keyring.AlgSM4GCM {
		return keyring.ProfileGM
	}
	return keyring.ProfileDefault
}
