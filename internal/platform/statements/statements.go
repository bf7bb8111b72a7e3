// Package statements issues the monthly statements 数据互联结算单 (X-S1):
// on the third Chinese working day of each month, at a set hour (Beijing
// time), the statements of the previous calendar month are computed from
// the business log (package settlement), signed with the log's key,
// stored and written to the log — all of a month's statements in one
// transaction, so that a run killed at any point leaves all of them or
// none, and a second run, on this replica or another, issues nothing new.
package statements

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sync/errgroup"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/digest"
	"hulian/internal/errs"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

// DefaultHour is the hour of the issue day (Beijing time) from which a
// month's statements are issued: after the night's batch deliveries of the
// month's last day have long been logged.
const DefaultHour = 9

// Statements issues and lists statements.
type Statements struct {
	Log      *logkeeper.Keeper
	Calendar *calendar.Calendar
	Hour     int
	Logger   *slog.Logger
	// Now is the clock that decides whether a month is due; the
	// database's by default (tests move it to the issue day).
	Now func() time.Time
}

// New returns the statements of log's platform, on the default calendar.
func New(log *logkeeper.Keeper) *Statements {
	return &Statements{Log: log, Calendar: calendar.Default(), Hour: DefaultHour, Logger: slog.New(slog.DiscardHandler)}
}

func (s *Statements) db() *store.DB { return s.Log.P.DB }

func (s *Statements) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return s.db().Now()
}

// IssueAt is when month's statements are due: the issue day at the hour.
func (s *Statements) IssueAt(month string) (time.Time, error) {
	start, _, err := settlement.ParseMonth(month)
	if err != nil {
		return time.Time{}, err
	}
	m := calendar.DateOf(start)
	day, err := s.Calendar.StatementDay(m.Year, m.Month)
	if err != nil {
		return time.Time{}, err
	}
	return day.Start().Add(time.Duration(s.Hour) * time.Hour).UTC(), nil
}

// Compute returns the statements due for month: for each pair whose
// settlement period ends in month (monthly unless the pair agreed another
// cycle), the period's statement. With partial, pairs whose period runs on
// are included too, as their period so far: the provisional preview. It
// reads as the platform itself: callers that show the result to someone
// check that they may see it (Run requires PermSettle).
func (s *Statements) Compute(ctx context.Context, month string, partial bool) ([]*settlement.Statement, error) {
	if _, _, err := settlement.ParseMonth(month); err != nil {
		return nil, err
	}
	ctx = auth.WithActor(ctx, auth.System)
	var schedules map[[2]string]settlement.Schedule
	if err := s.db().Read(ctx, func(tx *store.Tx) (err error) { schedules, err = tx.Schedules(ctx); return err }); err != nil {
		return nil, err
	}
	// The months to read: from the earliest first month of a period that
	// ends in month (or, for a preview, contains it).
	first := month
	for _, sch := range schedules {
		if from, to := sch.Period(month); (to == month || partial) && from < first {
			first = from
		}
	}
	monthly, err := s.computeMonths(ctx, first, month)
	if err != nil {
		return nil, err
	}
	sts := settlement.Assemble(month, schedules, monthly, partial)
	for _, st := range sts {
		st.Seal(s.Log.P.Digest())
	}
	return sts, nil
}

