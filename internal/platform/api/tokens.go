package api

import (
	"context"
	"strings"

	"connectrpc.com/connect"

	"hulian/internal/auth"
	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/platform"
)

var errInvalidLimit = errs.Invalidf("limit", "数量上限须在 0 到 1000 之间（0 为默认 100）", "limit must be between 0 and 1000 (0 for the default of 100)")

// tokenService implements hulian.v1.TokenService.
type tokenService struct{ p *platform.Platform }

func (s *tokenService) CreateToken(ctx context.Context, req *connect.Request[hulianv1.CreateTokenRequest]) (*connect.Response[hulianv1.CreateTokenResponse], error) {
	// The caller's right comes before the request's shape, so that an
	// anonymous caller learns nothing but that it must log in.
	if err := auth.Require(ctx, auth.PermTokenManage); err != nil {
		return nil, err
	}
	if _, err := platform.TokenName(req.Msg.Name); err != nil {
		return nil, err
	}
	scope, err := auth.ParseScopes(strings.Join(req.Msg.Scopes, ","))
	if err != nil {
		return nil, err
	}
	ttl, err := auth.TokenTTL(int(req.Msg.TtlDays))
	if err != nil {
		return nil, err
	}
	secret, t, err := s.p.CreateToken(ctx, req.Msg.Name, scope, ttl)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.CreateTokenResponse{Token: tokenToProto(t), Secret: secret}), nil
}

func (s *tokenService) ListTokens(ctx context.Context, req *connect.Request[hulianv1.ListTokensRequest]) (*connect.Response[hulianv1.ListTokensResponse], error) {
	ts, err := s.p.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListTokensResponse{Tokens: make([]*hulianv1.Token, 0, len(ts))}
	for i := range ts {
		res.Tokens = append(res.Tokens, tokenToProto(&ts[i]))
	}
	return connect.NewResponse(res), nil
}

func (s *tokenService) RevokeToken(ctx context.Context, req *connect.Request[hulianv1.RevokeTokenRequest]) (*connect.Response[hulianv1.RevokeTokenResponse], error) {
	if err := checkID("id", "tok_", req.Msg.Id); err != nil {
		return nil, err
	}
	if err := s.p.RevokeToken(ctx, req.Msg.Id); err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RevokeTokenResponse{}), nil
}
