// Package disputes handles disputes of monthly statements and their
// corrections (X-S2). Either party to a statement may dispute it, or one
// of its lines, with a reason, until the deadline the operator sets (a
// number of working days after the statement day). The operator answers
// with the log entries concerned and their inclusion proofs — receipts
// each party can check with the log's key alone — and either rejects the
// dispute or issues a correction: a new statement linked to the one it
// corrects, signed and logged as statements are, whose credits go back to
// the demander's quota in the same transaction. Nothing already issued is
// changed; both parties see the whole chain.
package disputes

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/platform"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/statements"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// Log entry kinds.
const (
	KindTermsSet = "settlement.terms_set"
	KindOpened   = "settlement.dispute_opened"
	KindAnswered = "settlement.dispute_answered"
)

// MaxEvidence is how many log entries an answer carries receipts for: the
// statement's own entry and the disputed deliveries, the first ones when
// a line has more (its whole range is named, and the exported log holds
// every entry).
const MaxEvidence = 100

// Disputes opens and answers disputes.
type Disputes struct {
	Log        *logkeeper.Keeper
	Statements *statements.Statements
	// Calendar counts working days; the statements' if nil.
	Calendar *calendar.Calendar
	// Now decides deadlines; the database's clock by default.
	Now func() time.Time
}

// New returns the disputes room over the statements.
func New(log *logkeeper.Keeper, s *statements.Statements) *Disputes {
	return &Disputes{Log: log, Statements: s}
}

// WorkingDays is the calendar in use.
func (d *Disputes) WorkingDays() *calendar.Calendar {
	if d.Calendar != nil {
		return d.Calendar
	}
	return d.Statements.Calendar
}

func (d *Disputes) db() *store.DB { return d.Log.P.DB }

func (d *Disputes) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return d.db().Now()
}

// Terms returns the settlement terms in force.
func (d *Disputes) Terms(ctx context.Context) (*store.SettlementTerms, error) {
	var t *store.SettlementTerms
	err := d.db().Read(ctx, func(tx *store.Tx) (err error) { t, err = tx.SettlementTerms(ctx); return err })
	return t, err
}

// SetTerms sets how many working days after the statement day a party may
// dispute a statement (operator), from 1 to 60, logged.
func (d *Disputes) SetTerms(ctx context.Context, days int) (*store.SettlementTerms, error) {
	if err := auth.Require(ctx, auth.PermSettle); err != nil {
		return nil, err
	}
	if days < 1 || days > 60 {
		return nil, errs.Invalidf("dispute_working_days", "异议期须为 1–60 个工作日", "the dispute period must be 1 to 60 working days")
	}
	t := &store.SettlementTerms{DisputeDays: days, UpdatedBy: auth.ActorFrom(ctx).Ref()}
	err := d.db().Transact(ctx, func(tx *store.Tx) error {
		t.Updated = tx.Now()
		if err := tx.SaveSettlementTerms(ctx, t); err != nil {
			return err
		}
		_, err := tx.Append(ctx, "", KindTermsSet, "settlement_terms", bizlog.P{"dispute_working_days": days})
		return err
	})
	return t, err
}

// Deadline is the last instant a statement of month may be disputed under
// terms: the end (Beijing time) of the days-th working day after its
// statement day.
func (d *Disputes) Deadline(month string, terms *store.SettlementTerms) (time.Time, error) {
	start, _, err := settlement.ParseMonth(month)
	if err != nil {
		return time.Time{}, err
	}
	m := calendar.DateOf(start)
	day, err := d.WorkingDays().StatementDay(m.Year, m.Month)
	if err != nil {
		return time.Time{}, err
	}
	last, err := d.WorkingDays().AddWorkingDays(day, terms.DisputeDays)
	if err != nil {
		return time.Time{}, err
	}
	return last.AddDays(1).Start().UTC(), nil
}

// Head is the latest statement of the chain id belongs to, with the chain.
func Head(ctx context.Context, tx *store.Tx, id string) (*store.IssuedStatement, []*store.IssuedStatement, error) {
	chain, err := tx.Statements(ctx, store.StatementFilter{Root: settlement.Root(id)})
	if err != nil {
		return nil, nil, err
	}
	if len(chain) == 0 || !hasID(chain, id) {
		return nil, nil, errs.New(errs.NotFound, "statement", "找不到该结算单："+id, "no such statement: "+id)
	}
	return chain[len(chain)-1], chain, nil
}

func hasID(chain []*store.IssuedStatement, id string) bool {
	for _, s := range chain {
		if s.ID == id {
			return true
		}
	}
	return false
}