// computeMonths streams the delivery entries of the months first..last
// from the log and returns the monthly statements: memory grows with the
// months' orders, not with their deliveries. Each month's entries lie in a
// range of sequence numbers; each core reads and decodes a part of each
// month's range, in a read transaction of its own, into a builder of its
// own, merged at the end. Entries are never changed once appended, so the
// parts need not share a snapshot; the ranges are fixed before they start.
func (s *Statements) computeMonths(ctx context.Context, first, last string) ([]*settlement.Statement, error) {
	type part struct {
		month      string
		start, end time.Time
		from, to   int64
	}
	workers := int64(max(1, runtime.GOMAXPROCS(0)))
	var parts []part
	err := s.db().Read(ctx, func(tx *store.Tx) error {
		for m := first; m <= last; m = settlement.AddMonths(m, 1) {
			start, end, err := settlement.ParseMonth(m)
			if err != nil {
				return err
			}
			from, to, err := tx.LogSeqRange(ctx, start, end)
			if err != nil {
				return err
			}
			size := max(1, (to-from+workers-1)/workers)
			for lo := from; lo < to; lo += size {
				parts = append(parts, part{m, start, end, lo, min(to, lo+size)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	builders := make([]*settlement.Builder, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(int(workers))
	for i, p := range parts {
		b := settlement.NewRangeBuilder(first, last)
		builders[i] = b
		g.Go(func() error {
			return s.db().Read(gctx, func(tx *store.Tx) error {
				return tx.EachLogEntryIn(gctx, settlement.KindDelivered, p.from, p.to, p.start, p.end, func(e *bizlog.Entry) error {
					return b.AddPayload(p.month, e.Seq, e.Object, e.Payload)
				})
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := settlement.NewRangeBuilder(first, last)
	for _, b := range builders {
		if err := out.Merge(b); err != nil {
			return nil, err
		}
	}
	return out.Statements(), nil
}

// Run issues month's statements if they are due and not yet issued, and
// returns them; before they are due it returns a provisional preview and
// issues nothing.
func (s *Statements) Run(ctx context.Context, month string) (sts []*store.IssuedStatement, provisional bool, err error) {
	if err := auth.Require(ctx, auth.PermSettle); err != nil {
		return nil, false, err
	}
	due, err := s.IssueAt(month)
	if err != nil {
		return nil, false, err
	}
	if !s.now().Before(due) {
		// Issued already (the background job asks every few minutes all
		// month long): the stored statements, without reading the month.
		var done bool
		if err := s.db().Read(ctx, func(tx *store.Tx) (err error) { done, err = tx.MonthIssued(ctx, month); return err }); err != nil {
			return nil, false, err
		}
		if done {
			sts, err = s.List(ctx, store.StatementFilter{Month: month})
			return sts, false, err
		}
	}
	preview := s.now().Before(due)
	computed, err := s.Compute(ctx, month, preview)
	if err != nil {
		return nil, false, err
	}
	if preview {
		for _, st := range computed {
			sts = append(sts, &store.IssuedStatement{Statement: *st})
		}
		return sts, true, nil
	}
	signer, _, err := s.Log.Signer(ctx)
	if err != nil {
		return nil, false, err
	}
	var issued int
	err = s.db().Transact(ctx, func(tx *store.Tx) error {
		issued = 0
		first, err := tx.InsertStatementRun(ctx, month, len(computed))
		if err != nil {
			return err
		}
		if !first {
			return errAlreadyIssued
		}
		for _, st := range computed {
			sig, err := Sign(signer, st)
			if err != nil {
				return err
			}
			is := &store.IssuedStatement{Statement: *st, Issued: tx.Now(), Signature: sig}
			payload, err := st.Payload(is.Signature, 0)
			if err != nil {
				return err
			}
			// Under both parties, as orders are: each member's view of the
			// log shows its statements.
			for i, m := range []string{st.Demander, st.Supplier} {
				e, err := tx.Append(ctx, m, settlement.KindIssued, st.ID, payload)
				if err != nil {
					return err
				}
				if i == 0 {
					is.Seq = e.Seq
				}
			}
			ok, err := tx.InsertStatement(ctx, is)
			if err != nil {
				return err
			}
			if !ok {
				// Issued before: this run's entries for it must not stand.
				return errAlreadyIssued
			}
			issued++
		}
		return nil
	})
	if errors.Is(err, errAlreadyIssued) {
		issued, err = 0, nil
	}
	if err != nil {
		return nil, false, err
	}
	if issued > 0 {
		s.Logger.Info("statements issued", "month", month, "count", issued)
	}
	sts, err = s.List(ctx, store.StatementFilter{Month: month})
	return sts, false, err
}

var errAlreadyIssued = errs.New(errs.Conflict, "month", "该月结算单已出具", "the month's statements were issued already")

// List lists issued statements; a member sees its own.
func (s *Statements) List(ctx context.Context, f store.StatementFilter) ([]*store.IssuedStatement, error) {
	var out []*store.IssuedStatement
	err := s.db().Read(ctx, func(tx *store.Tx) (err error) { out, err = tx.Statements(ctx, f); return err })
	return out, err
}

// Sign signs a statement's summary with the log's key, as a signed note; a
// correction's summary adds what it corrects and its adjustments' digest.
// Format v1 is a statement under SHA-256, its digests bare; v2 names the
// hash before each digest ("sm3 …"), for a statement under the 国密
// profile.
func Sign(s note.Signer, st *settlement.Statement) (string, error) {
	version, hash := "v1", ""
	if alg := st.Alg(); alg != digest.SHA256 {
		version, hash = "v2", alg.Name()+" "
	}
	text := fmt.Sprintf("hulian statement %s\n%s\n%s\n%s\n%s\n%s\n%s%s\n", version, st.ID, st.Month, st.Demander, st.Supplier, strconv.FormatInt(st.TotalFen, 10), hash, st.LinesDigest)
	if st.From != "" {
		text += "from " + st.From + "\n"
	}
	if st.Corrects != "" {
		text += "corrects " + st.Corrects + "\n" + hash + st.AdjustmentsDigest + "\n"
	}
	b, err := note.Sign(&note.Note{Text: text}, s)
	return string(b), err
}

// RunDue issues the previous month's statements once they are due: the
// background job every replica runs (the transaction makes it once).
func (s *Statements) RunDue(ctx context.Context) error {
	now := s.now()
	today := calendar.DateOf(now)
	prev := calendar.NewDate(today.Year, today.Month-1, 1) // January's is December's
	month := fmt.Sprintf("%04d-%02d", prev.Year, int(prev.Month))
	due, err := s.IssueAt(month)
	if err != nil || now.Before(due) {
		return err
	}
	_, _, err = s.Run(auth.WithActor(ctx, auth.System), month)
	return err
}

// Summaries are each member's months across sts (settlement.Summaries) as
// the caller may see them: staff every member's, a member its own — its
// counterparties' months are theirs.
func Summaries(ctx context.Context, sts []*store.IssuedStatement) []settlement.Summary {
	plain := make([]*settlement.Statement, len(sts))
	for i, st := range sts {
		plain[i] = &st.Statement
	}
	a := auth.ActorFrom(ctx)
	var out []settlement.Summary
	for _, s := range settlement.Summaries(plain) {
		if a.Role.IsStaff() || s.Member == a.MemberID {
			out = append(out, s)
		}
	}
	return out
}
