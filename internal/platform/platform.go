// Package platform is the operator's exchange (运营方平台): its use cases,
// each a method that checks permissions, changes state and appends the
// business-log entry in one transaction. Transports (the Connect API, the
// web console, the CLI) call these methods and nothing below them.
package platform

import (
	"log/slog"

	"hulian/internal/compliance/gate"
	"hulian/internal/compliance/scan"
	"hulian/internal/i18n"
	"hulian/internal/keyring"

	"hulian/internal/platform/store"
)

// CurrentAgreement is the member agreement version members sign unless the
// operator configures another.
const CurrentAgreement = "hulian-member-agreement-2026-01"

// Platform holds the platform's dependencies.
type Platform struct {
	DB        *store.DB
	Logger    *slog.Logger
	Agreement string    // the agreement version members must sign
	Log       LogConfig // business-log checkpoints and signing key (log.go)
	K         int       // the k of X-E8: at least gate.MinK

	IssuanceLimits   IssuanceLimits
	IssuancePriceFen int64 // charged to the member's quota per evaluated element; 0 is free

	refs      refs
	issuer    issuer
	sealer    keyring.Sealer
	scanner   *scan.Scanner // listing screening, reasons in English
	scannerZH *scan.Scanner // the same, reasons in Chinese
}

// New returns a Platform over db.
func New(db *store.DB, logger *slog.Logger) *Platform {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Platform{DB: db, Logger: logger, Agreement: CurrentAgreement, K: gate.MinK, IssuanceLimits: DefaultIssuanceLimits,
		scanner: scan.New(scan.Options{Lang: i18n.EN}), scannerZH: scan.New(scan.Options{Lang: i18n.ZH})}
}
