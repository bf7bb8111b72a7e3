package auth

import (
	"context"

	"hulian/internal/errs"
)

// Permission names one thing an actor may do.
type Permission string

const (
	PermApply           Permission = "member.apply"            // submit or resubmit a qualification application
	PermMemberReadOwn   Permission = "member.read_own"         // see one's own organisation
	PermMemberReadAll   Permission = "member.read_all"         // see every member
	PermReviewQualif    Permission = "member.review"           // approve or reject a qualification (资质审核)
	PermSignAgreement   Permission = "member.sign_agreement"   // 协议签署
	PermRegisterKeys    Permission = "member.register_keys"    // 账户开通: register node keys
	PermIntegrationTest Permission = "member.integration_test" // 接入联调, by the node's signed request
	PermTokenManage     Permission = "token.manage"            // create and revoke one's own API tokens
	PermAccountCreate   Permission = "account.create"          // create platform staff accounts
	PermLogRead         Permission = "log.read"                // read the whole business log
	PermTrade           Permission = "member.trade"            // list, order, receive deliveries (further checked by onboarding)
	PermCatalogReview   Permission = "catalog.review"          // review, suspend and resume listings
	PermCatalogAdmin    Permission = "catalog.admin"           // replace the taxonomy and industry classification
	PermMarketAdmin     Permission = "market.admin"            // suspend, resume, terminate and expire orders
	PermQuotaAdmin      Permission = "quota.admin"             // record top-ups, set temporary credit and alert thresholds
	PermKeyRotate       Permission = "keys.rotate"             // start a new exID key epoch
	PermSettle          Permission = "settlement.run"          // issue the monthly statements (结算单)
	PermSupervise       Permission = "supervision.act"         // halt service, sanction members (X-H1, X-V1, X-G2)
	PermWitness         Permission = "log.witness"             // cosign the log's checkpoints as an independent witness (X-G1)
	PermIncident        Permission = "member.incident"         // report the member's security incidents and record their handling (X-P6, X-P14)
)

// permissions is the one table of what each role may do. A permission not in
// a role's row is denied. Tenant scoping (a member sees only its own objects)
// is enforced separately, in the data layer.
var permissions = map[Role]map[Permission]bool{
	RoleAnonymous: set(PermApply),
	RoleMember:    set(PermApply, PermMemberReadOwn, PermSignAgreement, PermRegisterKeys, PermIntegrationTest, PermTokenManage, PermTrade, PermIncident),
	RoleOperator:  set(PermMemberReadAll, PermReviewQualif, PermAccountCreate, PermLogRead, PermTokenManage, PermCatalogReview, PermCatalogAdmin, PermKeyRotate, PermMarketAdmin, PermQuotaAdmin, PermSettle, PermSupervise),
	RoleRegulator: set(PermMemberReadAll, PermLogRead, PermTokenManage, PermWitness),
}

func set(ps ...Permission) map[Permission]bool {
	m := make(map[Permission]bool, len(ps))
	for _, p := range ps {
		m[p] = true
	}
	return m
}

// Can reports whether role has p.
func Can(role Role, p Permission) bool { return permissions[role][p] }

// Require returns an error unless the actor in ctx has p: Unauthenticated
// for anonymous callers, PermissionDenied otherwise.
func Require(ctx context.Context, p Permission) error {
	a := ActorFrom(ctx)
	if Can(a.Role, p) {
		return nil
	}
	if a.Role == RoleAnonymous {
		return errs.New(errs.Unauthenticated, "", "请先登录", "log in first")
	}
	return errs.New(errs.PermissionDenied, "", "当前角色无权执行此操作", "your role may not do this")
}
