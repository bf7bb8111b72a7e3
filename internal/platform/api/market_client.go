package api

import (
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/i18n"
)

// connectClient is the HTTP client and Connect options that opts describe:
// every client of the platform's services is built on it.
func connectClient(opts []ClientOption) (*http.Client, []connect.ClientOption) {
	cfg := clientConfig{base: http.DefaultTransport, timeout: 30 * time.Second, now: time.Now, lang: i18n.ZH}
	for _, o := range opts {
		o(&cfg)
	}
	var top http.RoundTripper = &headerTransport{base: cfg.base, lang: cfg.lang, token: cfg.token}
	if cfg.key != nil {
		top = &NodeTransport{Base: top, Member: cfg.member, Key: cfg.key, Now: cfg.now}
	}
	var copts []connect.ClientOption
	if cfg.json {
		copts = append(copts, connect.WithProtoJSON())
	}
	return &http.Client{Transport: top, Timeout: cfg.timeout}, copts
}

// NewMarketClient returns a client of the market service at baseURL,
// authenticated as opts say.
func NewMarketClient(baseURL string, opts ...ClientOption) hulianv1connect.MarketServiceClient {
	hc, copts := connectClient(opts)
	return hulianv1connect.NewMarketServiceClient(hc, strings.TrimSuffix(baseURL, "/"), copts...)
}

// NewQuotaClient returns a client of the quota service at baseURL,
// authenticated as opts say.
func NewQuotaClient(baseURL string, opts ...ClientOption) hulianv1connect.QuotaServiceClient {
	hc, copts := connectClient(opts)
	return hulianv1connect.NewQuotaServiceClient(hc, strings.TrimSuffix(baseURL, "/"), copts...)
}
