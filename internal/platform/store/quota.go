package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/pricing"
	"hulian/internal/storage/sqlcol"
)

// Log entry kinds of the quota 可用额度 (X-S3). Deductions are logged here,
// set-based, because a group of them shares one INSERT of log entries.
const (
	KindQuotaDeducted   = "quota.deducted"
	KindQuotaLow        = "quota.low_balance"
	KindQuotaSuspended  = "quota.suspended"
	KindQuotaToppedUp   = "quota.topped_up"
	KindQuotaCredit     = "quota.credit_set"
	KindQuotaResumed    = "quota.resumed"
	KindQuotaAlertsSet  = "quota.alerts_set"
	MovementDeduct      = "deduct"
	MovementTopUp       = "topup"
	MovementCredit      = "credit"
	MovementRefund      = "refund" // a correction's credit returned to the demander (X-S2)
	NotificationLow     = "low_balance"
	NotificationSuspend = "suspended"
)

// QuotaAccount is a demander's quota, in fen.
type QuotaAccount struct {
	Member        string
	BalanceFen    int64 // top-ups minus deductions; below zero only by used credit
	CreditFen     int64 // the operator's temporary adjustment 临时调整
	CreditExpires time.Time
	CreditReason  string
	ThresholdFen  int64  // low-balance warning below this available amount; 0 = none
	WebhookURL    string // called after a warning is committed; "" = none
	LowWarned     bool   // a warning stands until a top-up lifts the quota over the threshold
	Suspended     time.Time
	ToppedUpFen   int64
	DeductedFen   int64
	Updated       time.Time
}

// Available is what a deduction at now may use: the balance plus the
// credit while it runs.
func (a *QuotaAccount) Available(now time.Time) int64 {
	if now.Before(a.CreditExpires) {
		return a.BalanceFen + a.CreditFen
	}
	return a.BalanceFen
}

// IsSuspended reports whether the member's exchange is suspended for want
// of quota.
func (a *QuotaAccount) IsSuspended() bool { return !a.Suspended.IsZero() }

const quotaColumns = `member_id, balance_fen, credit_fen, credit_expires_at, credit_reason, threshold_fen, webhook_url,
	low_warned, suspended_at, topped_up_fen, deducted_fen, updated_at`

// QuotaAccount returns member's quota, a zero one if it has none yet;
// forUpdate locks it (creating the row first, so there is a row to lock).
func (tx *Tx) QuotaAccount(ctx context.Context, member string, forUpdate bool) (*QuotaAccount, error) {
	if err := canSee(ctx, member); err != nil {
		return nil, err
	}
	if forUpdate {
		if _, err := tx.exec(ctx, `INSERT INTO quota_accounts (member_id, updated_at) VALUES ($1,$2) ON CONFLICT (member_id) DO NOTHING`, member, tx.Now()); err != nil {
			return nil, err
		}
	}
	return tx.quotaAccount(ctx, member, forUpdate)
}

func (tx *Tx) quotaAccount(ctx context.Context, member string, forUpdate bool) (*QuotaAccount, error) {
	q := `SELECT ` + quotaColumns + ` FROM quota_accounts WHERE member_id = $1`
	if forUpdate {
		q += tx.Eng.ForUpdate()
	}
	var a QuotaAccount
	var expires, suspended sql.NullTime
	err := tx.queryRow(ctx, q, member).Scan(&a.Member, &a.BalanceFen, &a.CreditFen, &expires, &a.CreditReason, &a.ThresholdFen, &a.WebhookURL,
		&a.LowWarned, &suspended, &a.ToppedUpFen, &a.DeductedFen, &a.Updated)
	if err == sql.ErrNoRows {
		return &QuotaAccount{Member: member}, nil
	}
	if err != nil {
		return nil, err
	}
	a.CreditExpires, a.Suspended, a.Updated = fromNull(expires), fromNull(suspended), a.Updated.UTC()
	return &a, nil
}

