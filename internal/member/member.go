// Package member is the member organisation of 《数据互联规则》 (X-M1..X-M3)
// and its onboarding state machine (开户联调, X-M2). The rules are pure
// functions here; the platform persists and logs each transition.
package member

import (
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/errs"
	"hulian/internal/i18n"
	"hulian/internal/protocol/ident"
	"hulian/internal/sig"
)

// Stage is where a member is in onboarding. The four steps of X-M2 are
// qualification review, agreement signing, account opening and integration
// testing; a member may trade only in StageActive.
type Stage string

const (
	StageApplied   Stage = "applied"   // qualification submitted, awaiting review
	StageRejected  Stage = "rejected"  // qualification rejected; may resubmit
	StageQualified Stage = "qualified" // step 1 done: 资质审核通过
	StageAgreed    Stage = "agreed"    // step 2 done: 协议签署
	StageOpened    Stage = "opened"    // step 3 done: 账户开通, node keys registered
	StageActive    Stage = "active"    // step 4 done: 接入联调通过
)

// Step number (1..4) completed at this stage, for display.
func (s Stage) StepsDone() int {
	switch s {
	case StageQualified:
		return 1
	case StageAgreed:
		return 2
	case StageOpened:
		return 3
	case StageActive:
		return 4
	}
	return 0
}

// Standing is the member's disciplinary state (X-G2, X-V1). Sanctions come
// with a later part of the platform; onboarding only needs "good".
type Standing string

const (
	StandingGood       Standing = "good"
	StandingSuspended  Standing = "suspended"
	StandingTerminated Standing = "terminated"
)

// Application is what an organisation submits for qualification review.
type Application struct {
	Name          string
	USCC          string // 统一社会信用代码, GB 32100
	Industry      string // GB/T 4754 section letter and division, e.g. "I64"
	ContactName   string
	ContactPhone  string
	ContactEmail  string
	StorageRegion string // ISO 3166-2 code where the member's node stores data, e.g. "CN-SH"
	Supplier      bool
	Demander      bool
}

// Step records who completed an onboarding step and when.
type Step struct {
	At time.Time
	By string // actor reference
}

// Done reports whether the step happened.
func (s Step) Done() bool { return !s.At.IsZero() }

// Member is an organisation on the exchange.
type Member struct {
	ID string
	Application
	Stage    Stage
	Standing Standing

	Applied      Step
	Qualified    Step // approved, or rejected when Stage is StageRejected
	RejectReason string
	Agreement    string // the agreement version signed
	Agreed       Step
	Keys         Keys
	Opened       Step
	Integrated   Step
	Created      time.Time
	Updated      time.Time
}

// Keys are a member node's registered public keys.
type Keys struct {
	X25519 []byte // order-key agreement (DESIGN.md protocol step 3)
	// Signing signs the node's requests, answers and reports: an Ed25519
	// key (32 bytes) or, under the 国密 profile, an SM2 key (33 bytes,
	// compressed); package sig tells them apart.
	Signing []byte
}

var industryRe = regexp.MustCompile(`^[A-T]([0-9]{2})?$`)

// regionRe accepts an ISO 3166-1 alpha-2 country with an optional
// ISO 3166-2 subdivision, e.g. "CN", "CN-SH", "SG".
var regionRe = regexp.MustCompile(`^[A-Z]{2}(-[A-Z0-9]{1,3})?$`)

// Normalize trims the application and upper-cases codes in place.
func (a *Application) Normalize() {
	a.Name = strings.TrimSpace(a.Name)
	a.USCC = strings.ToUpper(strings.TrimSpace(a.USCC))
	a.Industry = strings.ToUpper(strings.TrimSpace(a.Industry))
	a.ContactName = strings.TrimSpace(a.ContactName)
	a.ContactPhone = strings.TrimSpace(a.ContactPhone)
	a.ContactEmail = strings.TrimSpace(a.ContactEmail)
	a.StorageRegion = strings.ToUpper(strings.TrimSpace(a.StorageRegion))
}

// Validate checks an application field by field and reports the first
// problem by field name.
func (a *Application) Validate() error {
	a.Normalize()
	switch {
	case a.Name == "" || utf8.RuneCountInString(a.Name) > 200:
		return errs.Invalidf("name", "单位名称不能为空，且不超过 200 字", "organisation name is required and at most 200 characters")
	case a.USCC == "":
		return errs.Invalidf("uscc", "统一社会信用代码不能为空", "unified social credit code is required")
	}
	if err := ident.CheckUSCC(a.USCC); err != nil {
		reason := i18n.T("格式不正确", "malformed")
		var e *errs.Error
		if errors.As(err, &e) {
			reason = e.Reason
		}
		return &errs.Error{Kind: errs.Invalid, Field: "uscc", Reason: i18n.T("统一社会信用代码无效："+reason.ZH, "invalid unified social credit code: "+reason.EN)}
	}
	switch {
	case !industryRe.MatchString(a.Industry):
		return errs.Invalidf("industry", "行业须为国民经济行业分类（GB/T 4754）门类字母加可选的两位大类代码，如 I64", "industry must be a GB/T 4754 section letter with an optional two-digit division, e.g. I64")
	case a.ContactName == "" || utf8.RuneCountInString(a.ContactName) > 100:
		return errs.Invalidf("contact_name", "联系人不能为空", "contact name is required")
	case a.ContactPhone == "" || len(a.ContactPhone) > 40:
		return errs.Invalidf("contact_phone", "联系电话不能为空", "contact phone is required")
	}
	if err := ident.CheckEmail(strings.ToLower(a.ContactEmail)); err != nil {
		return errs.Invalidf("contact_email", "联系邮箱格式不正确", "contact e-mail is not a valid address")
	}
	a.ContactEmail = strings.ToLower(a.ContactEmail)
	switch {
	case !regionRe.MatchString(a.StorageRegion):
		return errs.Invalidf("storage_region", "数据存储地须为 ISO 3166-2 代码，如 CN-SH", "storage region must be an ISO 3166-2 code, e.g. CN-SH")
	case !a.Supplier && !a.Demander:
		return errs.Invalidf("roles", "须至少选择供应方或需求方之一", "choose supplier, demander or both")
	}
	return nil
}

