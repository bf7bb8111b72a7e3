package market

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"hulian/internal/catalog"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/pricing"
)

// Terms are what both confirmations fix (X-P7, X-W6): the licence's
// purpose, scope, method and term, the application scenario, the price and
// billing mode, the retention period after delivery and the traversal
// limits. They are built by the server from the demand and the selected
// offer; nothing a client sends is copied into them.
type Terms struct {
	DemandID       string            `json:"demand_id"`
	OfferID        string            `json:"offer_id"`
	ListingID      string            `json:"listing_id"`
	ListingVersion int               `json:"listing_version"`
	RenewalOf      string            `json:"renewal_of,omitempty"` // the order this one renews
	Demander       string            `json:"demander"`             // member IDs
	Supplier       string            `json:"supplier"`
	Purpose        string            `json:"purpose"`
	Scope          string            `json:"scope"`
	Method         Method            `json:"method"`
	Scenario       string            `json:"scenario"`
	Term           Term              `json:"term"`
	Price          pricing.Plan      `json:"price"`
	RetentionDays  int               `json:"retention_days"`
	Traversal      catalog.Traversal `json:"traversal"`
	// Columns are the tag keys licensed, in the listing's order, as of the
	// listing version ordered: answers carry their values in this order.
	// Empty in orders made before columns were fixed in the terms (the
	// encoding omits it, so their hash is unchanged).
	Columns []string `json:"columns,omitempty"`
	// Verification is the listing's verification method (X-E10), which
	// every delivery under the order must meet: "one_step" or "two_step",
	// "" for none. Omitted when empty, so older orders keep their hash.
	Verification string `json:"verification,omitempty"`
}

// termsDomain separates the hash of confirmation terms from any other
// SHA-256 a member might be asked to sign.
const termsDomain = "hulian-confirmation-v1\n"

// Hash is the content hash both signatures bind to: SHA-256, in hex, of the
// domain line and the terms' JSON (fields in declaration order, so the
// encoding of given terms is always the same bytes).
func (t Terms) Hash() string { return t.HashWith(digest.SHA256) }

// HashWith is Hash under alg: SM3 under the 国密 profile.
func (t Terms) HashWith(alg digest.Alg) string {
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("market: terms do not encode: %v", err)) // only strings, integers and dates
	}
	sum := alg.Sum(append([]byte(termsDomain), b...))
	return hex.EncodeToString(sum[:])
}

// Side is which confirmation a signature is on.
type Side string

const (
	// DemandSide signs the 数据需求确认单.
	DemandSide Side = "demand"
	// SupplySide signs the 数据供应确认单.
	SupplySide Side = "supply"
)

// Title is the confirmation's name.
func (s Side) Title() string {
	if s == SupplySide {
		return "数据供应确认单"
	}
	return "数据需求确认单"
}

// Signature is one side's signature of the terms: by which member and
// account, when, and over which content hash.
type Signature struct {
	Member    string    `json:"member"`
	Account   string    `json:"account"` // actor reference of the signer
	At        time.Time `json:"at"`
	TermsHash string    `json:"terms_hash"`
}

// Status is where an order is.
type Status string

const (
	Pending    Status = "pending_signatures" // waiting for one or both confirmations
	Active     Status = "active"             // both signed, both members able to trade
	Expired    Status = "expired"            // its term ended; a renewal is a new order
	Suspended  Status = "suspended"          // halted by the operator (complaint, dispute, sanction)
	Terminated Status = "terminated"         // ended early by the operator
)

