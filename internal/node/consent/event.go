package consent

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/node/nodestore"
)

// Legal bases of processing, PIPL Art. 13 ¶1 (1)–(7). There is no
// "legitimate interest" in Chinese law.
const (
	BasisConsent      = "consent"       // (1) the individual's consent
	BasisContract     = "contract"      // (2) a contract the individual is party to, or HR management
	BasisLegalDuty    = "legal_duty"    // (3) a statutory duty or obligation
	BasisPublicHealth = "public_health" // (4) a public health emergency, or protecting life, health and property in an emergency
	BasisNews         = "news"          // (5) news reporting and supervision by public opinion in the public interest
	BasisPublicInfo   = "public_info"   // (6) information the individual disclosed or otherwise lawfully disclosed
	BasisOtherLaw     = "other_law"     // (7) other circumstances laws and administrative regulations provide
)

// Bases lists the legal bases in the order of Art. 13.
var Bases = []string{BasisConsent, BasisContract, BasisLegalDuty, BasisPublicHealth, BasisNews, BasisPublicInfo, BasisOtherLaw}

// Actions on a history.
const (
	Given       = "given"       // consent given, or processing on another basis recorded
	Withdrawn   = "withdrawn"   // consent withdrawn (Art. 15)
	OptedOut    = "opted_out"   // the individual refused, e.g. marketing (Art. 24 ¶2, X-P3)
	Invalidated = "invalidated" // a new notice changed the purpose: consent needed again (Art. 14)
)

// States a history can be in.
const (
	StateActive      = "active"
	StateWithdrawn   = "withdrawn"
	StateOptedOut    = "opted_out"
	StateInvalidated = "invalidated"
)

// Methods by which a subject's act is recorded. Each is an affirmative
// act of the subject's (or, for another basis, names that basis's
// source); silence, a pre-ticked box or use of the service are not
// consent (S-3, Art. 14: 自愿、明确).
var Methods = []string{"app_opt_in", "web_opt_in", "paper_signature", "recorded_call", "sms_reply", "privacy_centre", "contract", "statutory", "public_source"}

// notConsent are methods people use for consent by default, refused with
// the reason.
var notConsent = []string{"default", "pre_ticked", "implied", "silence", "continued_use", "bundled"}

// Input is one event as the member's systems give it.
type Input struct {
	ExID          []byte
	Purpose       string
	Action        string
	Basis         string
	NoticeVersion int
	Method        string
	Evidence      string // a reference to the evidence kept by the member (a form's ID, a recording's hash)
	At            time.Time
	Separate      bool // separate consent (单独同意) for this purpose
	Minor         bool // the subject is under 14
	Guardian      bool // a parent or guardian consented (Art. 31)
}