// Open records a party's dispute of a statement (order "") or of one of
// its lines, with a reason, before the deadline. It concerns the chain's
// latest statement; one open dispute per chain at a time.
func (d *Disputes) Open(ctx context.Context, statementID, order, reason string) (*store.Dispute, error) {
	if err := auth.Require(ctx, auth.PermTrade); err != nil {
		return nil, err
	}
	a := auth.ActorFrom(ctx)
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > settlement.MaxReason {
		return nil, errs.Invalidf("reason", fmt.Sprintf("须说明异议理由（最长 %d 字）", settlement.MaxReason), fmt.Sprintf("give the dispute's reason (at most %d characters)", settlement.MaxReason))
	}
	var out *store.Dispute
	err := d.db().Transact(ctx, func(tx *store.Tx) error {
		head, _, err := Head(ctx, tx, statementID)
		if err != nil {
			return err
		}
		if a.MemberID != head.Demander && a.MemberID != head.Supplier {
			return errs.New(errs.NotFound, "statement", "找不到该结算单："+statementID, "no such statement: "+statementID)
		}
		if order != "" && !hasLine(&head.Statement, order) {
			return errs.Invalidf("order", "订单 "+order+" 不在该结算单中", "order "+order+" is not on the statement")
		}
		terms, err := tx.SettlementTerms(ctx)
		if err != nil {
			return err
		}
		deadline, err := d.Deadline(head.Month, terms)
		if err != nil {
			return err
		}
		if !d.now().Before(deadline) {
			return errs.New(errs.FailedPrecondition, "statement", "异议期已于 "+deadline.In(calendar.Shanghai).Format("2006-01-02 15:04")+"（北京时间）届满",
				"the dispute period ended at "+deadline.In(calendar.Shanghai).Format("2006-01-02 15:04")+" (Beijing time)")
		}
		// Read as the platform: the demander does not see the supplier's
		// payout, and a confirmed statement is past disputing whoever asks
		// (even if the operator has since lengthened the period).
		if p, err := tx.Payout(auth.WithActor(ctx, auth.System), head.Root(), false); err == nil && p != nil {
			return errs.New(errs.FailedPrecondition, "statement", "供方已确认该结算单", "the supplier has confirmed this statement")
		} else if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if open, err := tx.Disputes(ctx, store.DisputeFilter{Root: head.Root(), Status: store.DisputeOpen}); err != nil {
			return err
		} else if len(open) > 0 {
			return errs.New(errs.Conflict, "statement", "该结算单已有待答复的异议 "+open[0].ID, "the statement has an unanswered dispute, "+open[0].ID)
		}
		out = &store.Dispute{ID: auth.NewID("dsp_"), Statement: head.ID, Root: head.Root(), Order: order, Party: a.MemberID, Reason: reason,
			OpenedBy: a.Ref(), Opened: tx.Now(), Status: store.DisputeOpen, Demander: head.Demander, Supplier: head.Supplier}
		p := bizlog.P{"statement": head.ID, "order": order, "party": a.MemberID, "reason": reason, "deadline": deadline.Format(time.RFC3339)}
		for i, m := range []string{head.Demander, head.Supplier} {
			e, err := tx.Append(ctx, m, KindOpened, out.ID, p)
			if err != nil {
				return err
			}
			if i == 0 {
				out.Seq = e.Seq
			}
		}
		return tx.InsertDispute(ctx, out)
	})
	return out, err
}

func hasLine(st *settlement.Statement, order string) bool {
	for _, l := range st.Lines {
		if l.Order == order {
			return true
		}
	}
	return false
}

// Answer is the operator's answer to a dispute: a text, and the credits
// of a correction (none rejects the dispute).
type Answer struct {
	Text    string
	Credits []settlement.Adjustment
}

