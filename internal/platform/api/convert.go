package api

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"hulian/internal/errs"
	hulianv1 "hulian/internal/gen/hulian/v1"
	"hulian/internal/member"
	"hulian/internal/platform/store"
)

var stages = map[member.Stage]hulianv1.Stage{
	member.StageApplied:   hulianv1.Stage_STAGE_APPLIED,
	member.StageRejected:  hulianv1.Stage_STAGE_REJECTED,
	member.StageQualified: hulianv1.Stage_STAGE_QUALIFIED,
	member.StageAgreed:    hulianv1.Stage_STAGE_AGREED,
	member.StageOpened:    hulianv1.Stage_STAGE_OPENED,
	member.StageActive:    hulianv1.Stage_STAGE_ACTIVE,
}

var standings = map[member.Standing]hulianv1.Standing{
	member.StandingGood:       hulianv1.Standing_STANDING_GOOD,
	member.StandingSuspended:  hulianv1.Standing_STANDING_SUSPENDED,
	member.StandingTerminated: hulianv1.Standing_STANDING_TERMINATED,
}

// stageFromProto reads a stage filter; STAGE_UNSPECIFIED means any.
func stageFromProto(field string, s hulianv1.Stage) (member.Stage, error) {
	if s == hulianv1.Stage_STAGE_UNSPECIFIED {
		return "", nil
	}
	for k, v := range stages {
		if v == s {
			return k, nil
		}
	}
	return "", errs.Invalidf(field, "未知的开户阶段", "unknown onboarding stage")
}

func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func stepToProto(s member.Step) *hulianv1.Step {
	if !s.Done() {
		return nil
	}
	return &hulianv1.Step{At: timestamp(s.At), By: s.By}
}

func applicationToProto(a member.Application) *hulianv1.Application {
	p := &hulianv1.Application{
		Name: a.Name, Uscc: a.USCC, Industry: a.Industry,
		ContactName: a.ContactName, ContactPhone: a.ContactPhone, ContactEmail: a.ContactEmail,
		StorageRegion: a.StorageRegion,
	}
	if a.Supplier {
		p.Roles = append(p.Roles, hulianv1.MemberRole_MEMBER_ROLE_SUPPLIER)
	}
	if a.Demander {
		p.Roles = append(p.Roles, hulianv1.MemberRole_MEMBER_ROLE_DEMANDER)
	}
	return p
}

// applicationFromProto reads an application; the domain validates the
// values, this checks only what the wire can get wrong (the roles' enum).
// Error fields are given relative to the application message.
func applicationFromProto(p *hulianv1.Application) (member.Application, error) {
	if p == nil {
		return member.Application{}, errs.Invalidf("", "缺少申请信息", "the application is missing")
	}
	a := member.Application{
		Name: p.Name, USCC: p.Uscc, Industry: p.Industry,
		ContactName: p.ContactName, ContactPhone: p.ContactPhone, ContactEmail: p.ContactEmail,
		StorageRegion: p.StorageRegion,
	}
	for _, r := range p.Roles {
		switch r {
		case hulianv1.MemberRole_MEMBER_ROLE_SUPPLIER:
			a.Supplier = true
		case hulianv1.MemberRole_MEMBER_ROLE_DEMANDER:
			a.Demander = true
		default:
			return a, errs.Invalidf("roles", "角色须为 MEMBER_ROLE_SUPPLIER 或 MEMBER_ROLE_DEMANDER", "a role must be MEMBER_ROLE_SUPPLIER or MEMBER_ROLE_DEMANDER")
		}
	}
	return a, nil
}

func memberToProto(m *member.Member) *hulianv1.Member {
	return &hulianv1.Member{
		Id:               m.ID,
		Application:      applicationToProto(m.Application),
		Stage:            stages[m.Stage],
		Standing:         standings[m.Standing],
		Applied:          stepToProto(m.Applied),
		Qualified:        stepToProto(m.Qualified),
		RejectReason:     m.RejectReason,
		AgreementVersion: m.Agreement,
		Agreed:           stepToProto(m.Agreed),
		X25519PublicKey:  m.Keys.X25519,
		Ed25519PublicKey: m.Keys.Signing,
		Opened:           stepToProto(m.Opened),
		Integrated:       stepToProto(m.Integrated),
		Created:          timestamp(m.Created),
		Updated:          timestamp(m.Updated),
	}
}

func tokenToProto(t *store.Token) *hulianv1.Token {
	scopes := make([]string, len(t.Scope))
	for i, s := range t.Scope {
		scopes[i] = string(s)
	}
	return &hulianv1.Token{Id: t.ID, Name: t.Name, Created: timestamp(t.Created), Revoked: timestamp(t.Revoked), Scopes: scopes, Expires: timestamp(t.Expires)}
}
