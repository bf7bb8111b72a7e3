package platform

import (
	"context"
	"net/url"
	"time"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/netguard"
	"hulian/internal/platform/store"
	"hulian/internal/platform/webhooks"
)

// Quota 可用额度 (X-S3): the demander's prepaid amount in fen, checked and
// deducted in real time by delivery and exID issuance, warned about when it
// runs low, suspending the demander's exchange when it cannot cover a
// request, restored by a top-up. The rules of a deduction live in
// store.Tx.DeductAll, set-based so that concurrent deductions share a
// transaction; here are the operator's and member's use cases around it.

// QuotaView is a member's quota as the console shows it.
type QuotaView struct {
	Account      *store.QuotaAccount
	AvailableFen int64
	Banner       []store.QuotaNotification // standing warnings
}

// Quota returns a member's quota (the member itself or staff).
func (p *Platform) Quota(ctx context.Context, member string) (*QuotaView, error) {
	var v QuotaView
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if v.Account, err = tx.QuotaAccount(ctx, member, false); err != nil {
			return err
		}
		v.AvailableFen = v.Account.Available(tx.Now())
		v.Banner, err = tx.QuotaNotifications(ctx, member, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// QuotaMovements lists a member's movements since a time (the chart of use
// over time).
func (p *Platform) QuotaMovements(ctx context.Context, member string, since time.Time) ([]store.Movement, error) {
	var ms []store.Movement
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) { ms, err = tx.Movements(ctx, member, since, 0); return err })
	return ms, err
}

// QuotaNotifications lists a member's warnings, standing ones only if asked.
func (p *Platform) QuotaNotifications(ctx context.Context, member string, standing bool) ([]store.QuotaNotification, error) {
	var ns []store.QuotaNotification
	err := p.DB.Read(ctx, func(tx *store.Tx) (err error) { ns, err = tx.QuotaNotifications(ctx, member, standing); return err })
	return ns, err
}

// Restore lifts a suspension once the quota covers something again and
// clears the warnings once it is back at or over the threshold, logging
// what it changed: after anything that raises the quota (a top-up, a
// credit, a correction's refund).
func Restore(ctx context.Context, tx *store.Tx, a *store.QuotaAccount) error {
	avail := a.Available(tx.Now())
	cleared := false
	if a.IsSuspended() && avail > 0 {
		a.Suspended = time.Time{}
		cleared = true
		if _, err := tx.Append(ctx, a.Member, store.KindQuotaResumed, a.Member, bizlog.P{"available_fen": avail}); err != nil {
			return err
		}
	}
	if a.LowWarned && avail >= a.ThresholdFen {
		a.LowWarned, cleared = false, true
	}
	if cleared && !a.IsSuspended() {
		return tx.ClearQuotaNotifications(ctx, a.Member)
	}
	return nil
}

// TopUp records a payment that raises a member's quota by the same amount
// (operator). The payment reference is the idempotency key: recording the
// same payment twice is a Conflict. A suspended exchange resumes.
func (p *Platform) TopUp(ctx context.Context, member string, amountFen int64, paymentRef, note string) (*store.QuotaAccount, error) {
	if err := auth.Require(ctx, auth.PermQuotaAdmin); err != nil {
		return nil, err
	}
	switch {
	case amountFen <= 0:
		return nil, errs.Invalidf("amount_fen", "充值金额须为正数", "the top-up must be positive")
	case paymentRef == "" || len(paymentRef) > store.MaxRequestID-len("topup:"):
		return nil, errs.Invalidf("payment_reference", "须填写付款凭证号（最长 120）", "a payment reference is required (at most 120 characters)")
	}
	var a *store.QuotaAccount
	err := p.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		if _, err := tx.Member(ctx, member, false); err != nil {
			return err
		}
		if a, err = tx.QuotaAccount(ctx, member, true); err != nil {
			return err
		}
		a.BalanceFen += amountFen
		a.ToppedUpFen += amountFen
		if err := tx.InsertMovements(ctx, []store.Movement{{Member: member, RequestID: "topup:" + paymentRef, Kind: store.MovementTopUp,
			AmountFen: amountFen, BalanceFen: a.BalanceFen, AvailableFen: a.Available(tx.Now()), Reason: note, Actor: auth.ActorFrom(ctx).Ref(), At: tx.Now()}}); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, member, store.KindQuotaToppedUp, member, bizlog.P{"amount_fen": amountFen, "payment_reference": paymentRef,
			"balance_fen": a.BalanceFen, "available_fen": a.Available(tx.Now())}); err != nil {
			return err
		}
		if err := Restore(ctx, tx, a); err != nil {
			return err
		}
		return tx.SaveQuotaAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SetCredit sets the temporary adjustment 临时调整 of a member's quota
