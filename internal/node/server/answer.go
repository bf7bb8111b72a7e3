package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/httpserve"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/rpc" // the one translation of errors to Connect, shared with the platform
	"hulian/internal/tlsfiles"
)

// maxAnswerBody bounds a relayed request: the most tokens a request may
// carry and room for its other fields.
const maxAnswerBody = supply.MaxAnswerTokens*ordertoken.TokenSize + 1<<16

type relayKey struct{}

// answerService is the supplier's AnswerService, which only the platform
// calls: relayed wraps it so that the handler sees only requests whose
// Hulian-Relay signature verified over the body exactly as received.
type answerService struct{ m *Main }

func (s *answerService) Answer(ctx context.Context, req *connect.Request[hulianv1.AnswerRequest]) (*connect.Response[hulianv1.AnswerResponse], error) {
	relay, _ := ctx.Value(relayKey{}).(*evidence.Relay)
	msg := req.Msg
	a, err := s.m.Supply.Answer(ctx, relay, &supply.AnswerRequest{OrderID: msg.GetOrderId(), RequestID: msg.GetRequestId(), ListingID: msg.GetListingId(),
		DemanderMember: msg.GetDemanderMember(), DemanderX25519: msg.GetDemanderX25519PublicKey(), Columns: msg.GetColumns(), Tokens: msg.GetTokens(), Authenticator: msg.GetAuthenticator(),
		DemanderKeyReceipt: msg.GetDemanderKeyReceipt()})
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			s.m.logger.ErrorContext(ctx, "answer failed", "order", msg.GetOrderId(), "request", msg.GetRequestId(), "err", err)
		}
		return nil, rpc.ConnectError(ctx, err)
	}
	return connect.NewResponse(&hulianv1.AnswerResponse{Sealed: a.Sealed, Queried: a.Queried, Matched: a.Matched, Signature: a.Signature}), nil
}

// relayed verifies the Hulian-Relay header, then reads the body (bounded)
// and checks it against the note, and hands the verified note to the
// handler in the context. A request without a valid relay signature never
// reaches the handler, and its body is never read.
func (m *Main) relayed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.cfg.TLS.ClientCA != "" {
			// Mutual TLS: only the platform, holding a certificate from
			// the CA this node trusts for it, reaches the answers.
			if _, ok := tlsfiles.VerifiedName(r); !ok {
				writeConnectError(w, r, errs.New(errs.Unauthenticated, "certificate", "须出示由本节点信任的 CA 签发的平台客户端证书", "the platform's client certificate, from the CA this node trusts, is required"))
				return
			}
		}
		relay, err := m.Supply.OpenRelayHeader(r.Context(), r.Header.Get(evidence.HeaderRelay))
		if err != nil {
			m.logger.Warn("refused a request not relayed by the platform", "remote", r.RemoteAddr, "err", err)
			writeConnectError(w, r, err)
			return
		}
		body, err := readBody(w, r)
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeConnectError(w, r, errs.Invalidf("tokens", "请求过大", "the request is too large"))
				return
			}
			writeConnectError(w, r, errs.Invalidf("body", "无法读取请求", "cannot read the request"))
			return
		}
		if err := relay.CheckBody(body); err != nil {
			m.logger.Warn("refused a relayed request whose body is not the one signed", "remote", r.RemoteAddr, "err", err)
			writeConnectError(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), relayKey{}, relay)))
	})
}

// readBody reads a request's body of at most maxAnswerBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return httpserve.ReadBody(http.MaxBytesReader(w, r.Body, maxAnswerBody), r.ContentLength, maxAnswerBody)
}

// writeConnectError answers a Connect unary call with err before the
// Connect handler has run.
func writeConnectError(w http.ResponseWriter, r *http.Request, err error) {
	connect.NewErrorWriter().Write(w, r, rpc.ConnectError(r.Context(), err))
}

// mountAnswer registers the AnswerService behind the relay check.
func (m *Main) mountAnswer(mux *http.ServeMux) {
	// No gzip: a sealed answer is ciphertext, which does not compress, and
	// compressing tens of megabytes per chunk would only cost time.
	path, h := hulianv1connect.NewAnswerServiceHandler(&answerService{m: m}, connect.WithReadMaxBytes(maxAnswerBody),
		connect.WithCompression("gzip", nil, nil))
	mux.Handle("POST "+path, m.relayed(h))
}
