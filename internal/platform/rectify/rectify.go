// Package rectify passes suppliers' notices of corrections and deletions to
// the demanders that received the data (X-P4: corrections propagate; O-4
// and PIPL Art. 47: what a person had deleted, or withdrew consent for, is
// deleted downstream too). A notice is sealed by the supplier's node to
// the demander's node and authenticated with the order key, which only the
// two nodes hold: the platform relays it, logs the order, the action and
// how many subjects it names, and logs the demander's attestation that it
// applied it — as it logs the destruction of delivered data.
// docs/rectification.md describes the notice.
package rectify

import (
	"bytes"
	"context"
	"fmt"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/store"
	"hulian/internal/protocol/evidence"
	"hulian/internal/protocol/ordertoken"
	"hulian/internal/protocol/rectnotice"
)

// Log entry kinds.
const (
	KindSent    = "rectification.sent"
	KindApplied = "rectification.applied"
)

// Actions.
const (
	Delete  = rectnotice.Delete
	Correct = rectnotice.Correct
)

// Bounds of a notice: a notice names at most MaxSubjects subjects, and its
// sealed form is at most MaxSealedBytes (a correction carries values), so
// that it fits the API's ordinary request limit; a node splits a larger
// change into several notices. Pending lists at most MaxPending.
const (
	MaxSubjects    = rectnotice.MaxRows
	MaxSealedBytes = 960 << 10
	MaxPending     = 20
)

// Rectify is the platform's room for the notices.
type Rectify struct{ P *platform.Platform }

// New returns the room over p.
func New(p *platform.Platform) *Rectify { return &Rectify{P: p} }

// Notice is what a supplier's node sends.
type Notice struct {
	ID            string
	OrderID       string
	Action        string
	Subjects      int64
	Sealed        []byte
	Authenticator []byte
}

func (n *Notice) check() error {
	if n.Action != Delete && n.Action != Correct {
		return errs.Invalidf("action", "动作须为 delete（删除）或 correct（更正）", "action must be delete or correct")
	}
	if n.Subjects < 1 || n.Subjects > MaxSubjects {
		return errs.Invalidf("count", fmt.Sprintf("一份通知须涉及 1 至 %d 个主体", MaxSubjects), fmt.Sprintf("a notice names 1 to %d subjects", MaxSubjects))
	}
	if len(n.Sealed) == 0 || len(n.Sealed) > MaxSealedBytes {
		return errs.Invalidf("sealed", fmt.Sprintf("密封的通知须为 1 至 %d 字节", MaxSealedBytes), fmt.Sprintf("the sealed notice must be 1 to %d bytes", MaxSealedBytes))
	}
	if len(n.Authenticator) != ordertoken.AuthenticatorSize {
		return errs.Invalidf("authenticator", "通知缺少订单密钥的认证码", "the notice carries no order-key authenticator")
	}
	return nil
}

// Send records a supplier's notice for the order's demander and logs it
// under the supplier. A notice ID sent before with the same content is
// answered with the first entry; with other content it is a Conflict.
func (r *Rectify) Send(ctx context.Context, n Notice) (seq int64, err error) {
	a, err := platform.RequireNode(ctx)
	if err != nil {
		return 0, err
	}
	if err := n.check(); err != nil {
		return 0, err
	}
	err = r.P.DB.Transact(ctx, func(tx *store.Tx) error {
		o, err := tx.Order(ctx, n.OrderID, false)
		if err != nil {
			return err
		}
		if o.Terms.Supplier != a.MemberID {
			return errs.New(errs.PermissionDenied, "order_id", "只有订单的供方节点可以发出更正或删除通知", "only the order's supplier node sends correction and deletion notices")
		}
		if prev, err := tx.RectificationByID(ctx, n.ID, false); err == nil {
			if prev.OrderID != n.OrderID || prev.Action != n.Action || !bytes.Equal(prev.Sealed, n.Sealed) {
				return errs.New(errs.Conflict, "notice_id", "该通知编号已用于另一份通知", "the notice ID was used for another notice")
			}
			seq = prev.SentSeq
			return nil
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		// The log names the notice, the action and the count; the sealed
		// bytes are committed to by their hash (the exchange's: SM3 under
		// the 国密 profile), never logged.
		alg := r.P.Digest()
		e, err := tx.Append(ctx, a.MemberID, KindSent, o.ID, bizlog.P{"notice": n.ID, "action": n.Action, "count": n.Subjects,
			"demander": o.Terms.Demander, "sealed_" + alg.Name(): evidence.HashWith(alg, n.Sealed).String()})
		if err != nil {
			return err
		}
		seq = e.Seq
		return tx.InsertRectification(ctx, &store.Rectification{NoticeID: n.ID, OrderID: o.ID, Supplier: a.MemberID, Demander: o.Terms.Demander,
			Action: n.Action, Subjects: n.Subjects, Sealed: n.Sealed, Authenticator: n.Authenticator, SentSeq: e.Seq, SentAt: tx.Now()})
	})
	return seq, err
}

// Pending lists the notices sent to the calling node's member that it has
// not attested yet, oldest first, at most limit (MaxPending).
func (r *Rectify) Pending(ctx context.Context, limit int) ([]*store.Rectification, error) {
	if _, err := platform.RequireNode(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPending {
		limit = MaxPending
	}
	var out []*store.Rectification
	err := r.P.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.PendingRectifications(ctx, limit)
		return err
	})
	return out, err
}

// Attest records that the demander's node applied a notice: applied rows
// changed in the data it holds, absent subjects not found in it. Attesting
// again returns the first entry.
func (r *Rectify) Attest(ctx context.Context, noticeID string, applied, absent int64) (seq int64, err error) {
	a, err := platform.RequireNode(ctx)
	if err != nil {
		return 0, err
	}
	if applied < 0 || absent < 0 {
		return 0, errs.Invalidf("applied", "条数不能为负", "counts cannot be negative")
	}
	err = r.P.DB.Transact(ctx, func(tx *store.Tx) error {
		rc, err := tx.RectificationByID(ctx, noticeID, true)
		if err != nil {
			return err
		}
		if rc.Demander != a.MemberID {
			return errs.New(errs.PermissionDenied, "notice_id", "只有订单的需求方节点可以确认已执行通知", "only the order's demander node attests a notice")
		}
		if !rc.AppliedAt.IsZero() {
			seq = rc.AppliedSeq
			return nil
		}
		if applied+absent > rc.Subjects*int64(maxRowsPerSubject) {
			return errs.Invalidf("applied", "确认的条数超过通知涉及的主体数", "the counts exceed what the notice names")
		}
		e, err := tx.Append(ctx, a.MemberID, KindApplied, rc.OrderID, bizlog.P{"notice": rc.NoticeID, "action": rc.Action,
			"applied": applied, "absent": absent, "supplier": rc.Supplier, "sent_seq": rc.SentSeq})
		if err != nil {
			return err
		}
		rc.Applied, rc.Absent, rc.AppliedSeq, rc.AppliedAt, seq = applied, absent, e.Seq, tx.Now(), e.Seq
		return tx.AttestRectification(ctx, rc)
	})
	return seq, err
}

// maxRowsPerSubject bounds the rows one subject may have changed: a
// person's ID can appear on several rows of the demander's result files
// (its input named them twice, or several batches asked for them).
const maxRowsPerSubject = 1000