// agreed with the operator: an amount usable beyond the balance until it
// expires, with its reason (operator). It replaces any earlier one; it
// cannot be set below what the balance already uses of it.
func (p *Platform) SetCredit(ctx context.Context, member string, creditFen int64, expires time.Time, reason string) (*store.QuotaAccount, error) {
	if err := auth.Require(ctx, auth.PermQuotaAdmin); err != nil {
		return nil, err
	}
	if creditFen < 0 {
		return nil, errs.Invalidf("credit_fen", "临时额度不能为负", "the credit must not be negative")
	}
	if reason == "" {
		return nil, errs.Invalidf("reason", "临时调整须说明理由", "a temporary adjustment needs a reason")
	}
	var a *store.QuotaAccount
	err := p.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		if !expires.After(tx.Now()) {
			return errs.Invalidf("expires", "到期时间须晚于现在", "the expiry must be in the future")
		}
		if _, err := tx.Member(ctx, member, false); err != nil {
			return err
		}
		if a, err = tx.QuotaAccount(ctx, member, true); err != nil {
			return err
		}
		if a.BalanceFen+creditFen < 0 {
			return errs.New(errs.FailedPrecondition, "credit_fen", "已使用的临时额度超过新的额度，请先充值", "more of the credit is in use than the new amount; top up first")
		}
		a.CreditFen, a.CreditExpires, a.CreditReason = creditFen, expires.UTC(), reason
		if err := tx.InsertMovements(ctx, []store.Movement{{Member: member, RequestID: auth.NewID("credit:"), Kind: store.MovementCredit,
			AmountFen: creditFen, BalanceFen: a.BalanceFen, AvailableFen: a.Available(tx.Now()), Reason: reason, Actor: auth.ActorFrom(ctx).Ref(), At: tx.Now()}}); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, member, store.KindQuotaCredit, member, bizlog.P{"credit_fen": creditFen, "expires": expires.UTC().Format(time.RFC3339),
			"reason": reason, "available_fen": a.Available(tx.Now())}); err != nil {
			return err
		}
		if err := Restore(ctx, tx, a); err != nil {
			return err
		}
		return tx.SaveQuotaAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// SetQuotaAlerts sets the low-balance threshold and the optional webhook
