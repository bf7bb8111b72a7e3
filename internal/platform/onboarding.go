package platform

import (
	"context"
	"strconv"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/member"
	"hulian/internal/platform/store"
	"hulian/internal/platform/throttle"
)

// Application is a membership application with the member's first account.
type Application struct {
	member.Application
	Login       string
	DisplayName string
	Password    string
}

// Apply creates a member in review and its first staff account (X-M2 step 1
// starts). Anyone may apply; the operator decides.
func (p *Platform) Apply(ctx context.Context, a Application) (*member.Member, *store.Account, error) {
	if err := auth.Require(ctx, auth.PermApply); err != nil {
		return nil, nil, err
	}
	if err := p.validateApplication(&a.Application); err != nil {
		return nil, nil, err
	}
	// The cheap refusals first: a taken company or login, or a weak
	// password, must not cost an argon2 hash.
	login, err := auth.CheckLogin(a.Login)
	if err != nil {
		return nil, nil, err
	}
	if err := auth.CheckPasswordPolicy(a.Password); err != nil {
		return nil, nil, err
	}
	if err := p.DB.Read(ctx, func(tx *store.Tx) error { return tx.ApplicationTaken(ctx, a.USCC, login) }); err != nil {
		return nil, nil, err
	}
	// Counted once the application could succeed, before its hash: what
	// spam with fresh codes and logins runs into, on every replica alike.
	if err := p.Throttle.Pass(ctx, throttle.Apply); err != nil {
		return nil, nil, err
	}
	acct, err := newAccount(ctx, a.Login, a.DisplayName, a.Password)
	if err != nil {
		return nil, nil, err
	}
	m := &member.Member{ID: auth.NewID("mem_"), Application: a.Application, Stage: member.StageApplied, Standing: member.StandingGood}
	acct.Role, acct.MemberID = auth.RoleMember, m.ID
	err = p.DB.Transact(ctx, func(tx *store.Tx) error {
		// The applicant has no account until this transaction commits; the
		// entries are attributed to the account being created.
		ctx := auth.WithActor(ctx, acct.Actor())
		m.Applied = member.Step{At: tx.Now(), By: acct.Actor().Ref()}
		acct.CreatedBy = acct.Actor().Ref()
		if err := tx.CreateMember(ctx, m); err != nil {
			return err
		}
		if err := tx.CreateAccount(ctx, acct); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, m.ID, bizlog.KindMemberApplied, m.ID, bizlog.P{
			"name": m.Name, "uscc": m.USCC, "industry": m.Industry, "storage_region": m.StorageRegion,
			"supplier": m.Supplier, "demander": m.Demander,
		}); err != nil {
			return err
		}
		_, err := tx.Append(ctx, m.ID, bizlog.KindAccountCreated, acct.ID, bizlog.P{"login": acct.Login, "role": string(acct.Role)})
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return m, acct, nil
}

// validateApplication checks an application field by field, and its
// industry against the classification in force (the regular expression in
// package member only checks the code's shape).
func (p *Platform) validateApplication(a *member.Application) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if ind := p.Industries(); ind != nil {
		if _, ok := ind.Lookup(a.Industry); !ok {
			return errs.Invalidf("industry", "不是国民经济行业分类（GB/T 4754）中的代码", "not a code of the national industry classification (GB/T 4754)")
		}
	}
	return nil
}

// Member returns a member the actor may see.
func (p *Platform) Member(ctx context.Context, id string) (*member.Member, error) {
	var m *member.Member
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) {
		m, err = tx.Member(ctx, id, false)
		return err
	})
	return m, err
}

// Members lists the members the actor may see.
func (p *Platform) Members(ctx context.Context, f store.MemberFilter) ([]*member.Member, error) {
	var ms []*member.Member
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) {
		ms, err = tx.ListMembers(ctx, f)
		return err
	})
	return ms, err
}

