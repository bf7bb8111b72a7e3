package rpc

import (
	"bytes"
	"crypto"
	"io"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/httpserve"
	"hulian/internal/i18n"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/rpc/reqsign"
)

// MaxBodyBytes bounds the body of a signed request: the largest the
// platform accepts is a Deliver of one batch chunk of tokens.
const MaxBodyBytes = ordertoken.MaxChunkTokens*ordertoken.TokenSize + 64<<10

// Client holds the platform API's generated clients, authenticated as
// configured when it was made.
type Client struct {
	Members  hulianv1connect.MemberServiceClient
	Tokens   hulianv1connect.TokenServiceClient
	ExID     hulianv1connect.ExIDServiceClient
	Delivery hulianv1connect.DeliveryServiceClient
	Market   hulianv1connect.MarketServiceClient
}

type clientConfig struct {
	base    http.RoundTripper
	timeout time.Duration
	token   string
	login   string
	pass    string
	member  string
	key     crypto.Signer
	now     func() time.Time
	lang    i18n.Lang
	json    bool
}

// ClientOption configures NewClient.
type ClientOption func(*clientConfig)

// WithToken authenticates every call with an API token ("hlt_…").
func WithToken(secret string) ClientOption {
	return func(c *clientConfig) { c.token = secret }
}

// WithPassword authenticates with an account's login and password (HTTP
// Basic). The platform accepts it on TokenService only: it is how a command
// line makes its first token.
func WithPassword(login, password string) ClientOption {
	return func(c *clientConfig) { c.login, c.pass = login, password }
}

// WithNodeKey signs every call as the member's node with its registered
// signing key (package reqsign). This is how a node calls
// CompleteIntegration and, later, everything else it does.
func WithNodeKey(memberID string, key crypto.Signer) ClientOption {
	return func(c *clientConfig) { c.member, c.key = memberID, key }
}

// WithTransport sets the HTTP transport underneath, e.g. one with TLS
// settings. The default is http.DefaultTransport.
func WithTransport(rt http.RoundTripper) ClientOption {
	return func(c *clientConfig) { c.base = rt }
}

// WithTimeout bounds each call; the default is 30 seconds.
func WithTimeout(d time.Duration) ClientOption {
	return func(c *clientConfig) { c.timeout = d }
}

// WithClock sets the clock that signed requests are stamped with.
func WithClock(now func() time.Time) ClientOption {
	return func(c *clientConfig) { c.now = now }
}

// WithLanguage asks for error messages in lang; Chinese by default.
func WithLanguage(lang i18n.Lang) ClientOption {
	return func(c *clientConfig) { c.lang = lang }
}

// WithJSON sends JSON instead of binary Protobuf, which is easier to read
// in a proxy's log.
func WithJSON() ClientOption {
	return func(c *clientConfig) { c.json = true }
}

// NewClient returns clients of the platform API at baseURL (e.g.
// "https://platform.example.cn").
func NewClient(baseURL string, opts ...ClientOption) *Client {
	hc, copts := connectClient(opts)
	baseURL = strings.TrimSuffix(baseURL, "/")
	return &Client{
		Members:  hulianv1connect.NewMemberServiceClient(hc, baseURL, copts...),
		Tokens:   hulianv1connect.NewTokenServiceClient(hc, baseURL, copts...),
		ExID:     hulianv1connect.NewExIDServiceClient(hc, baseURL, copts...),
		Delivery: hulianv1connect.NewDeliveryServiceClient(hc, baseURL, copts...),
		Market:   hulianv1connect.NewMarketServiceClient(hc, baseURL, copts...),
	}
}

// headerTransport adds the language and the bearer token or password.
type headerTransport struct {
	base        http.RoundTripper
	lang        i18n.Lang
	token       string
	login, pass string
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", string(t.lang))
	switch {
	case t.token != "":
		r.Header.Set("Authorization", "Bearer "+t.token)
	case t.login != "":
		r.SetBasicAuth(t.login, t.pass)
	}
	return t.base.RoundTrip(r)
}

// NodeTransport signs each request as a member's node (package reqsign):
// method, path, time, a fresh nonce and the body's hash, with the node's
// signing key. It reads the whole body to sign it, which suits API calls;
// the platform bounds their size anyway.
type NodeTransport struct {
	Base   http.RoundTripper // http.DefaultTransport if nil
	Member string
	Key    crypto.Signer
	Now    func() time.Time // time.Now if nil
}

func (t *NodeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = readBody(r)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	signed := r.Clone(r.Context())
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	reqsign.Sign(signed, body, t.Member, t.Key, now())
	signed.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(signed)
}

// readBody reads an outgoing request's body (see httpserve.ReadBody).
func readBody(r *http.Request) ([]byte, error) {
	return httpserve.ReadBody(r.Body, r.ContentLength, MaxBodyBytes)
}

// connectClient is the HTTP client and Connect options that opts describe:
// every client of the platform's services is built on it.
func connectClient(opts []ClientOption) (*http.Client, []connect.ClientOption) {
	cfg := clientConfig{base: http.DefaultTransport, timeout: 30 * time.Second, now: time.Now, lang: i18n.ZH}
	for _, o := range opts {
		o(&cfg)
	}
	var top http.RoundTripper = &headerTransport{base: cfg.base, lang: cfg.lang, token: cfg.token, login: cfg.login, pass: cfg.pass}
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

// NewSettlementClient returns a client of the settlement service at
// baseURL, authenticated as opts say.
func NewSettlementClient(baseURL string, opts ...ClientOption) hulianv1connect.SettlementServiceClient {
	hc, copts := connectClient(opts)
	return hulianv1connect.NewSettlementServiceClient(hc, strings.TrimSuffix(baseURL, "/"), copts...)
}

// NewSupervisionClient returns a client of the supervision service at
// baseURL, authenticated as opts say.
func NewSupervisionClient(baseURL string, opts ...ClientOption) hulianv1connect.SupervisionServiceClient {
	hc, copts := connectClient(opts)
	return hulianv1connect.NewSupervisionServiceClient(hc, strings.TrimSuffix(baseURL, "/"), copts...)
}

// NewCatalogClient returns a client of the catalog service at baseURL,
// authenticated as opts say.
func NewCatalogClient(baseURL string, opts ...ClientOption) hulianv1connect.CatalogServiceClient {
	hc, copts := connectClient(opts)
	return hulianv1connect.NewCatalogServiceClient(hc, strings.TrimSuffix(baseURL, "/"), copts...)
}