// SaveQuotaAccount writes back an account read in this transaction.
func (tx *Tx) SaveQuotaAccount(ctx context.Context, a *QuotaAccount) error {
	if err := canSee(ctx, a.Member); err != nil {
		return err
	}
	return tx.saveQuota(ctx, a)
}

func (tx *Tx) saveQuota(ctx context.Context, a *QuotaAccount) error {
	a.Updated = tx.Now()
	_, err := tx.exec(ctx, `INSERT INTO quota_accounts (`+quotaColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
		ON CONFLICT (member_id) DO UPDATE SET balance_fen=excluded.balance_fen, credit_fen=excluded.credit_fen,
		credit_expires_at=excluded.credit_expires_at, credit_reason=excluded.credit_reason, threshold_fen=excluded.threshold_fen,
		webhook_url=excluded.webhook_url, low_warned=excluded.low_warned, suspended_at=excluded.suspended_at,
		topped_up_fen=excluded.topped_up_fen, deducted_fen=excluded.deducted_fen, updated_at=excluded.updated_at`,
		a.Member, a.BalanceFen, a.CreditFen, nullTime(a.CreditExpires), a.CreditReason, a.ThresholdFen, a.WebhookURL,
		a.LowWarned, nullTime(a.Suspended), a.ToppedUpFen, a.DeductedFen, a.Updated)
	return err
}

// Movement is one change of a quota.
type Movement struct {
	Member       string
	RequestID    string // idempotency key: a request ID, "topup:<payment reference>", "credit:<id>"
	Kind         string // deduct, topup, credit
	AmountFen    int64  // deducted or added; a credit's new amount
	BalanceFen   int64  // after the movement
	AvailableFen int64  // after the movement
	Reason       string
	Object       string // the order or issuance charged
	Actor        string
	At           time.Time
}

var movementColumns = sqlcol.Of("member_id text", "request_id text", "kind text", "amount_fen bigint", "balance_fen bigint", "available_fen bigint", "reason text", "object text", "actor text", "at timestamptz")

func movementRow(m Movement) []any {
	return []any{m.Member, m.RequestID, m.Kind, m.AmountFen, m.BalanceFen, m.AvailableFen, m.Reason, m.Object, m.Actor, m.At}
}

// InsertMovements records movements with one statement. A repeated
// (member, request ID) is a Conflict.
func (tx *Tx) InsertMovements(ctx context.Context, ms []Movement) error {
	if len(ms) == 0 {
		return nil
	}
	rows := make([][]any, len(ms))
	for i, m := range ms {
		rows[i] = movementRow(m)
	}
	q, args := tx.Eng.InsertRows("quota_movements", movementColumns, rows)
	_, err := tx.exec(ctx, q, args...)
	if err != nil && tx.Eng.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "request_id", "该请求编号或付款凭证已入账", "this request ID or payment reference is already recorded")
	}
	return err
}

// Movements lists a member's quota movements since a time, oldest first
// (the console's chart of use over time).
func (tx *Tx) Movements(ctx context.Context, member string, since time.Time, limit int) ([]Movement, error) {
	if err := canSee(ctx, member); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := tx.query(ctx, `SELECT member_id, request_id, kind, amount_fen, balance_fen, available_fen, reason, object, actor, at
		FROM quota_movements WHERE member_id = $1 AND at >= $2 ORDER BY at, request_id LIMIT $3`, member, since.UTC(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Movement
	for rows.Next() {
		var m Movement
		if err := rows.Scan(&m.Member, &m.RequestID, &m.Kind, &m.AmountFen, &m.BalanceFen, &m.AvailableFen, &m.Reason, &m.Object, &m.Actor, &m.At); err != nil {
			return nil, err
		}
		m.At = m.At.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// QuotaNotification is a warning for the console banner and the webhook.
type QuotaNotification struct {
	ID           string
	Member       string
	Kind         string // low_balance, suspended
	AvailableFen int64
	ThresholdFen int64
	At           time.Time
	Cleared      time.Time
	WebhookURL   string // the member's webhook when raised, "" for none: whether an event goes to the outbox
}

func (tx *Tx) insertNotifications(ctx context.Context, ns []QuotaNotification) error {
	for _, n := range ns {
		if _, err := tx.exec(ctx, `INSERT INTO quota_notifications (id, member_id, kind, available_fen, threshold_fen, at) VALUES ($1,$2,$3,$4,$5,$6)`,
			n.ID, n.Member, n.Kind, n.AvailableFen, n.ThresholdFen, n.At); err != nil {
			return err
		}
		// The member's webhook hears of it from the outbox, committed
		// with the warning; the account read for the warning said
		// whether there is one.
		if n.WebhookURL == "" {
			continue
		}
		if err := tx.enqueueWebhook(ctx, n.Member, n.ID, "quota."+n.Kind, map[string]int64{"available_fen": n.AvailableFen, "threshold_fen": n.ThresholdFen}); err != nil {
			return err
		}
	}
	return nil
}

// AddQuotaNotification records a warning.
func (tx *Tx) AddQuotaNotification(ctx context.Context, n QuotaNotification) error {
	if err := canSee(ctx, n.Member); err != nil {
		return err
	}
	return tx.insertNotifications(ctx, []QuotaNotification{n})
}

// ClearQuotaNotifications marks a member's standing warnings cleared.
func (tx *Tx) ClearQuotaNotifications(ctx context.Context, member string) error {
	if err := canSee(ctx, member); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE quota_notifications SET cleared_at = $2 WHERE member_id = $1 AND cleared_at IS NULL`, member, tx.Now())
	return err
}