// apply checks in against the notice it names and the history's current
// state (nil if none), and returns the event with its resulting state.
func apply(in *Input, notice *Notice, cur *nodestore.ConsentState, now time.Time) (*nodestore.ConsentEvent, error) {
	if len(in.ExID) != 17 {
		return nil, errs.Invalidf("exid", "主体须以 exID 标识", "the subject is identified by its exID")
	}
	ev := &nodestore.ConsentEvent{ExID: in.ExID, Purpose: in.Purpose, Action: in.Action, Basis: in.Basis, NoticeVersion: in.NoticeVersion,
		Method: in.Method, Evidence: strings.TrimSpace(in.Evidence), Separate: in.Separate, Minor: in.Minor, Guardian: in.Guardian,
		At: in.At.UTC().Truncate(time.Microsecond)}
	if in.At.IsZero() {
		return nil, errs.Invalidf("at", "须给出主体作出意思表示的时间", "give the time the subject acted")
	}
	if in.At.After(now.Add(5 * time.Minute)) {
		return nil, errs.Invalidf("at", "时间不能晚于现在", "the time cannot be in the future")
	}
	if utf8.RuneCountInString(ev.Evidence) > 500 {
		return nil, errs.Invalidf("evidence", "证据引用最长 500 字", "the evidence reference is at most 500 characters")
	}
	if notice == nil {
		return nil, errs.Invalidf("notice_version", fmt.Sprintf("没有第 %d 版隐私告知", in.NoticeVersion), fmt.Sprintf("there is no notice version %d", in.NoticeVersion))
	}
	p := notice.Find(in.Purpose)
	if p == nil {
		return nil, errs.Invalidf("purpose", fmt.Sprintf("第 %d 版隐私告知中没有目的 %q", notice.Version, in.Purpose), fmt.Sprintf("notice version %d has no purpose %q", notice.Version, in.Purpose))
	}
	switch in.Action {
	case Given:
		if !slices.Contains(Bases, in.Basis) {
			return nil, errs.Invalidf("basis", "法律依据须为《个人信息保护法》第十三条所列之一："+strings.Join(Bases, "、"), "the basis must be one of PIPL Art. 13's: "+strings.Join(Bases, ", "))
		}
		if slices.Contains(notConsent, in.Method) {
			return nil, errs.Invalidf("method", "默认勾选、沉默或继续使用不构成同意，须由个人主动作出（“"+in.Method+"”）", "a default, a pre-ticked box, silence or continued use is not consent: the individual must act ("+in.Method+")")
		}
		if !slices.Contains(Methods, in.Method) {
			return nil, errs.Invalidf("method", "方式须为："+strings.Join(Methods, "、"), "the method must be one of: "+strings.Join(Methods, ", "))
		}
		if in.Basis == BasisConsent {
			if ev.Evidence == "" {
				return nil, errs.Invalidf("evidence", "基于同意的，须引用同意的证据", "consent needs a reference to its evidence")
			}
			if (p.Sensitive || p.ThirdParty) && !in.Separate {
				return nil, errs.Invalidf("separate", "该目的涉及敏感个人信息或向第三方提供，须取得单独同意（第二十三、二十九条）", "this purpose involves sensitive information or provision to third parties: it needs separate consent (Art. 23, 29)")
			}
			if in.Minor && !in.Guardian {
				return nil, errs.Invalidf("guardian", "不满十四周岁的，须取得其父母或其他监护人的同意（第三十一条）", "for a subject under 14 a parent's or guardian's consent is needed (Art. 31)")
			}
		}
		ev.State = StateActive
		ev.ThirdParty = p.ThirdParty && (in.Basis != BasisConsent || in.Separate)
	case Withdrawn:
		if cur == nil || cur.State != StateActive || cur.Basis != BasisConsent {
			return nil, errs.New(errs.FailedPrecondition, "action", "该主体对此目的没有有效的同意可撤回", "the subject has no consent in force for this purpose to withdraw")
		}
		ev.Basis, ev.State = cur.Basis, StateWithdrawn
	case OptedOut:
		// Refusing needs nothing in force: a subject may refuse before
		// being asked (a marketing opt-out, X-P3).
		if ev.Basis != "" && !slices.Contains(Bases, ev.Basis) {
			return nil, errs.Invalidf("basis", "法律依据须为《个人信息保护法》第十三条所列之一："+strings.Join(Bases, "、"), "the basis must be one of PIPL Art. 13's: "+strings.Join(Bases, ", "))
		}
		if ev.Basis == "" {
			ev.Basis = BasisConsent
			if cur != nil {
				ev.Basis = cur.Basis
			}
		}
		ev.State = StateOptedOut
	default:
		return nil, errs.Invalidf("action", "操作须为 given、withdrawn 或 opted_out", "the action must be given, withdrawn or opted_out")
	}
	if in.Action != Given && ev.Method == "" {
		ev.Method = "privacy_centre"
	}
	if !slices.Contains(Methods, ev.Method) {
		return nil, errs.Invalidf("method", "方式须为："+strings.Join(Methods, "、"), "the method must be one of: "+strings.Join(Methods, ", "))
	}
	return ev, nil
}

// canonical is what an event's hash covers, in a fixed order.
type canonical struct {
	Seq           int64  `json:"seq"`
	ExID          string `json:"exid"`
	Purpose       string `json:"purpose"`
	Action        string `json:"action"`
	Basis         string `json:"basis"`
	NoticeVersion int    `json:"notice_version"`
	Method        string `json:"method"`
	Evidence      string `json:"evidence"`
	Separate      bool   `json:"separate"`
	Minor         bool   `json:"minor"`
	Guardian      bool   `json:"guardian"`
	At            string `json:"at"`
	Recorded      string `json:"recorded"`
	RecordedBy    string `json:"recorded_by"`
}

const timeFormat = "2006-01-02T15:04:05.000000Z"

// Hash is an event's link in the ledger's chain: SHA-256 of the previous
// event's hash and the event's canonical JSON.
func Hash(prev []byte, e *nodestore.ConsentEvent) []byte { return HashWith(digest.SHA256, prev, e) }

// HashWith is Hash under alg: a ledger begun under the 国密 profile is
// chained with SM3 (the ledger's hash is recorded with its first event).
func HashWith(alg digest.Alg, prev []byte, e *nodestore.ConsentEvent) []byte {
	b, _ := json.Marshal(canonical{e.Seq, hex.EncodeToString(e.ExID), e.Purpose, e.Action, e.Basis, e.NoticeVersion, e.Method, e.Evidence,
		e.Separate, e.Minor, e.Guardian, e.At.UTC().Format(timeFormat), e.Recorded.UTC().Format(timeFormat), e.RecordedBy})
	h := alg.New()
	h.Write(prev)
	h.Write(b)
	return h.Sum(nil)
}
