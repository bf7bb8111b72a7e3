package console

import (
	"net/http"
	"strings"

	"hulian/internal/errs"
	"hulian/internal/platform/store"
	"hulian/internal/settlement"
)

type statementsData struct {
	Month string
	Rows  []statementRow
}

type statementRow struct {
	*store.IssuedStatement
	Total Money
}

func rowOf(st *store.IssuedStatement) statementRow {
	return statementRow{IssuedStatement: st, Total: Money(st.TotalFen)}
}

// statements lists the issued monthly statements 数据互联结算单 (X-S1):
// staff see all, a member those it is a party to; ?month=YYYY-MM narrows
// to one month.
func (c *console) statements(w http.ResponseWriter, r *http.Request) error {
	month := strings.TrimSpace(r.URL.Query().Get("month"))
	if month != "" {
		if _, _, err := settlement.ParseMonth(month); err != nil {
			return err
		}
	}
	sts, err := c.x.Statements.List(r.Context(), store.StatementFilter{Month: month})
	if err != nil {
		return err
	}
	d := statementsData{Month: month}
	for i := len(sts) - 1; i >= 0; i-- { // newest month first
		d.Rows = append(d.Rows, rowOf(sts[i]))
	}
	c.render(w, r, http.StatusOK, "statements.html", &view{Title: "st.title", Data: d})
	return nil
}

// statementByID finds one statement the caller may see; another member's
// is not found.
func (c *console) statementByID(r *http.Request) (*store.IssuedStatement, error) {
	id := r.PathValue("id")
	if strings.HasPrefix(id, "stm_") && len(id) <= 64 {
		sts, err := c.x.Statements.List(r.Context(), store.StatementFilter{ID: id})
		if err != nil {
			return nil, err
		}
		if len(sts) == 1 {
			return sts[0], nil
		}
	}
	return nil, errs.New(errs.NotFound, "id", "找不到该结算单", "no such statement")
}

type statementData struct {
	statementRow
	Lines []lineRow
}

type lineRow struct {
	settlement.Line
	Charge Money
}

// statement is one statement, printable: its parties by name, its lines
// per order, its total, and the platform's signature.
func (c *console) statement(w http.ResponseWriter, r *http.Request) error {
	st, err := c.statementByID(r)
	if err != nil {
		return err
	}
	d := statementData{statementRow: rowOf(st)}
	for _, l := range st.Lines {
		d.Lines = append(d.Lines, lineRow{Line: l, Charge: Money(l.ChargeFen)})
	}
	c.render(w, r, http.StatusOK, "statement.html", &view{Title: "st.one", Data: d})
	return nil
}