// QuotaNotifications lists a member's warnings, newest first; standing
// only those not cleared (the banner).
func (tx *Tx) QuotaNotifications(ctx context.Context, member string, standing bool) ([]QuotaNotification, error) {
	if err := canSee(ctx, member); err != nil {
		return nil, err
	}
	q := `SELECT id, member_id, kind, available_fen, threshold_fen, at, cleared_at FROM quota_notifications WHERE member_id = $1`
	if standing {
		q += ` AND cleared_at IS NULL`
	}
	rows, err := tx.query(ctx, q+` ORDER BY at DESC, id LIMIT 100`, member)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []QuotaNotification
	for rows.Next() {
		var n QuotaNotification
		var cleared sql.NullTime
		if err := rows.Scan(&n.ID, &n.Member, &n.Kind, &n.AvailableFen, &n.ThresholdFen, &n.At, &cleared); err != nil {
			return nil, err
		}
		n.At, n.Cleared = n.At.UTC(), fromNull(cleared)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Debit asks to deduct an amount from a demander's quota.
type Debit struct {
	Member    string
	RequestID string // idempotency key, unique per member
	AmountFen int64
	Reason    string
	Object    string // the order or issuance charged
}

// Deduction is a debit's outcome. A repeated request ID returns the
// original outcome with Replayed set.
type Deduction struct {
	Member       string
	RequestID    string
	AmountFen    int64
	BalanceFen   int64
	AvailableFen int64
	At           time.Time
	Replayed     bool
}

// DebitRequest is a debit with the context of its caller (its actor).
type DebitRequest struct {
	Ctx context.Context
	Debit
}

// DebitResult is one request's outcome: a deduction or an error.
type DebitResult struct {
	Deduction *Deduction
	Err       error
}

// Insufficient is the error of a debit the quota cannot cover.
func Insufficient(available, amount int64, suspended bool) error {
	if suspended {
		return errs.New(errs.ResourceExhausted, "quota", fmt.Sprintf("可用额度不足，数据互联已暂停：请充值后恢复（可用 ¥%s，本次 ¥%s）", pricing.FormatYuan(available), pricing.FormatYuan(amount)),
			fmt.Sprintf("the quota is insufficient and exchange is suspended: top up to resume (available ¥%s, this request ¥%s)", pricing.FormatYuan(available), pricing.FormatYuan(amount)))
	}
	return errs.New(errs.ResourceExhausted, "quota", fmt.Sprintf("可用额度不足（可用 ¥%s，本次 ¥%s）", pricing.FormatYuan(available), pricing.FormatYuan(amount)),
		fmt.Sprintf("the quota is insufficient (available ¥%s, this request ¥%s)", pricing.FormatYuan(available), pricing.FormatYuan(amount)))
}

// MaxRequestID bounds a request ID's length.
const MaxRequestID = 128

// Deduct is the one check-and-deduct operation of the quota (X-S3).
//
// Atomic and safe under concurrency: the account row is locked, so
// deductions on one balance run one at a time and the available amount
// never goes below zero. Idempotent: a request ID already deducted returns
// its first outcome and charges nothing. Every deduction is a log entry in
// this transaction.
//
// When the quota cannot cover the amount, Deduct returns a
// ResourceExhausted error AND records the suspension of the member's
// exchange in tx (account, notification, log entry): the caller should
// commit tx without the work the charge was for, so that the suspension
// stands, and report the error.
func (tx *Tx) Deduct(ctx context.Context, d Debit) (*Deduction, []QuotaNotification, error) {
	res, notes, err := tx.DeductAll(ctx, []DebitRequest{{Ctx: ctx, Debit: d}})
	if err != nil {
		return nil, nil, err
	}
	return res[0].Deduction, notes, res[0].Err
}

// DeductAll applies debits in order, as Deduct does one, with a constant
// number of statements per member and one per table for the lot: this is
// what lets a group of concurrent deductions share one transaction cheaply.
// Each request gets its own result; err is for the transaction as a whole.
// The notifications returned are new warnings to send after commit.
func (tx *Tx) DeductAll(ctx context.Context, reqs []DebitRequest) (results []DebitResult, notes []QuotaNotification, err error) {
	results = make([]DebitResult, len(reqs))
	byMember := map[string][]int{}
	for i, r := range reqs {
		switch {
		case canSee(r.Ctx, r.Member) != nil:
			results[i].Err = canSee(r.Ctx, r.Member)
		case r.AmountFen <= 0:
			results[i].Err = errs.Invalidf("amount_fen", "扣减金额须为正数", "the amount must be positive")
		case r.RequestID == "" || len(r.RequestID) > MaxRequestID:
			results[i].Err = errs.Invalidf("request_id", fmt.Sprintf("请求编号不能为空，最长 %d", MaxRequestID), fmt.Sprintf("a request ID is required, at most %d characters", MaxRequestID))
		default:
			byMember[r.Member] = append(byMember[r.Member], i)
		}
	}
	members := make([]string, 0, len(byMember))
	for m := range byMember {
		members = append(members, m)
	}
	slices.Sort(members) // one lock order for every transaction: no deadlocks
	// Most request IDs are new: first assume so and let the insert of the
	// movements find the exceptions, which saves looking the IDs up (the
	// most expensive statement of a group otherwise). A request ID already
	// used, or a shortfall (which may hide one), sends the group through
	// again with the lookup.
	for _, lookup := range []bool{false, true} {
		out := slices.Clone(results)
		notes, err = tx.deductMembers(ctx, reqs, out, members, byMember, lookup)
		if errors.Is(err, errSeen) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		return out, notes, nil
	}
	return nil, nil, errors.New("store: deductions replayed after the lookup")
}

// errSeen ends an optimistic pass of deductMembers.
var errSeen = errors.New("a request ID may have been used before")

// deductMembers applies the validated requests of members, in order. With
// lookup false it assumes no request ID was used before and returns
// errSeen, having written nothing, when that may not hold.
func (tx *Tx) deductMembers(ctx context.Context, reqs []DebitRequest, results []DebitResult, members []string, byMember map[string][]int, lookup bool) (notes []QuotaNotification, err error) {
	var moves []Movement
	var entries []pendingEntry
	var accounts []*QuotaAccount
	for _, member := range members {
		idx := byMember[member]
		a, err := tx.quotaAccount(ctx, member, true)
		if err != nil {
			return nil, err
		}
		done := map[string]*Deduction{}
		if lookup {
			if done, err = tx.deducted(ctx, member, reqs, idx); err != nil {
				return nil, err
			}
		}
		dirty := false
		for _, i := range idx {
			r := reqs[i]
			if prev, ok := done[r.RequestID]; ok {
				if prev.AmountFen != r.AmountFen {
					results[i].Err = errs.New(errs.Conflict, "request_id", "该请求编号已用于不同金额的扣减", "this request ID was used for a different amount")
					continue
				}
				again := *prev
				again.Replayed = true
				results[i].Deduction = &again
				continue
			}
			avail := a.Available(tx.Now())
			if a.IsSuspended() || avail < r.AmountFen {
				if !lookup {
					// A request ID used before is replayed even when the
					// quota is short now.
					return nil, errSeen
				}
				if !a.IsSuspended() {
					a.Suspended, dirty = tx.Now(), true
					n := QuotaNotification{ID: auth.NewID("qn_"), Member: member, Kind: NotificationSuspend, AvailableFen: avail, ThresholdFen: a.ThresholdFen, At: tx.Now(), WebhookURL: a.WebhookURL}
					notes = append(notes, n)
					entries = append(entries, pendingEntry{r.Ctx, member, KindQuotaSuspended, member, bizlog.P{
						"request_id": r.RequestID, "amount_fen": r.AmountFen, "available_fen": avail}})
				}
				results[i].Err = Insufficient(avail, r.AmountFen, true)
				continue
			}
			a.BalanceFen -= r.AmountFen
			a.DeductedFen += r.AmountFen
			dirty = true
			ded := &Deduction{Member: member, RequestID: r.RequestID, AmountFen: r.AmountFen, BalanceFen: a.BalanceFen, AvailableFen: a.Available(tx.Now()), At: tx.Now()}
			done[r.RequestID] = ded
			results[i].Deduction = ded
			moves = append(moves, Movement{Member: member, RequestID: r.RequestID, Kind: MovementDeduct, AmountFen: r.AmountFen,
				BalanceFen: ded.BalanceFen, AvailableFen: ded.AvailableFen, Reason: r.Reason, Object: r.Object, Actor: auth.ActorFrom(r.Ctx).Ref(), At: tx.Now()})
			entries = append(entries, pendingEntry{r.Ctx, member, KindQuotaDeducted, r.Object, bizlog.P{
				"request_id": r.RequestID, "amount_fen": r.AmountFen, "balance_fen": ded.BalanceFen, "available_fen": ded.AvailableFen, "reason": r.Reason}})
			if a.ThresholdFen > 0 && !a.LowWarned && ded.AvailableFen < a.ThresholdFen {
				a.LowWarned = true
				notes = append(notes, QuotaNotification{ID: auth.NewID("qn_"), Member: member, Kind: NotificationLow, AvailableFen: ded.AvailableFen, ThresholdFen: a.ThresholdFen, At: tx.Now(), WebhookURL: a.WebhookURL})
				entries = append(entries, pendingEntry{r.Ctx, member, KindQuotaLow, member, bizlog.P{"available_fen": ded.AvailableFen, "threshold_fen": a.ThresholdFen}})
			}
		}
		if dirty {
			accounts = append(accounts, a)
		}
	}
	if lookup {
		err = tx.InsertMovements(ctx, moves)
	} else {
		err = tx.insertNewMovements(ctx, moves)
	}
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		if err := tx.saveQuota(ctx, a); err != nil {
			return nil, err
		}
	}
	if err := tx.insertNotifications(ctx, notes); err != nil {
		return nil, err
	}
	if _, err := tx.appendEntries(ctx, entries); err != nil {
		return nil, err
	}
	return notes, nil
}

// insertNewMovements inserts movements whose request IDs are taken to be
// new. If one was not, it removes those it inserted and returns errSeen.
func (tx *Tx) insertNewMovements(ctx context.Context, ms []Movement) error {
	if len(ms) == 0 {
		return nil
	}
	rows := make([][]any, len(ms))
	for i, m := range ms {
		rows[i] = movementRow(m)
	}
	q, args := tx.Eng.InsertRows("quota_movements", movementColumns, rows)
	res, err := tx.query(ctx, q+` ON CONFLICT (member_id, request_id) DO NOTHING RETURNING member_id, request_id`, args...)
	if err != nil {
		return err
	}
	inserted := map[string][]string{}
	n := 0
	for res.Next() {
		var member, id string
		if err := res.Scan(&member, &id); err != nil {
			res.Close()
			return err
		}
		inserted[member] = append(inserted[member], id)
		n++
	}
	res.Close()
	if err := res.Err(); err != nil {
		return err
	}
	if n == len(ms) {
		return nil
	}
	for member, ids := range inserted {
		cond, in := tx.Eng.In("request_id", 2, ids)
		if _, err := tx.exec(ctx, `DELETE FROM quota_movements WHERE member_id = $1 AND `+cond, append([]any{member}, in...)...); err != nil {
			return err
		}
	}
	return errSeen
}

// deducted reads the earlier deductions of the request IDs at idx, in one
// statement whose text does not depend on how many there are where the
// engine allows it (see Engine.In): a group's size varies from one
// transaction to the next.
func (tx *Tx) deducted(ctx context.Context, member string, reqs []DebitRequest, idx []int) (map[string]*Deduction, error) {
	ids := make([]string, len(idx))
	for k, i := range idx {
		ids[k] = reqs[i].RequestID
	}
	cond, in := tx.Eng.In("request_id", 2, ids)
	args := append([]any{member}, in...)
	rows, err := tx.query(ctx, `SELECT request_id, kind, amount_fen, balance_fen, available_fen, at FROM quota_movements
		WHERE member_id = $1 AND `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := map[string]*Deduction{}
	for rows.Next() {
		d := &Deduction{Member: member}
		var kind string
		if err := rows.Scan(&d.RequestID, &kind, &d.AmountFen, &d.BalanceFen, &d.AvailableFen, &d.At); err != nil {
			return nil, err
		}
		d.At = d.At.UTC()
		if kind != MovementDeduct {
			d.AmountFen = -1 // a top-up's key: never equal to a debit's amount
		}
		done[d.RequestID] = d
	}
	return done, rows.Err()
}

// DeductGrouped runs d through the group committer of this database:
// concurrent callers' debits are applied together by one DeductAll in one
// transaction, and each caller returns after its commit. This is the path
// for charges that are not part of a larger transaction.
func (db *DB) DeductGrouped(ctx context.Context, d Debit) (*Deduction, []QuotaNotification, error) {
	res, err := db.group("deduct", MaxBatch, runDebits).do(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	r := res.(debitOutcome)
	return r.ded, r.notes, r.err
}

type debitOutcome struct {
	ded   *Deduction
	notes []QuotaNotification
	err   error
}

func runDebits(tx *Tx, calls []*groupCall) error {
	reqs := make([]DebitRequest, len(calls))
	for i, c := range calls {
		reqs[i] = DebitRequest{Ctx: c.ctx, Debit: c.item.(Debit)}
	}
	results, notes, err := tx.DeductAll(context.Background(), reqs)
	if err != nil {
		return err
	}
	for i, c := range calls {
		var mine []QuotaNotification
		for _, n := range notes {
			// A warning goes back to the first caller of its member.
			if n.Member == reqs[i].Member && firstOf(reqs, i) {
				mine = append(mine, n)
			}
		}
		c.res = debitOutcome{results[i].Deduction, mine, results[i].Err}
	}
	return nil
}

func firstOf(reqs []DebitRequest, i int) bool {
	for j := range i {
		if reqs[j].Member == reqs[i].Member {
			return false
		}
	}
	return true
}

// QuotaBalances maps each member with a quota account to its balance
// (staff): what the book's prepaid accounts must equal.
func (tx *Tx) QuotaBalances(ctx context.Context) (map[string]int64, error) {
	if err := canSee(ctx, ""); err != nil {
		return nil, err
	}
	rows, err := tx.query(ctx, `SELECT member_id, balance_fen FROM quota_accounts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var m string
		var b int64
		if err := rows.Scan(&m, &b); err != nil {
			return nil, err
		}
		out[m] = b
	}
	return out, rows.Err()
}
