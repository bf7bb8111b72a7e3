// Package books shows the exchange's accounts (X-W3): the double-entry
// book of package ledger, read from the business log on request. A member
// sees its own accounts and their history — the running balance after
// each entry, a day's deliveries under one order as one line — and the
// operator and regulator the whole book: every account's balance, which
// sum to zero, and each member's prepaid account set beside the quota the
// platform keeps for it.
package books

import (
	"context"
	"slices"
	"strings"

	"hulian/internal/auth"
	"hulian/internal/bizlog"
	"hulian/internal/calendar"
	"hulian/internal/errs"
	"hulian/internal/ledger"
	"hulian/internal/platform/logkeeper"
	"hulian/internal/platform/store"
)

// Books reads the book from the log.
type Books struct {
	Log *logkeeper.Keeper
}

// New returns the books of the log's platform.
func New(log *logkeeper.Keeper) *Books { return &Books{Log: log} }

// Line is one line of a member's history: a book entry (or a day's
// entries of one kind about one object, merged), its postings to the
// member's accounts, and their balances after it.
type Line struct {
	From, To int64 // the log entries merged
	Date     calendar.Date
	Kind     string
	Object   string
	Count    int
	Changes  map[ledger.AccountKind]int64
	After    map[ledger.AccountKind]int64
}

// View is what Read returns: the balances, the history of the member
// asked for (the last lines only) and, for staff, the reconciliation.
type View struct {
	Balances []ledger.Balance
	Sum      int64
	History  []Line
	// Mismatches are the members whose prepaid account differs from
	// their quota balance (staff only): none when the book reconciles.
	Mismatches []Mismatch
}

// Mismatch is a member whose prepaid account, read from the log, is not
// the quota balance the platform keeps.
type Mismatch struct {
	Member   string
	BookFen  int64 // what the log makes the platform owe the member
	QuotaFen int64
}

// MemberAccounts are the kinds of account a member has, in the order
// consoles show them.
var MemberAccounts = []ledger.AccountKind{ledger.Prepaid, ledger.Receivable, ledger.CreditLine}

// MaxHistory is how many history lines a view keeps: the latest.
const MaxHistory = 200

// Read reads the book. A member reads its own accounts and history;
// staff read every balance and, if member is set, that member's history.
func (b *Books) Read(ctx context.Context, member string) (*View, error) {
	a := auth.ActorFrom(ctx)
	switch {
	case a.Role.IsStaff():
	case a.Role == auth.RoleMember && a.MemberID != "":
		member = a.MemberID
	default:
		return nil, errs.New(errs.Unauthenticated, "", "请先登录", "log in first")
	}
	book := ledger.New()
	v := &View{}
	var quotas map[string]int64
	err := b.Log.P.DB.Read(ctx, func(tx *store.Tx) error {
		err := tx.EachLogEntryOf(auth.WithActor(ctx, auth.System), ledger.Kinds, func(e *bizlog.Entry) error {
			be, err := book.Add(e)
			if err != nil || be == nil || member == "" || !be.Concerns(member) {
				return err
			}
			v.History = appendLine(v.History, be, member, book)
			if len(v.History) > 2*MaxHistory {
				v.History = append(v.History[:0], v.History[len(v.History)-MaxHistory:]...)
			}
			return nil
		})
		if err != nil || !a.Role.IsStaff() {
			return err
		}
		quotas, err = tx.QuotaBalances(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(v.History) > MaxHistory {
		v.History = v.History[len(v.History)-MaxHistory:]
	}
	for _, bal := range book.Balances() {
		if a.Role.IsStaff() || bal.Account.Member == member {
			v.Balances = append(v.Balances, bal)
		}
	}
	if a.Role.IsStaff() {
		v.Sum = book.Sum()
		for m, q := range quotas {
			if got := -book.Of(ledger.Account{Member: m, Kind: ledger.Prepaid}); got != q {
				v.Mismatches = append(v.Mismatches, Mismatch{Member: m, BookFen: got, QuotaFen: q})
			}
		}
	}
	slices.SortFunc(v.Mismatches, func(a, b Mismatch) int { return strings.Compare(a.Member, b.Member) })
	return v, nil
}

// appendLine adds a book entry to a member's history, merged into the
// last line if it is of the same kind, about the same object, on the same
// Beijing day.
func appendLine(h []Line, e *ledger.Entry, member string, book *ledger.Book) []Line {
	day := calendar.DateOf(e.At)
	var l *Line
	if n := len(h); n > 0 && h[n-1].Kind == e.Kind && h[n-1].Object == e.Object && h[n-1].Date == day {
		l = &h[n-1]
	} else {
		h = append(h, Line{From: e.Seq, Date: day, Kind: e.Kind, Object: e.Object, Changes: map[ledger.AccountKind]int64{}, After: map[ledger.AccountKind]int64{}})
		l = &h[len(h)-1]
	}
	l.To = e.Seq
	l.Count++
	for _, p := range e.Postings {
		if p.Account.Member == member {
			l.Changes[p.Account.Kind] += p.AmountFen
		}
	}
	for _, k := range MemberAccounts {
		l.After[k] = book.Of(ledger.Account{Member: member, Kind: k})
	}
	return h
}