// change runs one onboarding transition on a member under a row lock and
// logs it, all in one transaction.
func (p *Platform) change(ctx context.Context, perm auth.Permission, id string, step func(m *member.Member, by string, tx *store.Tx) (kind string, payload bizlog.P, err error)) (*member.Member, error) {
	if err := auth.Require(ctx, perm); err != nil {
		return nil, err
	}
	var m *member.Member
	err := p.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		m, err = tx.Member(ctx, id, true)
		if err != nil {
			return err
		}
		kind, payload, err := step(m, auth.ActorFrom(ctx).Ref(), tx)
		if err != nil {
			return err
		}
		if err := tx.UpdateMember(ctx, m); err != nil {
			return err
		}
		_, err = tx.Append(ctx, m.ID, kind, m.ID, payload)
		return err
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Resubmit replaces a rejected application.
func (p *Platform) Resubmit(ctx context.Context, id string, a member.Application) (*member.Member, error) {
	return p.change(ctx, auth.PermApply, id, func(m *member.Member, by string, tx *store.Tx) (string, bizlog.P, error) {
		if err := p.validateApplication(&a); err != nil {
			return "", nil, err
		}
		if err := m.Resubmit(a, by, tx.Now()); err != nil {
			return "", nil, err
		}
		return bizlog.KindMemberResubmitted, bizlog.P{"name": m.Name, "industry": m.Industry, "storage_region": m.StorageRegion}, nil
	})
}

// Review approves or rejects a qualification (step 1, 资质审核).
func (p *Platform) Review(ctx context.Context, id string, approve bool, reason string) (*member.Member, error) {
	return p.change(ctx, auth.PermReviewQualif, id, func(m *member.Member, by string, tx *store.Tx) (string, bizlog.P, error) {
		if err := m.Review(approve, reason, by, tx.Now()); err != nil {
			return "", nil, err
		}
		if approve {
			return bizlog.KindMemberQualified, bizlog.P{"reason": strings.TrimSpace(reason)}, nil
		}
		return bizlog.KindMemberRejected, bizlog.P{"reason": m.RejectReason}, nil
	})
}

// MaxBulkReject is how many applications one bulk rejection may name: a
// page of the review queue.
const MaxBulkReject = 500

// RejectApplications rejects the named applications with one reason, the
// operator's answer to a wave of spam: all of them or, if any cannot be
// rejected (no longer awaiting review, unknown), none, in one transaction
// with an entry in the log for each.
func (p *Platform) RejectApplications(ctx context.Context, ids []string, reason string) (int, error) {
	if err := auth.Require(ctx, auth.PermReviewQualif); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, errs.Invalidf("id", "请勾选要驳回的申请", "tick the applications to reject")
	}
	if len(ids) > MaxBulkReject {
		return 0, errs.Invalidf("id", "一次最多驳回 "+strconv.Itoa(MaxBulkReject)+" 份申请", "at most "+strconv.Itoa(MaxBulkReject)+" applications at once")
	}
	if strings.TrimSpace(reason) == "" {
		return 0, errs.Invalidf("reason", "驳回时必须说明理由", "a rejection needs a reason")
	}
	by := auth.ActorFrom(ctx).Ref()
	seen := map[string]bool{}
	err := p.DB.Transact(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			m, err := tx.Member(ctx, id, true)
			if err != nil {
				return err
			}
			if err := m.Review(false, reason, by, tx.Now()); err != nil {
				// Named, so that the operator knows which one held the
				// rest back.
				r := errs.ReasonOf(err)
				return &errs.Error{Kind: errs.KindOf(err), Field: "id", Reason: i18n.T(m.Name+"："+r.ZH, m.Name+": "+r.EN)}
			}
			if err := tx.UpdateMember(ctx, m); err != nil {
				return err
			}
			if _, err := tx.Append(ctx, m.ID, bizlog.KindMemberRejected, m.ID, bizlog.P{"reason": m.RejectReason}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(seen), nil
}

// SignAgreement records the member's signature of the agreement (step 2).
func (p *Platform) SignAgreement(ctx context.Context, id, version string) (*member.Member, error) {
	return p.change(ctx, auth.PermSignAgreement, id, func(m *member.Member, by string, tx *store.Tx) (string, bizlog.P, error) {
		if err := m.SignAgreement(strings.TrimSpace(version), p.Agreement, by, tx.Now()); err != nil {
			return "", nil, err
		}
		return bizlog.KindMemberAgreed, bizlog.P{"agreement_version": m.Agreement}, nil
	})
}

// RegisterKeys registers the member node's public keys and opens its
// account (step 3). The log keeps commitments to the keys.
func (p *Platform) RegisterKeys(ctx context.Context, id string, k member.Keys) (*member.Member, error) {
	return p.change(ctx, auth.PermRegisterKeys, id, func(m *member.Member, by string, tx *store.Tx) (string, bizlog.P, error) {
		if err := m.OpenAccount(k, by, tx.Now()); err != nil {
			return "", nil, err
		}
		return bizlog.KindMemberOpened, bizlog.P{bizlog.CommitField("x25519_public", p.Digest()): bizlog.CommitWith(p.Digest(), k.X25519), bizlog.CommitField("ed25519_public", p.Digest()): bizlog.CommitWith(p.Digest(), k.Signing)}, nil
	})
}

// PassIntegration completes onboarding (step 4). It is called for a
// request that the member's node signed with its registered key, which is
// what the integration test proves.
func (p *Platform) PassIntegration(ctx context.Context, id string) (*member.Member, error) {
	a := auth.ActorFrom(ctx)
	if !a.Node || a.MemberID != id {
		return nil, errs.New(errs.PermissionDenied, "", "接入联调须由成员节点以其注册密钥签名的请求完成", "the integration test must be a request signed by the member's node with its registered key")
	}
	return p.change(ctx, auth.PermIntegrationTest, id, func(m *member.Member, by string, tx *store.Tx) (string, bizlog.P, error) {
		if err := m.PassIntegration(by, tx.Now()); err != nil {
			return "", nil, err
		}
		return bizlog.KindMemberIntegrated, bizlog.P{}, nil
	})
}

// RequireNode admits a trading call signed by a member's node key (the
// relay's node procedures, suppliers' notices) and returns its actor.
func RequireNode(ctx context.Context) (auth.Actor, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return auth.Actor{}, err
	}
	a := auth.ActorFrom(ctx)
	if !a.Node || a.MemberID == "" {
		return auth.Actor{}, errs.New(errs.PermissionDenied, "", "此操作须由成员节点以节点密钥签名调用", "this call must be signed by the member's node key")
	}
	return a, nil
}

// RequireTrading is the one gate before listing, ordering or receiving a
// delivery: the acting member must have completed all four onboarding steps,
// be in good standing, and not be halted. Call it inside the transaction of
// the trade.
func RequireTrading(ctx context.Context, tx *store.Tx) (*member.Member, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	m, err := tx.Member(ctx, auth.ActorFrom(ctx).MemberID, false)
	if err != nil {
		return nil, err
	}
	if err := m.CanTrade(); err != nil {
		return nil, err
	}
	if err := CheckHalts(ctx, tx, Touches{Members: []string{m.ID}}); err != nil {
		return nil, err
	}
	return m, nil
}
