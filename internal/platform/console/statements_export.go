package console

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"hulian/internal/calendar"
	"hulian/internal/i18n"
	"hulian/internal/platform/store"
	"hulian/internal/pricing"
)

// statementTable is a statement as finance teams import it: a header of
// the statement's facts, then one row per order and, for a correction,
// one per credit and the statement it corrects, amounts in yuan; fen are
// the amounts of the rows after the header, for the workbook's numbers.
func (c *console) statementTable(st *store.IssuedStatement, lang i18n.Lang, names *nameBook) (rows [][]string, fen []int64) {
	t := func(k string) string { return messages[k].In(lang) }
	rows = [][]string{
		{t("st.id"), st.ID},
		{t("st.month"), st.Period()},
		{t("st.demander"), names.member(st.Demander), st.Demander},
		{t("st.supplier"), names.member(st.Supplier), st.Supplier},
		{t("st.issued"), st.Issued.In(calendar.Shanghai).Format("2006-01-02 15:04:05") + " (UTC+8)"},
		{t("st.total"), pricing.FormatYuan(st.TotalFen)},
		{t("st.lines_digest"), st.LinesDigest, st.Alg().Label()},
		{},
		{t("mk.order.id"), t("st.listing"), t("st.deliveries"), t("dl.queried"), t("dl.matched"), t("st.amount"), t("st.entries")},
	}
	if st.From != "" {
		// A period of several months has a line per order and month: the
		// month goes last, so the amounts keep their column.
		rows[len(rows)-1] = append(rows[len(rows)-1], t("st.line_month"))
	}
	for _, l := range st.Lines {
		row := []string{l.Order, l.Listing, strconv.FormatInt(l.Deliveries, 10), strconv.FormatInt(l.Queried, 10),
			strconv.FormatInt(l.Matched, 10), pricing.FormatYuan(l.ChargeFen), fmt.Sprintf("#%d–#%d", l.FirstSeq, l.LastSeq)}
		if st.From != "" {
			row = append(row, l.Month)
		}
		rows = append(rows, row)
		fen = append(fen, l.ChargeFen)
	}
	for _, a := range st.Adjustments {
		rows = append(rows, []string{a.Order, t("se.credit") + ": " + a.Reason, "", "", "", pricing.FormatYuan(a.AmountFen), ""})
		fen = append(fen, a.AmountFen)
	}
	if st.Corrects != "" {
		rows = append(rows, []string{t("se.corrects"), st.Corrects})
	}
	return rows, fen
}

// statementCSV exports a statement as CSV, UTF-8 with a byte-order mark
// so that spreadsheet programs in China open the Chinese headers right.
func (c *console) statementCSV(w http.ResponseWriter, r *http.Request) error {
	st, err := c.statementByID(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	rows, _ := c.statementTable(st, i18n.From(r.Context()), &nameBook{ctx: r.Context(), p: c.p})
	cw.WriteAll(rows)
	if err := cw.Error(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+st.ID+`.csv"`)
	w.Write(b.Bytes())
	return nil
}

// statementXLSX exports a statement as an Excel workbook, written with
// excelize, amounts as numbers in yuan with two decimals.
func (c *console) statementXLSX(w http.ResponseWriter, r *http.Request) error {
	st, err := c.statementByID(r)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	money, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	if err != nil {
		return err
	}
	rows, fen := c.statementTable(st, i18n.From(r.Context()), &nameBook{ctx: r.Context(), p: c.p})
	header := 9 // the table's header row, 1-based
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			data := i >= header && i-header < len(fen)
			switch {
			case data && j >= 2 && j <= 4 && v != "":
				n, _ := strconv.ParseInt(v, 10, 64)
				f.SetCellInt(sheet, cell, n)
			case data && j == 5:
				f.SetCellFloat(sheet, cell, float64(fen[i-header])/100, 2, 64)
				f.SetCellStyle(sheet, cell, cell, money)
			default:
				f.SetCellStr(sheet, cell, v)
			}
		}
	}
	f.SetColWidth(sheet, "A", "A", 28)
	f.SetColWidth(sheet, "B", "G", 18)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+st.ID+`.xlsx"`)
	w.Write(b.Bytes())
	return nil
}
