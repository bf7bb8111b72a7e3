// Package mediation is disputes between the members of an order (X-G4,
// 《数据互联规则》 §12.3): either member opens one with its reason; one that
// affects the exchange suspends the order in the transaction that records
// it. The operator extracts the business-log records the order concerns —
// each with its inclusion proof in a signed checkpoint, receipts both
// parties check offline with the log's key alone — keeps the mediation's
// notes, and records the outcome, resuming the order it suspended if the
// outcome allows. Each step is a log entry; the parties are notified.
package mediation

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/errs"
	"hulian/internal/market"
	"hulian/internal/platform/store"
	"hulian/internal/platform/trading"
)

// Log entry kinds.
const (
	KindOpened    = "order_dispute.opened"
	KindExtracted = "order_dispute.evidence"
	KindNoted     = "order_dispute.noted"
	KindSettled   = "order_dispute.settled"
)

// MaxEvidence is how many of the order's log entries an extraction
// carries receipts for: the first ones and the last ones when there are
// more (the exported log holds every entry).
const MaxEvidence = 200

// Mediation opens and mediates order disputes.
type Mediation struct {
	Market *trading.Market
}

// New returns the mediation room over the market.
func New(mk *trading.Market) *Mediation { return &Mediation{Market: mk} }

func (m *Mediation) db() *store.DB { return m.Market.P.DB }

func text(field, s string, max int, zh, en string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || utf8.RuneCountInString(s) > max {
		return "", errs.Invalidf(field, zh, en)
	}
	return s, nil
}

