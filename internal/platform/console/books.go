package console

import (
	"net/http"
	"strings"
	"time"

	"hulian/internal/ledger"
	"hulian/internal/platform/books"
)

func cstDate(t time.Time) string { return t.In(cst).Format("2006-01-02") }

type booksData struct {
	Member     string // whose history is shown
	Balances   []balanceRow
	Sum        Money
	Mismatches []mismatchRow
	History    []historyRow
	Accounts   []ledger.AccountKind
}

type balanceRow struct {
	ledger.Balance
	Amount Money
}

type mismatchRow struct {
	books.Mismatch
	Book, Quota Money
}

type historyRow struct {
	books.Line
	Changes, After []Money // in the order of Accounts
}

// books shows the accounts (X-W3): a member its own balances and their
// history; staff the whole book — every balance, their sum, and the
// prepaid accounts reconciled with the quota — and, with ?member=, one
// member's history.
func (c *console) books(w http.ResponseWriter, r *http.Request) error {
	member := strings.TrimSpace(r.URL.Query().Get("member"))
	v, err := c.x.Books.Read(r.Context(), member)
	if err != nil {
		return err
	}
	d := booksData{Member: member, Sum: Money(v.Sum), Accounts: books.MemberAccounts}
	for _, m := range v.Mismatches {
		d.Mismatches = append(d.Mismatches, mismatchRow{Mismatch: m, Book: Money(m.BookFen), Quota: Money(m.QuotaFen)})
	}
	for _, b := range v.Balances {
		d.Balances = append(d.Balances, balanceRow{Balance: b, Amount: Money(b.AmountFen)})
	}
	for i := len(v.History) - 1; i >= 0; i-- { // newest first
		l := v.History[i]
		row := historyRow{Line: l}
		for _, k := range books.MemberAccounts {
			row.Changes = append(row.Changes, Money(l.Changes[k]))
			row.After = append(row.After, Money(l.After[k]))
		}
		d.History = append(d.History, row)
	}
	c.render(w, r, http.StatusOK, "books.html", &view{Title: "se.books", Data: d})
	return nil
}
