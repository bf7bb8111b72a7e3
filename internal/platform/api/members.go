package api

import (
	"context"

	"connectrpc.com/connect"

	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/member"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
)

// memberService implements hulian.v1.MemberService.
type memberService struct{ p *platform.Platform }

func (s *memberService) Apply(ctx context.Context, req *connect.Request[hulianv1.ApplyRequest]) (*connect.Response[hulianv1.ApplyResponse], error) {
	a, err := applicationFromProto(req.Msg.Application)
	if err != nil {
		return nil, within(err, "application", applicationFields)
	}
	m, acct, err := s.p.Apply(ctx, platform.Application{
		Application: a, Login: req.Msg.Login, DisplayName: req.Msg.DisplayName, Password: req.Msg.Password,
	})
	if err != nil {
		return nil, within(err, "application", applicationFields)
	}
	return connect.NewResponse(&hulianv1.ApplyResponse{Member: memberToProto(m), AccountId: acct.ID}), nil
}

func (s *memberService) GetAgreement(ctx context.Context, req *connect.Request[hulianv1.GetAgreementRequest]) (*connect.Response[hulianv1.GetAgreementResponse], error) {
	return connect.NewResponse(&hulianv1.GetAgreementResponse{Version: s.p.Agreement}), nil
}

func (s *memberService) GetMember(ctx context.Context, req *connect.Request[hulianv1.GetMemberRequest]) (*connect.Response[hulianv1.GetMemberResponse], error) {
	if err := checkID("id", "mem_", req.Msg.Id); err != nil {
		return nil, err
	}
	m, err := s.p.Member(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.GetMemberResponse{Member: memberToProto(m)}), nil
}

func (s *memberService) ListMembers(ctx context.Context, req *connect.Request[hulianv1.ListMembersRequest]) (*connect.Response[hulianv1.ListMembersResponse], error) {
	stage, err := stageFromProto("stage", req.Msg.Stage)
	if err != nil {
		return nil, err
	}
	if req.Msg.Limit < 0 || req.Msg.Limit > 1000 {
		return nil, errInvalidLimit
	}
	ms, err := s.p.Members(ctx, store.MemberFilter{Stage: stage, Limit: int(req.Msg.Limit)})
	if err != nil {
		return nil, err
	}
	res := &hulianv1.ListMembersResponse{Members: make([]*hulianv1.Member, 0, len(ms))}
	for _, m := range ms {
		res.Members = append(res.Members, memberToProto(m))
	}
	return connect.NewResponse(res), nil
}

func (s *memberService) Resubmit(ctx context.Context, req *connect.Request[hulianv1.ResubmitRequest]) (*connect.Response[hulianv1.ResubmitResponse], error) {
	if err := checkID("id", "mem_", req.Msg.Id); err != nil {
		return nil, err
	}
	a, err := applicationFromProto(req.Msg.Application)
	if err != nil {
		return nil, within(err, "application", applicationFields)
	}
	m, err := s.p.Resubmit(ctx, req.Msg.Id, a)
	if err != nil {
		return nil, within(err, "application", applicationFields)
	}
	return connect.NewResponse(&hulianv1.ResubmitResponse{Member: memberToProto(m)}), nil
}

func (s *memberService) ReviewQualification(ctx context.Context, req *connect.Request[hulianv1.ReviewQualificationRequest]) (*connect.Response[hulianv1.ReviewQualificationResponse], error) {
	if err := checkID("id", "mem_", req.Msg.Id); err != nil {
		return nil, err
	}
	if err := maxText("reason", req.Msg.Reason, 1000); err != nil {
		return nil, err
	}
	m, err := s.p.Review(ctx, req.Msg.Id, req.Msg.Approve, req.Msg.Reason)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.ReviewQualificationResponse{Member: memberToProto(m)}), nil
}

func (s *memberService) SignAgreement(ctx context.Context, req *connect.Request[hulianv1.SignAgreementRequest]) (*connect.Response[hulianv1.SignAgreementResponse], error) {
	if err := checkID("id", "mem_", req.Msg.Id); err != nil {
		return nil, err
	}
	if err := maxText("agreement_version", req.Msg.AgreementVersion, 100); err != nil {
		return nil, err
	}
	m, err := s.p.SignAgreement(ctx, req.Msg.Id, req.Msg.AgreementVersion)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.SignAgreementResponse{Member: memberToProto(m)}), nil
}

func (s *memberService) RegisterNodeKeys(ctx context.Context, req *connect.Request[hulianv1.RegisterNodeKeysRequest]) (*connect.Response[hulianv1.RegisterNodeKeysResponse], error) {
	if err := checkID("id", "mem_", req.Msg.Id); err != nil {
		return nil, err
	}
	// The domain checks the keys again in its transition; checking them
	// here too reports a bad key whatever the member's stage.
	k := member.Keys{X25519: req.Msg.X25519PublicKey, Signing: req.Msg.Ed25519PublicKey}
	if err := k.Validate(); err != nil {
		return nil, err
	}
	m, err := s.p.RegisterKeys(ctx, req.Msg.Id, k)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.RegisterNodeKeysResponse{Member: memberToProto(m)}), nil
}

func (s *memberService) CompleteIntegration(ctx context.Context, req *connect.Request[hulianv1.CompleteIntegrationRequest]) (*connect.Response[hulianv1.CompleteIntegrationResponse], error) {
	if err := checkID("id", "mem_", req.Msg.Id); err != nil {
		return nil, err
	}
	m, err := s.p.PassIntegration(ctx, req.Msg.Id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&hulianv1.CompleteIntegrationResponse{Member: memberToProto(m)}), nil
}
