// Package platformclient is a member node's client of the platform's
// Connect API: the node.Platform the node uses in production. It is apart
// from package node so that the node's core builds and tests without the
// platform's code.
package platformclient

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/gen/hulian/v1/hulianv1connect"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/node"
	"hulian/internal/rpc"
	"hulian/internal/tlsfiles"
)

// connectPlatform is the node.Platform over the platform's Connect API.
type connectPlatform struct {
	baseURL  string
	memberID string
	base     http.RoundTripper // TLS settings for the platform
	signed   *rpc.Client       // every request signed with the node's key
	// bulk delivers: signed as well, with a longer timeout, and without
	// gzip, since a batch chunk's sealed answer is tens of megabytes of
	// ciphertext, which does not compress.
	bulk hulianv1connect.DeliveryServiceClient
	// supervision files the people's complaints the node hands over.
	supervision hulianv1connect.SupervisionServiceClient
}

// New is the node's client of the platform's API; it is a node.PlatformFunc.
func New(baseURL, memberID string, key crypto.Signer) node.Platform {
	return WithTLS(nil)(baseURL, memberID, key)
}

// WithTLS is New with tlsCfg on every connection to the platform (CAs to
// trust, the node's client certificate for mutual TLS); nil is New.
func WithTLS(tlsCfg *tls.Config) node.PlatformFunc {
	return func(baseURL, memberID string, key crypto.Signer) node.Platform {
		base := tlsfiles.Transport(tlsCfg)
		return &connectPlatform{
			baseURL:     baseURL,
			memberID:    memberID,
			base:        base,
			signed:      rpc.NewClient(baseURL, rpc.WithNodeKey(memberID, key), rpc.WithTransport(base)),
			supervision: rpc.NewSupervisionClient(baseURL, rpc.WithNodeKey(memberID, key), rpc.WithTransport(base)),
			bulk: hulianv1connect.NewDeliveryServiceClient(&http.Client{Transport: &rpc.NodeTransport{Base: base, Member: memberID, Key: key}, Timeout: 10 * time.Minute},
				strings.TrimSuffix(baseURL, "/"), connect.WithAcceptCompression("gzip", nil, nil)),
		}
	}
}

func (p *connectPlatform) Stage(ctx context.Context) (member.Stage, member.Keys, error) {
	res, err := p.signed.Members.GetMember(ctx, connect.NewRequest(&hulianv1.GetMemberRequest{Id: p.memberID}))
	if err != nil {
		return "", member.Keys{}, fromConnect(err)
	}
	m := res.Msg.GetMember()
	return stageFromProto(m.GetStage()), member.Keys{X25519: m.GetX25519PublicKey(), Signing: m.GetEd25519PublicKey()}, nil
}

func (p *connectPlatform) RegisterNodeKeys(ctx context.Context, token string, k member.Keys) (member.Stage, error) {
	// The platform does not know the node's key until this call succeeds,
	// so it is authenticated with a member staff token instead.
	c := rpc.NewClient(p.baseURL, rpc.WithToken(token), rpc.WithTransport(p.base))
	res, err := c.Members.RegisterNodeKeys(ctx, connect.NewRequest(&hulianv1.RegisterNodeKeysRequest{
		Id: p.memberID, X25519PublicKey: k.X25519, Ed25519PublicKey: k.Signing,
	}))
	if err != nil {
		return "", fromConnect(err)
	}
	return stageFromProto(res.Msg.GetMember().GetStage()), nil
}

func (p *connectPlatform) CompleteIntegration(ctx context.Context) (member.Stage, error) {
	res, err := p.signed.Members.CompleteIntegration(ctx, connect.NewRequest(&hulianv1.CompleteIntegrationRequest{Id: p.memberID}))
	if err != nil {
		return "", fromConnect(err)
	}
	return stageFromProto(res.Msg.GetMember().GetStage()), nil
}

var stages = map[hulianv1.Stage]member.Stage{
	hulianv1.Stage_STAGE_APPLIED:   member.StageApplied,
	hulianv1.Stage_STAGE_REJECTED:  member.StageRejected,
	hulianv1.Stage_STAGE_QUALIFIED: member.StageQualified,
	hulianv1.Stage_STAGE_AGREED:    member.StageAgreed,
	hulianv1.Stage_STAGE_OPENED:    member.StageOpened,
	hulianv1.Stage_STAGE_ACTIVE:    member.StageActive,
}

// stageFromProto returns "" for a stage this node does not know, which the
// console shows as unknown rather than guessing.
func stageFromProto(s hulianv1.Stage) member.Stage { return stages[s] }

// kinds maps the platform's Connect codes back to error kinds, so the
// node's callers handle the platform's refusals like their own.
var kinds = map[connect.Code]errs.Kind{
	connect.CodeInvalidArgument:    errs.Invalid,
	connect.CodeNotFound:           errs.NotFound,
	connect.CodeAlreadyExists:      errs.Conflict,
	connect.CodeUnauthenticated:    errs.Unauthenticated,
	connect.CodePermissionDenied:   errs.PermissionDenied,
	connect.CodeFailedPrecondition: errs.FailedPrecondition,
	connect.CodeResourceExhausted:  errs.ResourceExhausted,
	connect.CodeUnavailable:        errs.Unavailable,
	connect.CodeDeadlineExceeded:   errs.Unavailable,
}

// fromConnect turns an error from the platform into an *errs.Error that
// carries the platform's own reason in both languages, prefixed so a
// person can tell the platform refused rather than the node.
func fromConnect(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	code := connect.CodeOf(err)
	kind, ok := kinds[code]
	if !ok {
		kind = errs.Internal
	}
	e := &errs.Error{Kind: kind, Err: err}
	if d := rpc.Detail(err); d != nil && (d.GetReasonZh() != "" || d.GetReasonEn() != "") {
		e.Field = d.GetField()
		e.Reason = i18n.T("平台答复："+d.GetReasonZh(), "the platform says: "+d.GetReasonEn())
		return e
	}
	if kind == errs.Unavailable || code == connect.CodeUnknown {
		e.Kind = errs.Unavailable
		e.Reason = i18n.T("无法连接平台，请检查平台地址和网络", "cannot reach the platform; check its URL and the network")
		return e
	}
	e.Reason = i18n.T("平台返回错误："+code.String(), "the platform returned an error: "+code.String())
	return e
}