// that hears of warnings and order events (the member itself or the
// operator). A new or changed webhook gets a new signing secret, returned
// here once and kept only sealed; secret is "" when it did not change.
func (p *Platform) SetQuotaAlerts(ctx context.Context, member string, thresholdFen int64, webhook string) (acct *store.QuotaAccount, secret string, err error) {
	a := auth.ActorFrom(ctx)
	if !auth.Can(a.Role, auth.PermQuotaAdmin) && !(auth.Can(a.Role, auth.PermTrade) && a.MemberID == member) {
		return nil, "", errs.New(errs.PermissionDenied, "", "只有本成员或运营方可以设置额度提醒", "only the member or the operator sets quota alerts")
	}
	if thresholdFen < 0 {
		return nil, "", errs.Invalidf("threshold_fen", "提醒阈值不能为负", "the threshold must not be negative")
	}
	if webhook != "" {
		if err := checkWebhook(webhook); err != nil {
			return nil, "", err
		}
	}
	err = p.DB.Transact(ctx, func(tx *store.Tx) (err error) {
		if acct, err = tx.QuotaAccount(ctx, member, true); err != nil {
			return err
		}
		if webhook != "" && webhook != acct.WebhookURL {
			secret = webhooks.NewSecret()
			sealed, err := webhooks.Seal(p.sealer, member, secret)
			if err != nil {
				return err
			}
			if err := tx.SetWebhookSecret(ctx, member, sealed); err != nil {
				return err
			}
		}
		acct.ThresholdFen, acct.WebhookURL = thresholdFen, webhook
		if acct.LowWarned && acct.Available(tx.Now()) >= thresholdFen {
			acct.LowWarned = false
		}
		if _, err := tx.Append(ctx, member, store.KindQuotaAlertsSet, member, bizlog.P{"threshold_fen": thresholdFen, "webhook": webhook != "", "new_secret": secret != ""}); err != nil {
			return err
		}
		return tx.SaveQuotaAccount(ctx, acct)
	})
	if err != nil {
		return nil, "", err
	}
	return acct, secret, nil
}

// checkWebhook accepts an https URL, or http on this machine or a private
// network (the same rule as answer endpoints); whether the address may be
// called at all is checked when it is called.
func checkWebhook(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(raw) > 500 {
		return errs.Invalidf("webhook_url", "回调地址须为 http(s) 网址", "the webhook must be an http(s) URL")
	}
	if u.Scheme == "http" && !netguard.PlainHTTPAllowed(u.Hostname()) {
		return errs.Invalidf("webhook_url", "互联网上的回调地址须使用 https://", "a webhook on the internet must use https://")
	}
	return nil
}

// Deduct is the quota's one check-and-deduct operation for a caller that
// charges inside its own transaction (delivery, exID issuance); see
// store.Tx.Deduct for its guarantees. On a ResourceExhausted error the
// suspension has been recorded in tx: commit tx without the charged work
// and return the error. Warnings are in tx too, with their webhook
// events in the outbox (package webhooks sends them).
func (p *Platform) Deduct(ctx context.Context, tx *store.Tx, d store.Debit) (*store.Deduction, []store.QuotaNotification, error) {
	return tx.Deduct(ctx, d)
}

// Charge deducts from a member's quota on its own, through the group
// committer: concurrent charges share one transaction and one commit, which
// is what sustains thousands of deductions per second on one balance. A
// charge the quota cannot cover returns ResourceExhausted, the suspension
// recorded; warnings and their webhook events commit with it.
func (p *Platform) Charge(ctx context.Context, d store.Debit) (*store.Deduction, error) {
	ded, _, err := p.DB.DeductGrouped(ctx, d)
	return ded, err
}

// Refund returns amountFen to a demander's quota in the caller's
// transaction: a correction's credit (X-S2). The log entry is the
// correction's; the movement names it.
func Refund(ctx context.Context, tx *store.Tx, member string, amountFen int64, requestID, reason, object string) error {
	a, err := tx.QuotaAccount(ctx, member, true)
	if err != nil {
		return err
	}
	a.BalanceFen += amountFen
	a.DeductedFen -= amountFen
	if err := tx.InsertMovements(ctx, []store.Movement{{Member: member, RequestID: requestID, Kind: store.MovementRefund,
		AmountFen: amountFen, BalanceFen: a.BalanceFen, AvailableFen: a.Available(tx.Now()), Reason: reason, Object: object, Actor: auth.ActorFrom(ctx).Ref(), At: tx.Now()}}); err != nil {
		return err
	}
	if err := Restore(ctx, tx, a); err != nil {
		return err
	}
	return tx.SaveQuotaAccount(ctx, a)
}
