// Package privacy is the node's privacy centre for the people in the
// member's data (PIPL Art. 44–47; S-6, O-4, X-P3): a person sees what the
// member's notice says it processes and for which purposes, which of
// their consents stand, withdraws or refuses a purpose — honoured by the
// very next delivery — and asks for a copy, a correction or deletion, or
// complains, each request due in Chinese working days.
//
// A person arrives through a signed link the member's own app makes for
// its logged-in customer: the customer's exID, an expiry of at most ten
// minutes and a nonce, signed with HMAC-SHA256 under a key the node and
// the app share. The link is spent on first use. The centre then keeps a
// short session in a signed cookie. Nobody can reach a person's page by
// guessing: there is no form that takes a phone number or an ID.
package privacy

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/node"
	"hulian/internal/node/nodestore"
	"hulian/internal/node/supply"
	"hulian/internal/protocol/exid"
)

// MaxLinkTTL bounds a link's life: the node remembers spent nonces for as
// long.
const MaxLinkTTL = 10 * time.Minute

// SessionTTL is how long a person stays in the centre after arriving.
const SessionTTL = 30 * time.Minute

// DefaultDueDays is how many working days the member has to answer a
// request (configurable per node).
const DefaultDueDays = 15

// Centre is a node's privacy centre.
type Centre struct {
	N *node.Node
	// Calendar counts working days for due dates; nil for the embedded
	// one.
	Calendar *calendar.Calendar
	DueDays  int

	keyMu sync.Mutex
	key   []byte // the link key once read: it never changes

	escalateMu sync.Mutex // one hand-over to the operator at a time

	// Senders deliver one-time codes for entry by a mobile number or an
	// e-mail address; without them, entry is by the app's link only.
	Senders Senders
	limits  otpLimits

	// Supplied lists the orders a person's data was provided to (the
	// supplier's records, supply.SuppliedOf); nil shows none.
	Supplied func(ctx context.Context, id exid.ExID) ([]*supply.Supplied, error)
}

// New returns the privacy centre of n.
func New(n *node.Node) *Centre { return &Centre{N: n} }

var b64 = base64.RawURLEncoding

// LinkKey returns the key of the signed links, made on first use. Every
// request of the centre needs it: it is read from the store once.
func (c *Centre) LinkKey(ctx context.Context) ([]byte, error) {
	c.keyMu.Lock()
	defer c.keyMu.Unlock()
	if c.key != nil {
		return c.key, nil
	}
	var key []byte
	err := c.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		v, err := tx.Setting(ctx, nodestore.SettingPrivacyLinkKey)
		if err != nil {
			return err
		}
		if v == "" {
			k := make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return err
			}
			v = hex.EncodeToString(k)
			if err := tx.SetSetting(ctx, nodestore.SettingPrivacyLinkKey, v); err != nil {
				return err
			}
		}
		key, err = hex.DecodeString(v)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.key = key
	return key, nil
}

func mac(key []byte, label string, payload []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	h.Write(payload)
	return h.Sum(nil)
}

const (
	linkLabel    = "hulian privacy link v1\n"
	sessionLabel = "hulian privacy session v1\n"
	csrfLabel    = "hulian privacy csrf v1\n"
)

// MintLink makes the token of a link for the customer id, valid for ttl
// (at most MaxLinkTTL): what the member's app does with the shared key.
func MintLink(key []byte, id exid.ExID, now time.Time, ttl time.Duration) string {
	ttl = min(ttl, MaxLinkTTL)
	payload := make([]byte, 0, exid.Size+16)
	payload = append(payload, id[:]...)
	payload = binary.BigEndian.AppendUint64(payload, uint64(now.Add(ttl).Unix()))
	var nonce [8]byte
	rand.Read(nonce[:])
	payload = append(payload, nonce[:]...)
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(mac(key, linkLabel, payload))
}

var errBadLink = errs.New(errs.Unauthenticated, "link", "链接无效、已过期或已使用过；请从 App 中重新打开隐私中心", "the link is invalid, expired or used already; open the privacy centre again from the app")

