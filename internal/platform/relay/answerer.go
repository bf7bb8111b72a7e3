package relay

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/httpserve"
	"hulian/internal/i18n"
	"hulian/internal/netguard"
	"hulian/internal/protocol/evidence"
	"hulian/internal/rpc"
)

// MaxAnswerBytes bounds a supplier node's sealed answer the relay reads.
const MaxAnswerBytes = 256 << 20

// NodeAnswerer is the relay's client of supplier nodes' AnswerService:
// Connect with binary Protobuf, each request carrying the platform's
// Hulian-Relay signature over its exact body.
type NodeAnswerer struct {
	client *http.Client
}

// NewNodeAnswerer returns an answerer whose connections p checks: a
// supplier's endpoint must be a public address unless p allows it (tests
// and the demonstration allow loopback). Redirects are not followed. The
// relay bounds each call's time with its context.
//
// tlsCfg, when not nil, adds CAs to trust and the platform's client
// certificate for nodes that require mutual TLS.
func NewNodeAnswerer(p netguard.Policy, tlsCfg *tls.Config) *NodeAnswerer {
	c := p.Client(0)
	if tlsCfg != nil {
		c.Transport.(*http.Transport).TLSClientConfig = tlsCfg
	}
	c.Transport = &relayTransport{base: c.Transport}
	return &NodeAnswerer{client: c}
}

type relaySignKey struct{}

// relayTransport signs the body it sends with the function in the
// request's context: the signature must cover the bytes on the wire, which
// only exist once Connect has encoded the message.
type relayTransport struct{ base http.RoundTripper }

func (t *relayTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	sign, _ := r.Context().Value(relaySignKey{}).(func([]byte) (string, error))
	if sign == nil {
		return nil, errors.New("relay: no signer in the request context")
	}
	var body []byte
	if r.Body != nil {
		var err error
		body, err = httpserve.ReadBody(r.Body, r.ContentLength, rpc.MaxBodyBytes)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	h, err := sign(body)
	if err != nil {
		return nil, err
	}
	out := r.Clone(r.Context())
	out.Header.Set(evidence.HeaderRelay, h)
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.base.RoundTrip(out)
}

// Answer implements Answerer.
func (a *NodeAnswerer) Answer(ctx context.Context, endpoint string, req *AnswerRequest, sign func([]byte) (string, error)) (*Answer, error) {
	c := hulianv1connect.NewAnswerServiceClient(a.client, strings.TrimSuffix(endpoint, "/"), connect.WithReadMaxBytes(MaxAnswerBytes))
	res, err := c.Answer(context.WithValue(ctx, relaySignKey{}, sign), connect.NewRequest(&hulianv1.AnswerRequest{
		OrderId: req.OrderID, RequestId: req.RequestID, ListingId: req.ListingID, DemanderMember: req.Demander,
		DemanderX25519PublicKey: req.DemanderX25519, Columns: req.Columns, Tokens: req.Tokens, Authenticator: req.Authenticator,
		DemanderKeyReceipt: req.DemanderKeyReceipt,
	}))
	if err != nil {
		return nil, answerError(err)
	}
	m := res.Msg
	return &Answer{Sealed: m.Sealed, Queried: m.Queried, Matched: m.Matched, Signature: m.Signature}, nil
}

// answerError says what a supplier node's failure was: unreachable or
// timed out (Unavailable), or a refusal with the node's reason. The node's
// Connect error is not kept in the chain: it would be taken for the
// platform's own answer to the demander.
func answerError(err error) error {
	if errors.Is(err, netguard.ErrRefused) {
		return &errs.Error{Kind: errs.FailedPrecondition, Err: err, Reason: i18n.T(
			"节点登记的应答地址不是公网地址，平台不会连接（"+err.Error()+"）",
			"the node's registered answer endpoint is not a public address, which the platform does not call ("+err.Error()+")")}
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return &errs.Error{Kind: errs.Unavailable, Reason: i18n.T("无法连接："+err.Error(), "cannot connect: "+err.Error())}
	}
	switch ce.Code() {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeCanceled, connect.CodeUnknown, connect.CodeUnimplemented:
		return &errs.Error{Kind: errs.Unavailable, Reason: i18n.T("节点不可用（"+ce.Code().String()+"）："+ce.Message(), "the node is unavailable ("+ce.Code().String()+"): "+ce.Message())}
	}
	zh, en := ce.Message(), ce.Message()
	if d := rpc.Detail(err); d != nil && d.ReasonZh != "" {
		zh, en = d.ReasonZh, d.ReasonEn
		if d.Field != "" {
			zh, en = d.Field+"："+zh, d.Field+": "+en
		}
	}
	return &errs.Error{Kind: errs.FailedPrecondition, Reason: i18n.T("节点拒绝应答（"+ce.Code().String()+"）："+zh, "the node refused ("+ce.Code().String()+"): "+en)}
}