// Order is the licence the two confirmations make.
type Order struct {
	ID          string     `json:"id"`
	Terms       Terms      `json:"terms"`
	TermsHash   string     `json:"terms_hash"`
	Demand      *Signature `json:"demand_signature,omitempty"`
	Supply      *Signature `json:"supply_signature,omitempty"`
	Status      Status     `json:"status"`
	Reason      string     `json:"reason,omitempty"` // of a suspension or termination
	ActivatedAt time.Time  `json:"activated_at"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
}

// NewOrder returns an order awaiting both signatures.
func NewOrder(id string, t Terms, now time.Time) *Order {
	return NewOrderWith(digest.SHA256, id, t, now)
}

// NewOrderWith is NewOrder with the terms hashed under alg, the exchange's.
func NewOrderWith(alg digest.Alg, id string, t Terms, now time.Time) *Order {
	return &Order{ID: id, Terms: t, TermsHash: t.HashWith(alg), Status: Pending, Created: now, Updated: now}
}

// StatusAt is the order's status at now: an active order whose term has
// ended is expired even before the expiry is recorded.
func (o *Order) StatusAt(now time.Time) Status {
	if o.Status == Active && !now.Before(o.Terms.Term.Ends()) {
		return Expired
	}
	return o.Status
}

// SideOf is the side member signs, or "" if it is not a party.
func (o *Order) SideOf(member string) Side {
	switch member {
	case o.Terms.Demander:
		return DemandSide
	case o.Terms.Supplier:
		return SupplySide
	}
	return ""
}

// Sign records one side's signature over hash, which must be the hash of
// the terms as stored: a signer who saw other terms (a price changed on its
// screen, or terms replaced since) is refused. It reports whether both
// sides have now signed.
func (o *Order) Sign(side Side, member, account, hash string, now time.Time) (both bool, err error) {
	if o.Status != Pending {
		return false, errs.New(errs.FailedPrecondition, "order", "订单状态为 "+string(o.Status)+"，不能再签署", "the order is "+string(o.Status)+"; it can no longer be signed")
	}
	slot := &o.Demand
	party := o.Terms.Demander
	if side == SupplySide {
		slot, party = &o.Supply, o.Terms.Supplier
	} else if side != DemandSide {
		return false, errs.Invalidf("side", "须为 demand（数据需求确认单）或 supply（数据供应确认单）", "side must be demand or supply")
	}
	if member != party {
		return false, errs.New(errs.PermissionDenied, "side", side.Title()+"须由该方成员签署", "the "+string(side)+" confirmation is signed by that party")
	}
	if hash != o.TermsHash {
		return false, errs.New(errs.FailedPrecondition, "terms_hash", "签署的内容摘要与确认单不一致：请重新查看确认单后签署", "the signed content hash does not match the confirmation: review it again before signing")
	}
	if *slot != nil {
		return false, errs.New(errs.Conflict, "side", side.Title()+"已由 "+(*slot).Account+" 于 "+(*slot).At.Format(time.RFC3339)+" 签署",
			"the "+string(side)+" confirmation was signed by "+(*slot).Account+" at "+(*slot).At.Format(time.RFC3339))
	}
	*slot = &Signature{Member: member, Account: account, At: now, TermsHash: hash}
	o.Updated = now
	return o.Demand != nil && o.Supply != nil, nil
}

// Activate makes a fully signed order active. The caller has checked that
// both members are onboarded and in good standing.
func (o *Order) Activate(now time.Time) error {
	if o.Status != Pending || o.Demand == nil || o.Supply == nil {
		return errs.New(errs.FailedPrecondition, "order", "订单须双方签署后才能生效", "an order takes effect only when both sides have signed")
	}
	o.Status, o.ActivatedAt, o.Updated = Active, now, now
	return nil
}

// Expire records the end of an active order's term.
func (o *Order) Expire(now time.Time) error {
	if o.StatusAt(now) != Expired || o.Status != Active {
		return errs.New(errs.FailedPrecondition, "order", "订单期限未满", "the order's term has not ended")
	}
	o.Status, o.Updated = Expired, now
	return nil
}

// Suspend halts an active order.
func (o *Order) Suspend(reason string, now time.Time) error {
	if o.StatusAt(now) != Active {
		return errs.New(errs.FailedPrecondition, "order", "只能暂停生效中的订单", "only an active order can be suspended")
	}
	if reason == "" {
		return errs.Invalidf("reason", "暂停须说明理由", "a suspension needs a reason")
	}
	o.Status, o.Reason, o.Updated = Suspended, reason, now
	return nil
}

// Resume reactivates a suspended order.
func (o *Order) Resume(now time.Time) error {
	if o.Status != Suspended {
		return errs.New(errs.FailedPrecondition, "order", "只能恢复已暂停的订单", "only a suspended order can be resumed")
	}
	o.Status, o.Reason, o.Updated = Active, "", now
	return nil
}

// Terminate ends an order early.
func (o *Order) Terminate(reason string, now time.Time) error {
	switch o.StatusAt(now) {
	case Expired, Terminated:
		return errs.New(errs.FailedPrecondition, "order", "订单已结束", "the order has ended")
	}
	if reason == "" {
		return errs.Invalidf("reason", "终止须说明理由", "a termination needs a reason")
	}
	o.Status, o.Reason, o.Updated = Terminated, reason, now
	return nil
}

// CheckDelivery decides whether a delivery of ids IDs may proceed under the
// order at now: active, within its term, and, for a real-time order, within
// the per-request traversal limit. A batch order's chunks are bounded by
// the relay's chunk size instead: the per-request limit describes one
// real-time call, and a batch file is many IDs by nature (its per-day
// limit still applies). Per-day and per-minute limits need counts the
// delivery keeps; see Terms.Traversal.
func (o *Order) CheckDelivery(now time.Time, ids int) error {
	switch o.StatusAt(now) {
	case Active:
	case Expired:
		return errs.New(errs.FailedPrecondition, "order", "订单已于 "+o.Terms.Term.End.String()+" 到期，请续签", "the order expired on "+o.Terms.Term.End.String()+"; renew it")
	case Suspended:
		return errs.New(errs.FailedPrecondition, "order", "订单已暂停："+o.Reason, "the order is suspended: "+o.Reason)
	case Terminated:
		return errs.New(errs.FailedPrecondition, "order", "订单已终止："+o.Reason, "the order was terminated: "+o.Reason)
	default:
		return errs.New(errs.FailedPrecondition, "order", "订单尚未经双方签署生效", "the order has not been signed by both sides")
	}
	if now.Before(o.Terms.Term.Begins()) {
		return errs.New(errs.FailedPrecondition, "order", "订单期限自 "+o.Terms.Term.Start.String()+" 开始", "the order's term starts on "+o.Terms.Term.Start.String())
	}
	if ids < 1 {
		return errs.Invalidf("ids", "请求须至少含一个标识", "a request carries at least one ID")
	}
	if max := o.Terms.Traversal.IDsPerRequest; o.Terms.Method != Batch && max > 0 && ids > max {
		return errs.New(errs.ResourceExhausted, "ids", fmt.Sprintf("每次请求最多 %d 个标识（遍历方式约束）", max), fmt.Sprintf("at most %d IDs per request (traversal limit)", max))
	}
	return nil
}

// Renewal returns the terms of a renewal: the same licence from the day
// after this order's end to end. It is a new order with new confirmations.
func (o *Order) Renewal(end Term) Terms {
	t := o.Terms
	t.RenewalOf = o.ID
	t.Term = end
	return t
}
