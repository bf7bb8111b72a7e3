// Package ledger keeps the exchange's accounts 账务 (X-W3) as a
// double-entry book whose every entry comes from the business log: a
// top-up is cash in and a debt of prepaid quota to the member; a charged
// delivery moves that debt from the demander to the supplier; a
// correction's credit moves it back; a payout settles the supplier's
// receivable in cash. Temporary credit is booked on memorandum accounts:
// it is a promise, not money. Each entry's postings sum to zero, so the
// book does; and the prepaid account of each member, read from the log,
// equals the quota balance the platform keeps — the reconciliation the
// tests hold it to.
//
// The package is pure: the platform's books, a member's history and a
// verifier holding an exported log run the same code.
package ledger

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"hulian/internal/bizlog"
	"hulian/internal/errs"
)

// Log entry kinds booked (each written by its own room; repeated here so
// that verifiers need not import the platform).
const (
	KindToppedUp   = "quota.topped_up"
	KindCreditSet  = "quota.credit_set"
	KindDelivered  = "delivery.completed"
	KindCorrected  = "settlement.statement_corrected"
	KindPayoutPaid = "settlement.payout_paid"
)

// Kinds are the log entry kinds the book reads.
var Kinds = []string{KindToppedUp, KindCreditSet, KindDelivered, KindCorrected, KindPayoutPaid}

// AccountKind is what an account records.
type AccountKind string

// Account kinds. Balances are debit-positive: a member's prepaid account
// is normally negative, a credit — what the platform owes it.
const (
	Cash          AccountKind = "cash"           // the platform's bank account
	Prepaid       AccountKind = "prepaid"        // quota the platform holds for a member
	Receivable    AccountKind = "receivable"     // what the platform owes a supplier for deliveries
	CreditLine    AccountKind = "credit_line"    // memorandum: temporary credit granted to a member
	CreditGranted AccountKind = "credit_granted" // memorandum: the platform's side of it
)

// Account is one account: a member's, or the platform's (Member "").
type Account struct {
	Member string      `json:"member,omitempty"`
	Kind   AccountKind `json:"kind"`
}

func (a Account) String() string {
	if a.Member == "" {
		return "platform:" + string(a.Kind)
	}
	return a.Member + ":" + string(a.Kind)
}

// Posting is an amount debited (positive) or credited (negative) to an
// account.
type Posting struct {
	Account   Account `json:"account"`
	AmountFen int64   `json:"amount_fen"`
}

// Entry is the book's entry for one log entry.
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	Object   string    `json:"object"`
	Postings []Posting `json:"postings"`
}

// Book accumulates balances from log entries read in order.
type Book struct {
	balances map[Account]int64
	credit   map[string]int64 // member → temporary credit now granted
}

// New starts an empty book.
func New() *Book { return &Book{balances: map[Account]int64{}, credit: map[string]int64{}} }

// Add books a log entry and returns its book entry; entries of other kinds,
// and the second party's copy of a correction, return nil. An entry that
// cannot be read is an error naming it.
func (b *Book) Add(e *bizlog.Entry) (*Entry, error) {
	var p struct {
		AmountFen int64  `json:"amount_fen"`
		CreditFen int64  `json:"credit_fen"`
		ChargeFen int64  `json:"charge_fen"`
		ChangeFen int64  `json:"change_fen"`
		Demander  string `json:"demander"`
		Supplier  string `json:"supplier"`
	}
	switch e.Kind {
	case KindToppedUp, KindCreditSet, KindDelivered, KindCorrected, KindPayoutPaid:
	default:
		return nil, nil
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return nil, unreadable(e)
	}
	out := &Entry{Seq: e.Seq, At: e.At, Kind: e.Kind, Object: e.Object}
	move := func(debit, credit Account, fen int64) {
		out.Postings = append(out.Postings, Posting{debit, fen}, Posting{credit, -fen})
	}
	switch e.Kind {
	case KindToppedUp:
		if p.AmountFen <= 0 {
			return nil, unreadable(e)
		}
		move(Account{"", Cash}, Account{e.Member, Prepaid}, p.AmountFen)
	case KindCreditSet:
		if p.CreditFen < 0 {
			return nil, unreadable(e)
		}
		change := p.CreditFen - b.credit[e.Member]
		b.credit[e.Member] = p.CreditFen
		if change == 0 {
			return nil, nil
		}
		move(Account{e.Member, CreditLine}, Account{"", CreditGranted}, change)
	case KindDelivered:
		if p.Demander == "" || p.Supplier == "" || p.ChargeFen < 0 {
			return nil, unreadable(e)
		}
		if p.ChargeFen == 0 {
			return nil, nil
		}
		move(Account{p.Demander, Prepaid}, Account{p.Supplier, Receivable}, p.ChargeFen)
	case KindCorrected:
		if p.Demander == "" || p.Supplier == "" || p.ChangeFen > 0 {
			return nil, unreadable(e)
		}
		// Logged under both parties: booked once, from the demander's copy.
		if e.Member != p.Demander || p.ChangeFen == 0 {
			return nil, nil
		}
		move(Account{p.Supplier, Receivable}, Account{p.Demander, Prepaid}, -p.ChangeFen)
	case KindPayoutPaid:
		if p.AmountFen <= 0 {
			return nil, unreadable(e)
		}
		move(Account{e.Member, Receivable}, Account{"", Cash}, p.AmountFen)
	}
	for _, ps := range out.Postings {
		b.balances[ps.Account] += ps.AmountFen
	}
	return out, nil
}

func unreadable(e *bizlog.Entry) error {
	return errs.New(errs.Invalid, "entry", fmt.Sprintf("业务日志第 %d 条（%s）无法记账", e.Seq, e.Kind), fmt.Sprintf("log entry %d (%s) cannot be booked", e.Seq, e.Kind))
}

// Balance is one account's balance.
type Balance struct {
	Account   Account `json:"account"`
	AmountFen int64   `json:"amount_fen"`
}

// Balances are the accounts' balances (those ever posted to), the
// platform's first, then by member and kind.
func (b *Book) Balances() []Balance {
	out := make([]Balance, 0, len(b.balances))
	for a, n := range b.balances {
		out = append(out, Balance{a, n})
	}
	slices.SortFunc(out, func(x, y Balance) int {
		if c := strings.Compare(x.Account.Member, y.Account.Member); c != 0 {
			return c
		}
		return strings.Compare(string(x.Account.Kind), string(y.Account.Kind))
	})
	return out
}

// Of is one account's balance.
func (b *Book) Of(a Account) int64 { return b.balances[a] }

// Sum is the sum of all balances: zero in a book that balances.
func (b *Book) Sum() int64 {
	var n int64
	for _, v := range b.balances {
		n += v
	}
	return n
}

// Concerns reports whether an entry posts to one of member's accounts.
func (e *Entry) Concerns(member string) bool {
	for _, p := range e.Postings {
		if p.Account.Member == member {
			return true
		}
	}
	return false
}