// Open records a member's dispute of one of its orders. With suspend —
// the dispute affects the exchange — the order, which must be active, is
// suspended in the same transaction. One open dispute per order.
func (m *Mediation) Open(ctx context.Context, order, reason string, suspend bool) (*store.OrderDispute, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	reason, err := text("reason", reason, 2000, "须写明纠纷的事由（最长 2000 字）", "state what the dispute is about (at most 2000 characters)")
	if err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	d := &store.OrderDispute{ID: auth.NewID("odp_"), Order: strings.TrimSpace(order), Party: a.MemberID, Reason: reason, Suspended: suspend,
		OpenedBy: a.Ref(), Status: store.OrderDisputeOpen}
	err = m.db().Transact(ctx, func(tx *store.Tx) error {
		// Another's order is as absent as one that does not exist.
		missing := errs.New(errs.NotFound, "order", "找不到贵方的这一订单", "no such order of yours")
		o, err := tx.Order(ctx, d.Order, true)
		if errs.Is(err, errs.NotFound) {
			return missing
		}
		if err != nil {
			return err
		}
		switch a.MemberID {
		case o.Terms.Demander:
			d.Other = o.Terms.Supplier
		case o.Terms.Supplier:
			d.Other = o.Terms.Demander
		default:
			return missing
		}
		if _, err := tx.OpenOrderDispute(ctx, d.Order); err == nil {
			return errs.New(errs.Conflict, "order", "该订单已有进行中的纠纷", "the order has an open dispute already")
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		if suspend {
			if o.Status != market.Active {
				return errs.Invalidf("suspend", "订单未生效，无须暂停", "the order is not active: there is nothing to suspend")
			}
			if _, err := m.Market.SuspendOrderIn(ctx, tx, d.Order, "纠纷 "+d.ID+" 影响数据互联，暂停订单"); err != nil {
				return err
			}
		}
		d.Opened = tx.Now()
		if err := tx.InsertOrderDispute(ctx, d); err != nil {
			return err
		}
		if _, err := tx.Append(ctx, d.Party, KindOpened, d.ID, bizlog.P{"order": d.Order, "other": d.Other, "suspended": suspend,
			bizlog.CommitField("reason", m.Market.P.Digest()): bizlog.CommitWith(m.Market.P.Digest(), []byte(reason))}); err != nil {
			return err
		}
		return tx.Notify(auth.WithActor(ctx, auth.System), &store.Notice{ID: auth.NewID("ntc_"), Member: d.Other, Kind: KindOpened, Object: d.ID,
			TitleZH: "对方就订单 " + d.Order + " 提出纠纷", TitleEN: "The other member opened a dispute about order " + d.Order, Body: reason, Created: tx.Now()})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Step is an operator's step of a mediation.
type Step struct {
	Kind   string // extract, note, settle
	Text   string // the note, or the outcome
	Resume bool   // settle: resume the order the dispute suspended
}

// Mediate takes the operator's step: extract the log's records of the
// order with their receipts, note the mediation, or settle with the
// outcome (resuming the order if asked). Each is logged; settling
// notifies both members.
func (m *Mediation) Mediate(ctx context.Context, id string, st Step) (*store.OrderDispute, error) {
	if err := auth.Require(ctx, auth.PermSupervise); err != nil {
		return nil, err
	}
	var d *store.OrderDispute
	err := m.db().Transact(ctx, func(tx *store.Tx) error {
		var err error
		if d, err = tx.OrderDispute(ctx, id, true); err != nil {
			return err
		}
		if d.Status != store.OrderDisputeOpen {
			return errs.New(errs.FailedPrecondition, "dispute", "该纠纷已调解完毕", "the dispute is settled")
		}
		by := auth.ActorFrom(ctx).Ref()
		var kind string
		var p bizlog.P
		switch st.Kind {
		case "extract":
			rs, seqs, err := evidence(ctx, tx, d.Order)
			if err != nil {
				return err
			}
			if d.Evidence, err = json.Marshal(rs); err != nil {
				return err
			}
			d.EvidenceAt = tx.Now()
			kind, p = KindExtracted, bizlog.P{"entries": len(seqs), "receipts": len(rs), bizlog.CommitField("evidence", m.Market.P.Digest()): bizlog.CommitWith(m.Market.P.Digest(), d.Evidence)}
		case "note":
			t, err := text("text", st.Text, 4000, "须写明调解记录（最长 4000 字）", "write the note (at most 4000 characters)")
			if err != nil {
				return err
			}
			d.Notes = append(d.Notes, store.MediationNote{At: tx.Now(), By: by, Text: t})
			kind, p = KindNoted, bizlog.P{bizlog.CommitField("note", m.Market.P.Digest()): bizlog.CommitWith(m.Market.P.Digest(), []byte(t))}
		case "settle":
			t, err := text("text", st.Text, 4000, "须写明调解结果（最长 4000 字）", "state the outcome (at most 4000 characters)")
			if err != nil {
				return err
			}
			resumed := false
			if st.Resume && d.Suspended {
				o, err := tx.Order(ctx, d.Order, true)
				if err != nil {
					return err
				}
				if o.Status == market.Suspended {
					if _, err := m.Market.ResumeOrderIn(ctx, tx, d.Order); err != nil {
						return err
					}
					resumed = true
				}
			}
			d.Status, d.Outcome, d.SettledBy, d.Settled = store.OrderDisputeSettled, t, by, tx.Now()
			kind, p = KindSettled, bizlog.P{"outcome": t, "resumed": resumed}
			for _, member := range []string{d.Party, d.Other} {
				if err := tx.Notify(ctx, &store.Notice{ID: auth.NewID("ntc_"), Member: member, Kind: KindSettled, Object: d.ID,
					TitleZH: "订单 " + d.Order + " 的纠纷已调解完毕", TitleEN: "The dispute about order " + d.Order + " is settled", Body: t, Created: tx.Now()}); err != nil {
					return err
				}
			}
		default:
			return errs.Invalidf("step", "步骤须为 extract、note 或 settle", "the step must be extract, note or settle")
		}
		if err := tx.UpdateOrderDispute(ctx, d); err != nil {
			return err
		}
		_, err = tx.Append(ctx, d.Party, kind, d.ID, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// evidence is the receipts of the order's log entries under the latest
// checkpoint: all of them, or the first and last MaxEvidence/2 when there
// are more. It also returns the entries' numbers, all of them.
func evidence(ctx context.Context, tx *store.Tx, order string) ([]bizlog.Receipt, []int64, error) {
	cp, err := tx.LatestCheckpoint(ctx)
	if err != nil {
		return nil, nil, err
	}
	var seqs []int64
	for from := int64(0); ; {
		es, err := tx.LogEntries(ctx, store.LogFilter{Object: order, From: from, Limit: 1000})
		if err != nil {
			return nil, nil, err
		}
		for _, e := range es {
			seqs = append(seqs, e.Seq)
		}
		if len(es) < 1000 {
			break
		}
		from = es[len(es)-1].Seq + 1
	}
	pick := seqs
	if len(pick) > MaxEvidence {
		pick = append(append([]int64{}, seqs[:MaxEvidence/2]...), seqs[len(seqs)-MaxEvidence/2:]...)
	}
	rs, err := tx.ReceiptsOf(ctx, cp, pick)
	return rs, seqs, err
}

// List lists disputes: staff all, a member those of its orders.
func (m *Mediation) List(ctx context.Context) ([]*store.OrderDispute, error) {
	var out []*store.OrderDispute
	err := m.db().Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.OrderDisputes(ctx, 500); return err })
	return out, err
}

// Get returns one dispute: staff any, a member one of its orders'.
func (m *Mediation) Get(ctx context.Context, id string) (*store.OrderDispute, error) {
	var d *store.OrderDispute
	err := m.db().Read(ctx, func(tx *store.Tx) (err error) { d, err = tx.OrderDispute(ctx, id, false); return err })
	return d, err
}