// Answer answers an open dispute (operator): the receipts of the entries
// concerned, and a correction if there are credits. It returns the
// dispute and the correction issued, if any.
func (d *Disputes) Answer(ctx context.Context, id string, ans Answer) (*store.Dispute, *store.IssuedStatement, error) {
	if err := auth.Require(ctx, auth.PermSettle); err != nil {
		return nil, nil, err
	}
	ans.Text = strings.TrimSpace(ans.Text)
	if ans.Text == "" || utf8.RuneCountInString(ans.Text) > 2*settlement.MaxReason {
		return nil, nil, errs.Invalidf("answer", fmt.Sprintf("须写明答复（最长 %d 字）", 2*settlement.MaxReason), fmt.Sprintf("write the answer (at most %d characters)", 2*settlement.MaxReason))
	}
	// The receipts need a checkpoint that covers the statement; the log's
	// key signs corrections. Both before the transaction, which is short.
	if _, err := d.Log.Checkpoint(ctx); err != nil {
		return nil, nil, err
	}
	signer, _, err := d.Log.Signer(ctx)
	if err != nil {
		return nil, nil, err
	}
	var dsp *store.Dispute
	var corr *store.IssuedStatement
	err = d.db().Transact(ctx, func(tx *store.Tx) error {
		corr = nil
		if dsp, err = tx.Dispute(ctx, id); err != nil {
			return err
		}
		if dsp.Status != store.DisputeOpen {
			return errs.New(errs.Conflict, "dispute", "该异议已答复", "the dispute was answered already")
		}
		head, chain, err := Head(ctx, tx, dsp.Statement)
		if err != nil {
			return err
		}
		evidence, err := receipts(ctx, tx, head, dsp.Order)
		if err != nil {
			return err
		}
		dsp.Status, dsp.Answer, dsp.AnsweredBy, dsp.Answered, dsp.Evidence = store.DisputeRejected, ans.Text, auth.ActorFrom(ctx).Ref(), tx.Now(), string(evidence)
		if len(ans.Credits) > 0 {
			if corr, err = correct(ctx, tx, signer, head, len(chain), dsp, ans.Credits); err != nil {
				return err
			}
			dsp.Status, dsp.Correction = store.DisputeCorrected, corr.ID
		}
		p := bizlog.P{"statement": dsp.Statement, "status": string(dsp.Status), "answer": ans.Text, "correction": dsp.Correction, bizlog.CommitField("evidence", d.Log.P.Digest()): bizlog.CommitWith(d.Log.P.Digest(), evidence)}
		for _, m := range []string{dsp.Demander, dsp.Supplier} {
			if _, err := tx.Append(ctx, m, KindAnswered, dsp.ID, p); err != nil {
				return err
			}
		}
		return tx.AnswerDispute(ctx, dsp)
	})
	if err != nil {
		return nil, nil, err
	}
	return dsp, corr, nil
}

// correct issues the correction of head by credits, in tx: signed, logged
// under both parties, stored, and its credit returned to the demander's
// quota.
func correct(ctx context.Context, tx *store.Tx, signer note.Signer, head *store.IssuedStatement, n int, dsp *store.Dispute, credits []settlement.Adjustment) (*store.IssuedStatement, error) {
	st, err := settlement.Correct(&head.Statement, n, dsp.ID, credits)
	if err != nil {
		return nil, err
	}
	sig, err := statements.Sign(signer, st)
	if err != nil {
		return nil, err
	}
	change := st.TotalFen - head.TotalFen
	payload, err := st.Payload(sig, change)
	if err != nil {
		return nil, err
	}
	is := &store.IssuedStatement{Statement: *st, Issued: tx.Now(), Signature: sig}
	for i, m := range []string{st.Demander, st.Supplier} {
		e, err := tx.Append(ctx, m, settlement.KindCorrected, st.ID, payload)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			is.Seq = e.Seq
		}
	}
	ok, err := tx.InsertStatement(ctx, is)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errs.New(errs.Conflict, "statement", "该结算单已被更正", "the statement was corrected already")
	}
	if err := platform.Refund(ctx, tx, st.Demander, -change, "correction:"+st.ID, "更正 "+st.ID, st.ID); err != nil {
		return nil, err
	}
	return is, nil
}

// receipts are the receipts of the entries a dispute concerns: the
// statement's own entry, then the disputed line's deliveries (or, for the
// whole statement, each line's first and last), up to MaxEvidence, each
// with its inclusion proof in the latest checkpoint.
func receipts(ctx context.Context, tx *store.Tx, head *store.IssuedStatement, order string) ([]byte, error) {
	cp, err := tx.LatestCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	seqs := []int64{head.Seq}
	for _, l := range head.Lines {
		switch {
		case order == "":
			seqs = append(seqs, l.FirstSeq)
			if l.LastSeq != l.FirstSeq {
				seqs = append(seqs, l.LastSeq)
			}
		case l.Order == order:
			es, err := tx.LogEntries(ctx, store.LogFilter{Kind: settlement.KindDelivered, Object: order, From: l.FirstSeq, To: l.LastSeq, Limit: MaxEvidence - 1})
			if err != nil {
				return nil, err
			}
			for _, e := range es {
				seqs = append(seqs, e.Seq)
			}
		}
	}
	if len(seqs) > MaxEvidence {
		seqs = seqs[:MaxEvidence]
	}
	out, err := tx.ReceiptsOf(ctx, cp, seqs)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// Evidence reads a dispute's receipts.
func Evidence(dsp *store.Dispute) ([]bizlog.Receipt, error) {
	if dsp.Evidence == "" {
		return nil, nil
	}
	var out []bizlog.Receipt
	err := json.Unmarshal([]byte(dsp.Evidence), &out)
	return out, err
}

// List lists disputes the caller may see.
func (d *Disputes) List(ctx context.Context, f store.DisputeFilter) ([]*store.Dispute, error) {
	var out []*store.Dispute
	err := d.db().Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.Disputes(ctx, f); return err })
	return out, err
}