// Enter spends a link and returns the customer it names.
func (c *Centre) Enter(ctx context.Context, token string) (exid.ExID, error) {
	var id exid.ExID
	p, s, ok := strings.Cut(token, ".")
	payload, err1 := b64.DecodeString(p)
	sig, err2 := b64.DecodeString(s)
	if !ok || err1 != nil || err2 != nil || len(payload) != exid.Size+16 {
		return id, errBadLink
	}
	key, err := c.LinkKey(ctx)
	if err != nil {
		return id, err
	}
	if !hmac.Equal(sig, mac(key, linkLabel, payload)) {
		return id, errBadLink
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(payload[exid.Size:])), 0)
	now := c.N.Now()
	if now.After(exp) || exp.Sub(now) > MaxLinkTTL+time.Minute {
		return id, errBadLink
	}
	var fresh bool
	err = c.N.DB.Transact(ctx, func(tx *nodestore.Tx) (err error) {
		fresh, err = tx.RememberNonce(ctx, "privacy:"+hex.EncodeToString(payload[exid.Size+8:]))
		return err
	})
	if err != nil {
		return id, err
	}
	if !fresh {
		return id, errBadLink
	}
	copy(id[:], payload[:exid.Size])
	return id, nil
}

// Session is a person's signed session: the cookie's value.
func (c *Centre) Session(ctx context.Context, id exid.ExID) (string, error) {
	key, err := c.LinkKey(ctx)
	if err != nil {
		return "", err
	}
	payload := binary.BigEndian.AppendUint64(append([]byte{}, id[:]...), uint64(c.N.Now().Add(SessionTTL).Unix()))
	return b64.EncodeToString(payload) + "." + b64.EncodeToString(mac(key, sessionLabel, payload)), nil
}

// Person opens a session cookie's value.
func (c *Centre) Person(ctx context.Context, v string) (exid.ExID, error) {
	var id exid.ExID
	p, s, ok := strings.Cut(v, ".")
	payload, err1 := b64.DecodeString(p)
	sig, err2 := b64.DecodeString(s)
	if !ok || err1 != nil || err2 != nil || len(payload) != exid.Size+8 {
		return id, errNoSession
	}
	key, err := c.LinkKey(ctx)
	if err != nil {
		return id, err
	}
	if !hmac.Equal(sig, mac(key, sessionLabel, payload)) || c.N.Now().After(time.Unix(int64(binary.BigEndian.Uint64(payload[exid.Size:])), 0)) {
		return id, errNoSession
	}
	copy(id[:], payload[:exid.Size])
	return id, nil
}

var errNoSession = errs.New(errs.Unauthenticated, "", "会话已结束；请从 App 中重新打开隐私中心", "your session has ended; open the privacy centre again from the app")

// CSRF is the session's form token.
func (c *Centre) CSRF(ctx context.Context, session string) (string, error) {
	key, err := c.LinkKey(ctx)
	if err != nil {
		return "", err
	}
	return b64.EncodeToString(mac(key, csrfLabel, []byte(session))), nil
}

// Request kinds.
var RequestKinds = []string{"copy", "correct", "delete", "complain", "explain", "review"}

// Due returns the due date of a request filed on day: DueDays working
// days later. When the calendar does not cover a year it reaches, the
// days are counted Monday to Friday and the date is provisional: never
// later than the true one, since holidays only push it back.
func (c *Centre) Due(day calendar.Date) (calendar.Date, bool) {
	cal := c.Calendar
	if cal == nil {
		cal = calendar.Default()
	}
	n := c.DueDays
	if n <= 0 {
		n = DefaultDueDays
	}
	if d, err := cal.AddWorkingDays(day, n); err == nil {
		return d, false
	}
	d := day
	for k := 0; k < n; {
		d = d.AddDays(1)
		if wd := d.Start().Weekday(); wd != time.Saturday && wd != time.Sunday {
			k++
		}
	}
	return d, true
}

// File records a person's request, due in working days.
func (c *Centre) File(ctx context.Context, id exid.ExID, kind, details string) (*nodestore.SubjectRequest, error) {
	return c.FileAbout(ctx, id, kind, "", details)
}

