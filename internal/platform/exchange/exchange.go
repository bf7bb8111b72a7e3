// Package exchange assembles the operator's exchange: the platform's core
// (members, accounts, reference data, quota) and the rooms built over it,
// each a package of its own. The server, the API, the console, the CLI and
// tests take the whole exchange from here instead of wiring rooms by hand.
package exchange

import (
	"log/slog"

	"hulian/internal/platform"
	"hulian/internal/platform/books"
	"hulian/internal/platform/complaints"
	"hulian/internal/platform/cycles"
	"hulian/internal/platform/disputes"
	"hulian/internal/platform/halts"
	"hulian/internal/platform/incidents"
	"hulian/internal/platform/issuance"
	"hulian/internal/platform/listings"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/marketstats"
	"hulian/internal/platform/mediation"
	"hulian/internal/platform/payouts"
	"hulian/internal/platform/rectify"
	"hulian/internal/platform/relay"
	"hulian/internal/platform/sanctions"
	"hulian/internal/platform/statements"
	"hulian/internal/platform/store"
	"hulian/internal/platform/trading"
	"hulian/internal/platform/witnesses"
)

// Exchange is the platform's core with its rooms. The core is embedded:
// onboarding, accounts and quota are called on the Exchange directly.
type Exchange struct {
	*platform.Platform
	Listings *listings.Registry // listings, their review, search and quotes
	Market   *trading.Market    // demands, offers, orders
	Issuer   *issuance.Issuer   // exID issuance
	Log      *logkeeper.Keeper  // the business log's key, checkpoints and reading
	Relay    *relay.Relay       // the delivery relay
	// Rectify passes suppliers' notices of corrections and deletions to
	// the demanders that received the data.
	Rectify *rectify.Rectify
	// Statements issues the monthly statements from the log; Disputes
	// answers disputes of them with corrections; Payouts pays suppliers;
	// Books keeps the accounts; Stats publishes the market's figures.
	// Cycles are the settlement cycles pairs of members agree.
	Statements *statements.Statements
	Cycles     *cycles.Cycles
	Disputes   *disputes.Disputes
	Payouts    *payouts.Payouts
	Books      *books.Books
	Stats      *marketstats.Stats
	// Halts and Sanctions are the operator's supervision: technical halts
	// and measures against members.
	Halts      *halts.Halts
	Sanctions  *sanctions.Sanctions
	Complaints *complaints.Complaints
	// Incidents are members' security incident reports.
	Incidents *incidents.Incidents
	// Mediation is disputes between the members of an order.
	Mediation *mediation.Mediation
	// Witnesses takes the regulator's witnesses' cosignatures of the log.
	Witnesses *witnesses.Witnesses
}

// New returns the exchange over db. The relay calls supplier nodes with a;
// relay.NewNodeAnswerer(nil) in production. Before serving, the caller
// loads the reference data, sets the sealer and starts issuance and the
// log's key (server.Open does all three).
func New(db *store.DB, logger *slog.Logger, a relay.Answerer) *Exchange {
	return Over(platform.New(db, logger), a)
}

// Over returns the exchange with the rooms built over p.
func Over(p *platform.Platform, a relay.Answerer) *Exchange {
	x := &Exchange{Platform: p, Listings: listings.New(p), Market: trading.New(p), Issuer: issuance.New(p), Log: logkeeper.New(p)}
	x.Relay = relay.New(p, x.Market, x.Log, a)
	x.Statements = statements.New(x.Log)
	x.Statements.Logger = p.Logger
	x.Cycles = cycles.New(p)
	x.Disputes = disputes.New(x.Log, x.Statements)
	x.Payouts = payouts.New(x.Disputes)
	x.Payouts.Logger = p.Logger
	x.Books = books.New(x.Log)
	x.Stats = marketstats.New(p)
	x.Halts, x.Sanctions = halts.New(p), sanctions.New(p)
	x.Complaints = complaints.New(x.Market, x.Listings)
	x.Witnesses = witnesses.New(x.Log)
	x.Incidents = incidents.New(p)
	x.Mediation = mediation.New(x.Market)
	x.Rectify = rectify.New(p)
	return x
}