// InMainland reports whether the declared storage region is in mainland
// China (O-6): Hong Kong, Macao and Taiwan are outside for this purpose.
func (a Application) InMainland() bool {
	if a.StorageRegion != "CN" && !strings.HasPrefix(a.StorageRegion, "CN-") {
		return false
	}
	switch a.StorageRegion {
	case "CN-HK", "CN-MO", "CN-TW":
		return false
	}
	return true
}

// Roles lists the member's business roles for display.
func (m *Member) Roles() []string {
	var r []string
	if m.Supplier {
		r = append(r, "supplier")
	}
	if m.Demander {
		r = append(r, "demander")
	}
	return r
}

// CanTrade is the one place that decides whether a member may list, order or
// receive deliveries: all four onboarding steps done and in good standing.
func (m *Member) CanTrade() error {
	if m.Stage != StageActive {
		return errs.New(errs.FailedPrecondition, "member", "成员尚未完成开户联调（资质审核、协议签署、账户开通、接入联调），暂不能交易", "the member has not completed onboarding (qualification, agreement, account opening, integration test) and cannot trade yet")
	}
	if m.Standing != StandingGood {
		return errs.New(errs.FailedPrecondition, "member", "成员服务已暂停或终止，不能交易", "the member's service is suspended or terminated; it cannot trade")
	}
	return nil
}

func wrongStage(m *Member, wantZH, wantEN string) error {
	return errs.New(errs.FailedPrecondition, "stage", "当前开户阶段为 "+string(m.Stage)+"，"+wantZH, "onboarding stage is "+string(m.Stage)+"; "+wantEN)
}

// Resubmit replaces a rejected application and returns it to review.
func (m *Member) Resubmit(a Application, by string, now time.Time) error {
	if m.Stage != StageRejected {
		return wrongStage(m, "只有被驳回的申请可以重新提交", "only a rejected application can be resubmitted")
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if a.USCC != m.USCC {
		return errs.Invalidf("uscc", "重新提交时不能更改统一社会信用代码", "the unified social credit code cannot change on resubmission")
	}
	m.Application = a
	m.Stage = StageApplied
	m.Applied = Step{At: now, By: by}
	m.RejectReason = ""
	return nil
}

// Review records the operator's qualification decision (step 1).
func (m *Member) Review(approve bool, reason, by string, now time.Time) error {
	if m.Stage != StageApplied {
		return wrongStage(m, "只能审核待审核的申请", "only a submitted application can be reviewed")
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return errs.Invalidf("reason", "驳回时必须说明理由", "a rejection needs a reason")
	}
	m.Qualified = Step{At: now, By: by}
	m.RejectReason = reason
	if approve {
		m.Stage = StageQualified
	} else {
		m.Stage = StageRejected
	}
	return nil
}

// SignAgreement records step 2: the version signed, when and by whom.
func (m *Member) SignAgreement(version, current, by string, now time.Time) error {
	if m.Stage != StageQualified {
		return wrongStage(m, "须在资质审核通过后签署协议", "the agreement is signed after qualification is approved")
	}
	if version != current {
		return errs.Invalidf("agreement_version", "须签署现行协议版本 "+current, "sign the current agreement version "+current)
	}
	m.Agreement = version
	m.Agreed = Step{At: now, By: by}
	m.Stage = StageAgreed
	return nil
}

// OpenAccount records step 3: the member's node keys are registered.
func (m *Member) OpenAccount(k Keys, by string, now time.Time) error {
	if m.Stage != StageAgreed {
		return wrongStage(m, "须在签署协议后开通账户", "the account is opened after the agreement is signed")
	}
	if err := k.Validate(); err != nil {
		return err
	}
	m.Keys = k
	m.Opened = Step{At: now, By: by}
	m.Stage = StageOpened
	return nil
}

// PassIntegration records step 4, after the node proved it reaches the
// platform and signs with its registered key.
func (m *Member) PassIntegration(by string, now time.Time) error {
	if m.Stage != StageOpened {
		return wrongStage(m, "须在账户开通后进行接入联调", "the integration test follows account opening")
	}
	m.Integrated = Step{At: now, By: by}
	m.Stage = StageActive
	return nil
}

// Validate checks the key sizes and rejects the all-zero X25519 key, whose
// shared secret would be zero for every peer.
func (k Keys) Validate() error {
	if len(k.X25519) != 32 {
		return errs.Invalidf("x25519_public_key", "X25519 公钥须为 32 字节", "the X25519 public key must be 32 bytes")
	}
	allZero := true
	for _, b := range k.X25519 {
		if b != 0 {
			allZero = false
		}
	}
	if allZero {
		return errs.Invalidf("x25519_public_key", "X25519 公钥不能为全零", "the X25519 public key must not be all zero")
	}
	return sig.CheckPublic("ed25519_public_key", k.Signing)
}