// FileAbout records a request that may be about one of the member's
// automated decisions: an explanation of it ("explain"), or a person to
// decide instead ("review", for a decision whose effect is significant,
// PIPL Art. 24 ¶3).
func (c *Centre) FileAbout(ctx context.Context, id exid.ExID, kind, decision, details string) (*nodestore.SubjectRequest, error) {
	ok := false
	for _, k := range RequestKinds {
		ok = ok || k == kind
	}
	if !ok {
		return nil, errs.Invalidf("kind", "请选择请求类型", "choose what you ask for")
	}
	details, decision = strings.TrimSpace(details), strings.TrimSpace(decision)
	about := kind == "explain" || kind == "review"
	switch {
	case about && decision == "":
		return nil, errs.Invalidf("decision", "请选择所涉的自动化决策", "choose the automated decision it is about")
	case !about && decision != "":
		return nil, errs.Invalidf("decision", "只有解释说明和人工决定的请求涉及自动化决策", "only an explanation or a human review is about an automated decision")
	case about && details == "":
		details = "—"
	}
	if utf8.RuneCountInString(details) > 2000 || (details == "" && kind != "copy") {
		return nil, errs.Invalidf("details", "请说明（最长 2000 字）", "say what you ask for (at most 2000 characters)")
	}
	now := c.N.Now()
	due, provisional := c.Due(calendar.DateOf(now))
	r := &nodestore.SubjectRequest{ID: auth.NewID("req_"), ExID: id[:], Kind: kind, Details: details, Filed: now.UTC(), DueOn: due.String(),
		Provisional: provisional, Status: "open", Decision: decision}
	err := c.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		if about {
			d, err := tx.DecisionByID(ctx, decision)
			if err != nil {
				return err
			}
			if kind == "review" && !d.Significant {
				return errs.Invalidf("decision", "该决策对个人权益无重大影响：可要求解释说明", "this decision has no significant effect on people: ask for an explanation")
			}
		}
		if err := tx.InsertSubjectRequest(ctx, r); err != nil {
			return err
		}
		return tx.Record(ctx, "privacy.request_filed", r.ID+" "+kind+" due "+r.DueOn)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Requests lists a person's requests, or everyone's (nil id) for staff.
func (c *Centre) Requests(ctx context.Context, id []byte) ([]*nodestore.SubjectRequest, error) {
	var out []*nodestore.SubjectRequest
	err := c.N.DB.Read(ctx, func(tx *nodestore.Tx) (err error) { out, err = tx.SubjectRequests(ctx, id, 500); return err })
	return out, err
}

// Close records a request's outcome (the member's staff).
func (c *Centre) Close(ctx context.Context, reqID, status, outcome, by string) (*nodestore.SubjectRequest, error) {
	if status != "done" && status != "refused" {
		return nil, errs.Invalidf("status", "结果须为 done（已办理）或 refused（拒绝，须说明理由）", "the outcome is done or refused (with the reason)")
	}
	outcome = strings.TrimSpace(outcome)
	if outcome == "" || utf8.RuneCountInString(outcome) > 2000 {
		return nil, errs.Invalidf("outcome", "须写明办理结果或拒绝理由（最长 2000 字）", "state what was done, or why it was refused (at most 2000 characters)")
	}
	var r *nodestore.SubjectRequest
	err := c.N.DB.Transact(ctx, func(tx *nodestore.Tx) error {
		var err error
		if r, err = tx.SubjectRequest(ctx, reqID); err != nil {
			return err
		}
		if r.Status != "open" {
			return errs.New(errs.FailedPrecondition, "status", "该请求已办结", "the request is closed already")
		}
		r.Status, r.Outcome, r.ClosedBy, r.Closed = status, outcome, by, tx.Now()
		if err := tx.CloseSubjectRequest(ctx, r); err != nil {
			return err
		}
		if r.Kind == "delete" && status == "done" {
			// A deletion done leaves the person out of every dataset's
			// answers from the next request on, and the demanders that
			// received their data are told to delete it too (the
			// supplier's notices, supply.Rectify).
			if _, err := tx.ExcludeSubjects(ctx, "", [][]byte{r.ExID}, "deletion request "+r.ID); err != nil {
				return err
			}
		}
		return tx.Record(ctx, "privacy.request_closed", r.ID+" "+status)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Overdue reports whether an open request is past its due date on day.
func Overdue(r *nodestore.SubjectRequest, day calendar.Date) bool {
	if r.Status != "open" {
		return false
	}
	due, err := calendar.ParseDate(r.DueOn)
	return err == nil && day.After(due)
}
