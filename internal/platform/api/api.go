// Package api is the platform's Protobuf-over-HTTP API (X-A3), served with
// the Connect protocol from the services in proto/hulian/v1. Handlers
// validate requests, call the use cases of package platform and translate
// between the domain and the wire; they decide nothing themselves. The same
// procedures answer binary Protobuf and JSON, so curl works as well as the
// generated clients.
package api

import (
	"net/http"

	"connectrpc.com/connect"

	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/platform"
	"hulian/internal/platform/exchange"
	"hulian/internal/rpc"
)

// MaxRequestBytes is the largest request message the API accepts. The
// largest message besides a delivery, an application, is under 2 KiB;
// Deliver alone takes more (MaxDeliverBytes).
const MaxRequestBytes = 1 << 20

// Mount registers the API's Connect handlers on mux. Each service owns the
// path prefix "/hulian.v1.<Service>/". DeliveryService is the relay's.
func Mount(mux *http.ServeMux, x *exchange.Exchange) {
	p := x.Platform
	opts := HandlerOptions(p)
	mux.Handle(hulianv1connect.NewMemberServiceHandler(&memberService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewTokenServiceHandler(&tokenService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewExIDServiceHandler(&exidService{iss: x.Issuer}, opts...))
	mux.Handle(hulianv1connect.NewCatalogServiceHandler(&catalogService{p: p, reg: x.Listings}, opts...))
	mux.Handle(hulianv1connect.NewMarketServiceHandler(&marketService{mk: x.Market}, opts...))
	mux.Handle(hulianv1connect.NewQuotaServiceHandler(&quotaService{p: p}, opts...))
	mux.Handle(hulianv1connect.NewSettlementServiceHandler(&settlementService{x: x}, opts...))
	mux.Handle(hulianv1connect.NewSupervisionServiceHandler(&supervisionService{x: x}, opts...))
	mountDelivery(mux, x.Relay, x.Rectify, opts)
}

// HandlerOptions are the options every service of the platform's API is
// built with (rpc.HandlerOptions): strict codecs, the request size limit and
// the one error translation.
func HandlerOptions(p *platform.Platform) []connect.HandlerOption {
	return rpc.HandlerOptions(p.Logger, MaxRequestBytes)
}
